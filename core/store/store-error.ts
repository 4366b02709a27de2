import { LoraError } from '../errors.js';

/** A failure of the artifact store, with the key and whether trying again may help. */
export class StoreError extends LoraError {
  readonly key: string | undefined;

  constructor(message: string, options: { code: string; key?: string; retryable?: boolean; cause?: unknown; exitCode?: 1 | 2 }) {
    super(message, { code: options.code, retryable: options.retryable ?? false, cause: options.cause, exitCode: options.exitCode });
    this.key = options.key;
  }
}
