import { createHash } from 'node:crypto';

/**
 * A 53-bit hash of a string as a plain number, so that sets of a million of them stay small
 * (a `Set<number>` instead of a `Set<string>`) while collisions stay negligible (~1e-4 at 1e6 items).
 */
export function hash53(text: string): number {
  const digest = createHash('sha1').update(text).digest();
  return (digest.readUInt32BE(0) & 0x1fffff) * 0x100000000 + digest.readUInt32BE(4);
}

/** A deterministic number in [0, 1) from a 53-bit hash. */
export function unitInterval(hash: number): number {
  return hash / 2 ** 53;
}
