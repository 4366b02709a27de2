import { describe, expect, it } from 'vitest';
import { maxRetryDelayMs, requestedRetryDelayMs, retryDelayMs } from '../../../evals/providers/index.js';

const now = Date.parse('2026-03-01T12:00:00Z');

describe('retry delay', () => {
  it('reads Retry-After as seconds, as an HTTP date, and retry-after-ms first', () => {
    expect(requestedRetryDelayMs(new Headers({ 'retry-after': '2' }), now)).toBe(2000);
    expect(requestedRetryDelayMs(new Headers({ 'retry-after': '0.5' }), now)).toBe(500);
    expect(requestedRetryDelayMs(new Headers({ 'retry-after': 'Sun, 01 Mar 2026 12:00:03 GMT' }), now)).toBe(3000);
    expect(requestedRetryDelayMs(new Headers({ 'retry-after': 'Sun, 01 Mar 2026 11:00:00 GMT' }), now)).toBe(0);
    expect(requestedRetryDelayMs(new Headers({ 'retry-after-ms': '250', 'retry-after': '9' }), now)).toBe(250);
  });

  it('ignores a missing or unreadable Retry-After', () => {
    expect(requestedRetryDelayMs(undefined, now)).toBeUndefined();
    expect(requestedRetryDelayMs(new Headers(), now)).toBeUndefined();
    expect(requestedRetryDelayMs(new Headers({ 'retry-after': 'soon' }), now)).toBeUndefined();
  });

  it('never waits less than the endpoint asked, nor longer than the cap', () => {
    const asked = new Headers({ 'retry-after': '1' });
    expect(retryDelayMs(0, asked, { baseDelayMs: 500, random: () => 0, now })).toBe(1000);
    expect(retryDelayMs(0, asked, { baseDelayMs: 500, random: () => 1, now })).toBe(1100);
    expect(retryDelayMs(0, new Headers({ 'retry-after': '3600' }), { baseDelayMs: 500, random: () => 1, now })).toBe(maxRetryDelayMs);
  });

  it('doubles the backoff each retry, with jitter between half and all of it, up to a ceiling', () => {
    const low = (attempt: number) => retryDelayMs(attempt, undefined, { baseDelayMs: 500, random: () => 0 });
    const high = (attempt: number) => retryDelayMs(attempt, undefined, { baseDelayMs: 500, random: () => 1 });
    expect([0, 1, 2].map(low)).toEqual([250, 500, 1000]);
    expect([0, 1, 2].map(high)).toEqual([500, 1000, 2000]);
    expect(high(20)).toBe(16_000);
  });
});
