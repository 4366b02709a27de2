// Errors the router answers with, in OpenAI's error shape, so that OpenAI clients raise their usual exceptions.
import type { z } from 'zod';
import { LoraError, formatPath } from '../core/index.js';

/** OpenAI's error types; clients switch on the HTTP status, people read `type` and `code`. */
export type OpenAiErrorType = 'invalid_request_error' | 'authentication_error' | 'rate_limit_error' | 'server_error' | 'upstream_error';

/** The JSON body of an error response: `{ error: { message, type, param, code } }`. */
export interface OpenAiErrorBody {
  error: { message: string; type: OpenAiErrorType; param: string | null; code: string | null };
}

/**
 * An error with the HTTP status and OpenAI fields to answer it with. `code` is OpenAI's snake_case code
 * (`model_not_found`), because clients read it off the wire.
 */
export class RouterError extends LoraError {
  readonly status: number;
  readonly type: OpenAiErrorType;
  readonly param: string | null;
  /** Extra response headers, such as `retry-after`. */
  readonly headers: Record<string, string>;

  constructor(message: string, options: { status: number; type?: OpenAiErrorType; code: string; param?: string | null; headers?: Record<string, string>; cause?: unknown; retryable?: boolean }) {
    super(message, { code: options.code, cause: options.cause, retryable: options.retryable ?? options.status >= 500 });
    this.status = options.status;
    this.type = options.type ?? (options.status >= 500 ? 'server_error' : 'invalid_request_error');
    this.param = options.param ?? null;
    this.headers = options.headers ?? {};
  }

  /** The response body. */
  body(): OpenAiErrorBody {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

/** A 400 for a body that does not validate, naming the first bad field, what was expected and what came. */
export function invalidBody(endpoint: string, issues: readonly z.core.$ZodIssue[]): RouterError {
  const first = issues[0];
  const path = first === undefined ? '' : formatPath(first.path);
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? 's' : ''})` : '';
  const where = path === '' ? 'the request body' : `"${path}"`;
  return new RouterError(`${endpoint}: ${where} ${first?.message ?? 'is invalid'}${more}; see the OpenAI API reference for the field`, {
    status: 400,
    code: 'invalid_value',
    param: path === '' ? null : path,
  });
}

/** A 404 for a model the router cannot serve and has no fallback for. */
export function modelNotFound(model: string, reason: string): RouterError {
  return new RouterError(`The model "${model}" cannot be served: ${reason}. GET /v1/models lists what is served; promote a version with \`lora adapters promote\`, or start the router with --fallback`, {
    status: 404,
    code: 'model_not_found',
    param: 'model',
  });
}
