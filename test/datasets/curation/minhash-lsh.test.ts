import { describe, expect, it } from 'vitest';
import { NearDuplicateIndex, nearDuplicateDefaults } from '../../../datasets/curation/minhash-lsh.js';

/** mulberry32: a small seeded PRNG, so every generated corpus is the same on every run. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let value = Math.imul(state ^ (state >>> 15), 1 | state);
    value = (value + Math.imul(value ^ (value >>> 7), 61 | value)) ^ value;
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

const vocabulary = (
  'account address after again agent answer app ask assistant back balance bank before billing ' +
  'browser button cancel card change charge check click code confirm contact could customer data ' +
  'date delete delivery device did does download email error every expected export file first ' +
  'fix form friday from get help here history how install invoice issue item just know last ' +
  'later link login made message missing money month need never new next now number office ' +
  'only open order page password payment phone plan please problem product question receipt ' +
  'refund reply report request reset return right screen send server service settings ship ' +
  'should sign since still subscription support sure system team that there this ticket time ' +
  'today tried twice update upgrade user using version wait week when where which while why ' +
  'will with without work working would wrong yesterday your'
).split(' ');

/** A support-ticket-like paragraph of about `length` characters: sentences of vocabulary words. */
function paragraph(random: () => number, length = 300): string {
  const sentences: string[] = [];
  let size = 0;
  while (size < length) {
    const words = Array.from({ length: 6 + Math.floor(random() * 10) }, () => vocabulary[Math.floor(random() * vocabulary.length)]!);
    const sentence = `${words[0]!.charAt(0).toUpperCase()}${words[0]!.slice(1)} ${words.slice(1).join(' ')}${random() < 0.2 ? '?' : '.'}`;
    sentences.push(sentence);
    size += sentence.length + 1;
  }
  return sentences.join(' ');
}

/** The same paragraph retyped: other whitespace and case, and `replacements` words swapped for others. */
function nearCopy(random: () => number, text: string, replacements = 1): string {
  const words = text.split(' ');
  for (let count = 0; count < replacements; count += 1) {
    const replaced = Math.floor(random() * words.length);
    let replacement = vocabulary[Math.floor(random() * vocabulary.length)]!;
    while (words[replaced]!.toLowerCase().startsWith(replacement)) replacement = vocabulary[Math.floor(random() * vocabulary.length)]!;
    words[replaced] = replacement;
  }
  const spaced = words.map((word, index) => (index === 0 ? word : `${random() < 0.1 ? '\n' : random() < 0.1 ? '  ' : ' '}${word}`)).join('');
  const cased = random() < 0.5 ? spaced.toUpperCase() : spaced.toLowerCase();
  return `  ${cased}\n`;
}

