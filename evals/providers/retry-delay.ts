// How long to wait before trying an endpoint again: what the endpoint asked for, else exponential backoff with jitter.

/** The longest lora waits on one retry, however long the endpoint asks for, so a wrong header cannot stall an eval for hours. */
export const maxRetryDelayMs = 60_000;

/** The ceiling of the exponential backoff when the endpoint gives no `Retry-After`. */
const maxBackoffMs = 16_000;

/**
 * The wait an endpoint asked for, from `retry-after-ms` (milliseconds) or `Retry-After`
 * (seconds, or an HTTP date); undefined when it asked for none or the header does not parse.
 */
export function requestedRetryDelayMs(headers: Headers | undefined, now: number = Date.now()): number | undefined {
  if (headers === undefined) return undefined;
  const milliseconds = headers.get('retry-after-ms')?.trim();
  if (milliseconds && /^\d+(\.\d+)?$/.test(milliseconds)) return Number(milliseconds);
  const retryAfter = headers.get('retry-after')?.trim();
  if (!retryAfter) return undefined;
  if (/^\d+(\.\d+)?$/.test(retryAfter)) return Number(retryAfter) * 1000;
  const date = Date.parse(retryAfter);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** What the retry delay depends on besides the endpoint's headers. */
export interface RetryDelayPolicy {
  /** The first backoff; each later one doubles it. */
  baseDelayMs: number;
  random?: () => number;
  now?: number;
}

/**
 * The wait before retry number `attempt` (0 for the first retry). An endpoint's `Retry-After` is honoured
 * (up to `maxRetryDelayMs`) and jitter only ever lengthens it; otherwise the backoff doubles from
 * `baseDelayMs` with "equal jitter", between half and all of the doubled delay, so parallel callers spread out.
 */
export function retryDelayMs(attempt: number, headers: Headers | undefined, policy: RetryDelayPolicy): number {
  const random = policy.random ?? Math.random;
  const requested = requestedRetryDelayMs(headers, policy.now);
  if (requested !== undefined) {
    const capped = Math.min(requested, maxRetryDelayMs);
    return Math.min(maxRetryDelayMs, capped + random() * Math.min(1000, capped * 0.1));
  }
  const ceiling = Math.min(maxBackoffMs, policy.baseDelayMs * 2 ** attempt);
  return ceiling / 2 + (random() * ceiling) / 2;
}
