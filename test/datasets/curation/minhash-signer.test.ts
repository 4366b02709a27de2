import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MinHashSigner } from '../../../datasets/curation/minhash-signer.js';

/**
 * The signature as its definition reads, slowly: collapse whitespace, hash each shingle as a polynomial
 * from scratch, mix it, pick its bin by the multiply, keep each bin's smallest 31-bit value. Texts long
 * enough to fill every bin leave nothing to densify.
 */
function referenceSignature(signer: MinHashSigner, text: string): number[] {
  const { shingleSize, length } = signer.options;
  const collapsed = text.toLowerCase().trim().replace(/\s+/g, ' ');
  const bins = new Array<number>(length).fill(0x7fffffff);
  for (let start = 0; start + shingleSize <= collapsed.length; start += 1) {
    let hash = 0;
    for (let offset = 0; offset < shingleSize; offset += 1) hash = (Math.imul(hash, 0x01000193) + collapsed.charCodeAt(start + offset)) | 0;
    let value = Math.imul(hash ^ signer.seedMix, 0x9e3779b1);
    value ^= value >>> 15;
    value = Math.imul(value, 0x85ebca6b);
    value ^= value >>> 13;
    const bin = ((value >>> 16) * length) >>> 16;
    bins[bin] = Math.min(bins[bin]!, value >>> 1);
  }
  return bins;
}

const word = fc.stringMatching(/^[a-zA-Z]{1,9}$/);
const gap = fc.constantFrom(' ', '  ', '\n', '\t ', ' \u00a0');
const longText = fc.array(fc.tuple(word, gap), { minLength: 700, maxLength: 900 }).map((parts) => parts.map(([text, space]) => text + space).join(''));

describe('MinHashSigner', () => {
  it('matches the definition of its signature for power-of-two and other lengths, over random texts', () => {
    fc.assert(
      fc.property(longText, fc.constantFrom(64, 100, 128, 192, 256), fc.integer({ min: 3, max: 9 }), (text, length, shingleSize) => {
        const signer = new MinHashSigner({ shingleSize, length, seed: 7 });
        const out = new Int32Array(length);
        signer.sign(text, out);
        const reference = referenceSignature(signer, text);
        // Every bin got a shingle, so densification had nothing to fill and the comparison is exact.
        expect(reference.every((value) => value !== 0x7fffffff)).toBe(true);
        expect([...out]).toEqual(reference);
      }),
      { numRuns: 40 },
    );
  });
});