describe('NearDuplicateIndex', () => {
  it('finds at least 95% of 200 retyped paragraphs with one word replaced, and flags no unrelated paragraph', () => {
    const random = seededRandom(20240611);
    const index = new NearDuplicateIndex({ shingleSize: 5, bands: 16, rows: 8, threshold: 0.8 });
    const originals = Array.from({ length: 200 }, () => paragraph(random));
    const unrelated = Array.from({ length: 800 }, () => paragraph(random));
    originals.forEach((text, id) => expect(index.add(id, text)).toBeUndefined());
    let flaggedUnrelated = 0;
    unrelated.forEach((text, offset) => {
      if (index.add(1000 + offset, text) !== undefined) flaggedUnrelated += 1;
    });

    let found = 0;
    let flagged = 0;
    originals.forEach((text, id) => {
      const match = index.add(10_000 + id, nearCopy(random, text));
      if (match === undefined) return;
      flagged += 1;
      if (match.duplicateOf === id) found += 1;
      expect(match.similarity).toBeGreaterThanOrEqual(0.8);
    });

    const recall = found / originals.length;
    const precision = found / (flagged + flaggedUnrelated);
    expect(recall).toBeGreaterThanOrEqual(0.95);
    expect(precision).toBeGreaterThanOrEqual(0.98);
    expect(index.size).toBe(originals.length + unrelated.length - flaggedUnrelated);
  });

  it('estimates the Jaccard similarity of the shingle sets within a few percent, from near-copies to loosely related texts', () => {
    const random = seededRandom(7);
    const index = new NearDuplicateIndex();
    const shingles = (text: string) => {
      const normal = text.toLowerCase().replace(/\s+/g, ' ').trim();
      return new Set(Array.from({ length: normal.length - 4 }, (_, start) => normal.slice(start, start + 5)));
    };
    const errors: number[] = [];
    for (let replacements = 1; replacements <= 40; replacements += 1) {
      const text = paragraph(random, 500);
      const copy = nearCopy(random, text, replacements);
      const [left, right] = [shingles(text), shingles(copy)];
      const jaccard = [...left].filter((shingle) => right.has(shingle)).length / new Set([...left, ...right]).size;
      const [a, b] = [index.signature(text), index.signature(copy)];
      const estimate = a.filter((value, position) => value === b[position]).length / a.length;
      errors.push(Math.abs(estimate - jaccard));
    }
    // 128 minhashes: the standard error is at most sqrt(0.25 / 128) = 0.044.
    expect(Math.max(...errors)).toBeLessThan(0.15);
    expect(errors.reduce((sum, error) => sum + error, 0) / errors.length).toBeLessThan(0.05);
  });

  it('keeps paragraphs that share only part of their wording', () => {
    const random = seededRandom(13);
    const index = new NearDuplicateIndex();
    const originals = Array.from({ length: 100 }, () => paragraph(random));
    originals.forEach((text, id) => index.add(id, text));
    // Replacing 18 of about 46 words leaves a Jaccard similarity of about 0.5 (at most 0.6), well below 0.8.
    const rewrites = originals.map((text, id) => index.add(100 + id, nearCopy(random, text, 18)));
    expect(rewrites.filter((match) => match !== undefined)).toEqual([]);
  });

  it('gives the same signature for the same seed and a different one for another seed', () => {
    const text = paragraph(seededRandom(3), 500);
    const first = new NearDuplicateIndex({ seed: 42 }).signature(text);
    const second = new NearDuplicateIndex({ seed: 42 }).signature(text);
    const other = new NearDuplicateIndex({ seed: 43 }).signature(text);
    expect(first).toHaveLength(nearDuplicateDefaults.bands * nearDuplicateDefaults.rows);
    expect([...second]).toEqual([...first]);
    expect([...other]).not.toEqual([...first]);
  });

  it('drops a near-duplicate that differs only in whitespace and case, with similarity 1', () => {
    const index = new NearDuplicateIndex();
    const text = 'My refund for order 4412 never arrived. I was charged twice on Friday and support has not replied.';
    expect(index.add(1, text)).toBeUndefined();
    expect(index.add(2, `\t${text.toUpperCase().replace(/ /g, '   ')}\n\n`)).toEqual({ duplicateOf: 1, similarity: 1 });
  });

  it('keeps the first occurrence and reports later copies as its duplicates', () => {
    const random = seededRandom(11);
    const index = new NearDuplicateIndex();
    const text = paragraph(random);
    const other = paragraph(random);
    expect(index.add(7, text)).toBeUndefined();
    expect(index.add(8, nearCopy(random, text))?.duplicateOf).toBe(7);
    expect(index.add(9, other)).toBeUndefined();
    expect(index.add(10, nearCopy(random, text))?.duplicateOf).toBe(7);
    expect(index.add(11, nearCopy(random, other))?.duplicateOf).toBe(9);
    expect(index.size).toBe(2);
    expect(index.clusters(5)).toEqual([
      { keptId: 7, duplicateIds: [8, 10], duplicateCount: 2 },
      { keptId: 9, duplicateIds: [11], duplicateCount: 1 },
    ]);
    expect(index.clusters(1)).toHaveLength(1);
  });

  it('grows its memory with kept texts only, never with duplicates', () => {
    const random = seededRandom(5);
    const index = new NearDuplicateIndex();
    const text = paragraph(random);
    index.add(0, text);
    const before = index.memoryBytes;
    for (let id = 1; id <= 2000; id += 1) expect(index.add(id, nearCopy(random, text))?.duplicateOf).toBe(0);
    expect(index.memoryBytes).toBe(before);
    expect(index.clusters(1)[0]?.duplicateCount).toBe(2000);
    expect(index.clusters(1)[0]?.duplicateIds.length).toBeLessThanOrEqual(10);
  });

  it('holds under 600 bytes per kept 500-character text, by its own count', () => {
    const random = seededRandom(17);
    const index = new NearDuplicateIndex();
    for (let id = 0; id < 10_000; id += 1) index.add(id, paragraph(random, 500));
    // Unrelated paragraphs: a few may pair up by chance, but nearly all are kept.
    expect(index.size).toBeGreaterThan(9_900);
    // 256 bytes of 16-bit minhashes, an 8-byte id, and 16 bucket-table cells of 11 to 17 bytes.
    expect(index.memoryBytes / index.size).toBeLessThan(600);
    expect(index.memoryBytes / index.size).toBeGreaterThan(256);
  });

  it('gives the same answers when the same texts are added again to a new index', () => {
    const texts = (() => {
      const random = seededRandom(23);
      const originals = Array.from({ length: 300 }, () => paragraph(random));
      return [...originals, ...originals.map((text, position) => nearCopy(random, text, 1 + (position % 12)))];
    })();
    const run = () => {
      const index = new NearDuplicateIndex();
      const answers = texts.map((text, id) => index.add(id, text));
      return { answers, size: index.size, memoryBytes: index.memoryBytes, clusters: index.clusters(100) };
    };
    const first = run();
    expect(first.answers.filter((answer) => answer !== undefined).length).toBeGreaterThan(100);
    expect(run()).toEqual(first);
  });

  it('gives the same answers for signatures read at their offsets in one array, as curation workers send them', () => {
    const random = seededRandom(29);
    const originals = Array.from({ length: 200 }, () => paragraph(random));
    const texts = [...originals, ...originals.map((text) => nearCopy(random, text, 2))];
    const signer = new NearDuplicateIndex();
    const length = nearDuplicateDefaults.bands * nearDuplicateDefaults.rows;
    const batch = new Int32Array(texts.length * length);
    texts.forEach((text, position) => batch.set(signer.signature(text), position * length));

    const one = new NearDuplicateIndex();
    const byText = texts.map((text, id) => one.add(id, text));
    const batched = new NearDuplicateIndex();
    const byOffset = texts.map((_, id) => batched.addSignature(id, batch, id * length));
    expect(byText.filter((answer) => answer !== undefined).length).toBeGreaterThan(150);
    expect(byOffset).toEqual(byText);
    expect(batched.clusters(100)).toEqual(one.clusters(100));
  });

  it('finds a retyped copy among texts that share a long template, past the bucket size limit', () => {
    const random = seededRandom(29);
    // Threshold 1: only equal signatures match, so every templated text is kept, though many share buckets.
    const index = new NearDuplicateIndex({ threshold: 1 });
    const template = paragraph(random, 400);
    const texts = Array.from({ length: 300 }, () => `${template} ${paragraph(random, 100)}`);
    texts.forEach((text, id) => expect(index.add(id, text)).toBeUndefined());
    expect(index.size).toBe(300);
    for (const id of [0, 150, 299]) {
      expect(index.add(1000 + id, `  ${texts[id]!.toUpperCase().replace(/ /g, '\n ')}`)).toEqual({ duplicateOf: id, similarity: 1 });
    }
    expect(index.clusters(10).map((cluster) => cluster.keptId)).toEqual([0, 150, 299]);
  });

  it('handles empty texts and texts shorter than one shingle', () => {
    const index = new NearDuplicateIndex();
    expect(index.add(1, 'ok')).toBeUndefined();
    expect(index.add(2, ' OK ')).toEqual({ duplicateOf: 1, similarity: 1 });
    expect(index.add(3, 'no')).toBeUndefined();
    expect(index.add(4, '')).toBeUndefined();
    expect(index.add(5, ' \n ')).toEqual({ duplicateOf: 4, similarity: 1 });
  });

  it('rejects options that cannot form a signature, naming the option and the value', () => {
    expect(() => new NearDuplicateIndex({ bands: 0 })).toThrow('near-duplicate option "bands" must be a whole number of at least 1, got 0');
    expect(() => new NearDuplicateIndex({ threshold: 1.5 })).toThrow(/"threshold" must be a Jaccard similarity in \(0, 1\], got 1.5/);
  });
});
