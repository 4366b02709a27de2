import { LoraError } from '../../core/index.js';

/** A chat provider's failure after its retries: the code says what went wrong, `status` the HTTP status when there was one. */
export class ProviderError extends LoraError {
  readonly status: number | undefined;
  /** Requests sent before giving up, retries included. */
  readonly attempts: number;

  constructor(message: string, options: { code: string; retryable: boolean; status?: number; attempts: number; cause?: unknown }) {
    super(message, { code: options.code, retryable: options.retryable, cause: options.cause });
    this.status = options.status;
    this.attempts = options.attempts;
  }
}

/** Codes whose failures are retried within a call but not worth retrying again once the retries are spent. */
const retriedOnlyWithinCall = new Set(['provider-malformed']);

/** One failed attempt, with what the retry loop needs: whether to retry, and the headers that may say when. Internal. */
export class ProviderAttemptError extends Error {
  readonly code: string;
  readonly retryable: boolean;
  readonly status: number | undefined;
  readonly headers: Headers | undefined;

  constructor(message: string, options: { code: string; retryable: boolean; status?: number; headers?: Headers; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.code = options.code;
    this.retryable = options.retryable;
    this.status = options.status;
    this.headers = options.headers;
  }

  /** The error the caller sees once no retry is left. */
  final(attempts: number): ProviderError {
    const message = attempts > 1 ? `${this.message} (gave up after ${attempts} attempts)` : this.message;
    return new ProviderError(message, {
      code: this.code,
      retryable: this.retryable && !retriedOnlyWithinCall.has(this.code),
      status: this.status,
      attempts,
      cause: this.cause,
    });
  }
}
