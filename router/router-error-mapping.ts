import { LoraError } from '../core/index.js';
import { RouterError } from './router-error.js';

/** What fastify's own errors carry. */
interface FrameworkError {
  code?: string;
  statusCode?: number;
  message: string;
}

/**
 * Any error as the router answers it: its own errors as they are; the framework's body errors (too large, not JSON,
 * wrong content type) as OpenAI-style 4xx; a usage mistake as 400; anything else as a 500 that hides internals.
 */
export function toRouterError(error: unknown, bodyLimitBytes: number): RouterError {
  if (error instanceof RouterError) return error;
  const framework = error as FrameworkError;
  if (framework.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || framework.statusCode === 413) {
    return new RouterError(`The request body exceeds the limit of ${bodyLimitBytes} bytes; send a shorter prompt`, { status: 413, code: 'request_too_large' });
  }
  if (framework.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || framework.statusCode === 415) {
    return new RouterError('The request body must be JSON with "Content-Type: application/json"', { status: 415, code: 'unsupported_media_type' });
  }
  if (typeof framework.statusCode === 'number' && framework.statusCode >= 400 && framework.statusCode < 500) {
    return new RouterError(`The request body is not valid JSON: ${framework.message}`, { status: framework.statusCode, code: 'invalid_json' });
  }
  if (error instanceof LoraError && error.exitCode === 2) return new RouterError(error.message, { status: 400, code: 'invalid_value', cause: error });
  return new RouterError('The router failed to process the request; see its log for details', { status: 500, code: 'internal_error', cause: error });
}
