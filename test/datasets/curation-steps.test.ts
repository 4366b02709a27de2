import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LowercaseUnits } from '../../datasets/curation/lowercase-units.js';
import { recordHashes } from '../../datasets/curation/record-preparer.js';
import { LengthStats } from '../../datasets/curation/length-stats.js';
import { NgramIndex } from '../../datasets/curation/ngram-index.js';
import { normalizeText } from '../../datasets/curation/normalize-text.js';
import { isDegenerate, qualityProblem, repetitionShare } from '../../datasets/curation/quality-filter.js';
import { SplitAssigner } from '../../datasets/curation/split-assigner.js';
import { HashSet53 } from '../../datasets/curation/hash-set.js';
import { CollapsedHasher, hash53 } from '../../datasets/curation/text-hash.js';

const normalize = (text: string) => normalizeText(text, { unicode: 'NFC', whitespace: true });
const record = (user: string, assistant: string) => ({ schemaVersion: 1 as const, messages: [{ role: 'user' as const, content: user }, { role: 'assistant' as const, content: assistant }] });
const quality = { minTokens: 1, maxTokens: 100, dropDegenerate: true, maxRepetition: 0.5 };

describe('normalisation', () => {
  it('composes Unicode to NFC so that equal text compares equal', () => {
    expect(normalize('cafe\u0301')).toBe('caf\u00e9');
  });

  it('unifies line endings and exotic spaces, trims line ends, and keeps indentation', () => {
    expect(normalize('\ufeffdef f():\r\n    return 1   \r\n\r\n\r\n\r\nok\u00a0done  ')).toBe('def f():\n    return 1\n\nok done');
  });
});

describe('quality filters', () => {
  it('drops empty, punctuation-only and single-character responses but keeps one-word labels', () => {
    expect(isDegenerate('   ')).toBe(true);
    expect(isDegenerate('...!?')).toBe(true);
    expect(isDegenerate('aaaaaaaa')).toBe(true);
    expect(isDegenerate('billing')).toBe(false);
    expect(qualityProblem(record('Where is my refund?', 'billing'), quality)).toBeUndefined();
    expect(qualityProblem(record('Where is my refund?', '!!!'), quality)).toBe('degenerate-response');
  });

  it('drops a response that loops on the same phrase', () => {
    const looping = Array.from({ length: 10 }, () => 'I am sorry about that').join(' ');
    expect(repetitionShare(looping)).toBeGreaterThan(0.7);
    expect(qualityProblem(record('Why?', looping), quality)).toBe('repetitive-response');
    expect(repetitionShare('The package left our warehouse on Monday and should reach you by Friday at the latest, tracking will update tonight.')).toBe(0);
  });

  it('drops records outside the token budget', () => {
    expect(qualityProblem(record('x'.repeat(600), 'fine answer'), quality)).toBe('too-many-tokens');
    expect(qualityProblem(record('', ''), { ...quality, dropDegenerate: false, minTokens: 1 })).toBe('too-few-tokens');
  });
});

describe('splits', () => {
  it('sends every record with the same prompt to the same split, even under different labels', () => {
    const assigner = new SplitAssigner({ train: 0.5, validation: 0.25, test: 0.25 });
    const prompts = Array.from({ length: 400 }, (_, index) => hash53(`prompt ${index % 100}`));
    prompts.forEach((hash, index) => assigner.observe(index % 2 === 0 ? 'a' : 'b', hash));
    const seen = new Map<number, string>();
    prompts.forEach((hash, index) => {
      const split = assigner.assign(index % 2 === 0 ? 'a' : 'b', hash);
      expect(seen.get(hash) ?? split).toBe(split);
      seen.set(hash, split);
    });
  });

  it('divides each label in the configured shares', () => {
    const assigner = new SplitAssigner({ train: 0.8, validation: 0.1, test: 0.1 });
    const records = Array.from({ length: 1000 }, (_, index) => ({ label: index < 900 ? 'common' : 'rare', hash: hash53(`record ${index}`) }));
    for (const { label, hash } of records) assigner.observe(label, hash);
    const rare = records.filter((item) => item.label === 'rare').map((item) => assigner.assign(item.label, item.hash));
    expect(rare.filter((split) => split === 'train')).toHaveLength(80);
    expect(rare.filter((split) => split === 'validation')).toHaveLength(10);
    expect(rare.filter((split) => split === 'test')).toHaveLength(10);
  });
});

describe('n-gram decontamination index', () => {
  it('finds a 13-word overlap regardless of case and punctuation, and nothing shorter', () => {
    const index = new NgramIndex(13);
    index.add('Question: what is the capital of France, and which river runs through it on the way to the sea?');
    expect(index.overlaps('BTW -- What is the capital of France and which river runs through it on the way to the coast')).toBe(true);
    expect(index.overlaps('what is the capital of France and which river runs')).toBe(false);
  });

  it('agrees with a word-by-word comparison on random texts, and its probes never miss an overlap', () => {
    // A vocabulary of six words makes shared n-grams common, so both answers get exercised.
    const word = fc.constantFrom('red', 'Blue', 'green', 'a', 'b', 'été');
    const text = fc.array(fc.tuple(word, fc.constantFrom(' ', ', ', '\n', '. ')), { maxLength: 40 }).map((parts) => parts.map(([item, gap]) => item + gap).join(''));
    const ngramsOf = (value: string, n: number) => {
      const words = value.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter((item) => item !== '');
      return Array.from({ length: Math.max(0, words.length - n + 1) }, (_, start) => words.slice(start, start + n).join(' '));
    };
    fc.assert(
      fc.property(fc.array(text, { minLength: 1, maxLength: 4 }), text, fc.integer({ min: 4, max: 9 }), (added, probe, n) => {
        const index = new NgramIndex(n);
        for (const item of added) index.add(item);
        const reference = new Set(added.flatMap((item) => ngramsOf(item, n)));
        const expected = ngramsOf(probe, n).some((gram) => reference.has(gram));
        expect(index.overlaps(probe)).toBe(expected);
        if (expected) expect(index.mayOverlap(index.probesOf(new LowercaseUnits().load(probe)))).toBe(true);
      }),
      { numRuns: 400 },
    );
  });

  it('reads only the probes in the range it is given, of an array that holds other texts’ probes too', () => {
    const index = new NgramIndex(13);
    const added = 'the quick brown fox jumps over the lazy dog while the farmer sleeps under the old oak tree all day';
    index.add(added);
    const lowered = new LowercaseUnits();
    const matching = Array.from(index.probesOf(lowered.load(added)));
    const other = Array.from(index.probesOf(lowered.load('a completely different sentence about rivers and mountains and the long road home to the sea')));
    const probes = Float64Array.from([...matching, ...other, ...matching]);
    const otherStart = matching.length;
    const otherEnd = otherStart + other.length;

    expect(index.mayOverlap(probes, 0, otherStart)).toBe(true);
    expect(index.mayOverlap(probes, otherStart, otherEnd)).toBe(false);
    expect(index.mayOverlap(probes, otherEnd, probes.length)).toBe(true);
    expect(index.mayOverlap(probes, otherStart, otherStart)).toBe(false);
  });
});

describe('repetition share', () => {
  /** The definition, with strings: the share of word 3-grams (split at whitespace, any case) that repeat an earlier one. */
  function reference(text: string): number {
    const words = text.toLowerCase().split(/\s+/).filter((item) => item !== '');
    if (words.length < 12) return 0;
    const seen = new Set<string>();
    let repeated = 0;
    for (let index = 0; index + 2 < words.length; index += 1) {
      const gram = `${words[index]} ${words[index + 1]} ${words[index + 2]}`;
      if (seen.has(gram)) repeated += 1;
      else seen.add(gram);
    }
    return repeated / (words.length - 2);
  }

  it('equals the share computed with joined strings, for any text', () => {
    const word = fc.constantFrom('ok', 'OK', 'fine', 'é', 'É', 'ß', 'a b', '\u00a0', '\t', '\u2028', '\u3000');
    fc.assert(fc.property(fc.array(word, { maxLength: 120 }), (parts) => {
      expect(repetitionShare(parts.join(' '))).toBe(reference(parts.join(' ')));
    }), { numRuns: 500 });
    fc.assert(fc.property(fc.string({ maxLength: 300 }), (text) => {
      expect(repetitionShare(text)).toBe(reference(text));
    }), { numRuns: 500 });
  });
});

describe('length statistics', () => {
  it('reports min, mean, p50, p95 and max by nearest rank', () => {
    const stats = new LengthStats();
    for (let value = 1; value <= 2000; value += 1) stats.add(value);
    expect(stats.summary()).toEqual({ records: 2000, min: 1, mean: 1000.5, p50: 1000, p95: 1900, max: 2000 });
    expect(stats.histogram(4).map((bucket) => bucket.count)).toEqual([500, 500, 500, 500]);
  });
});

describe('53-bit text hash', () => {
  it('hashes text with whitespace collapsed as if it had been collapsed first', () => {
    expect(new CollapsedHasher().text('  Where is\n\n my   refund? ').digest()).toBe(new CollapsedHasher().text('Where is my refund?').digest());
    expect(new CollapsedHasher().text('a').separator(1).text('b').digest()).not.toBe(new CollapsedHasher().text('a b').digest());
  });

  it('hashes a record in one pass exactly as its exact-dedupe key and its prompt hash are defined', () => {
    const chat = {
      schemaVersion: 1 as const,
      label: 'billing',
      messages: [
        { role: 'system' as const, content: 'You   triage.' },
        { role: 'user' as const, content: ' Charged\ttwice\u00a0 today ' },
        { role: 'assistant' as const, content: 'billing' },
        { role: 'user' as const, content: 'And again?' },
        { role: 'assistant' as const, content: 'billing  again' },
      ],
    };
    const exact = new CollapsedHasher().text('billing').separator(0);
    const prompt = new CollapsedHasher();
    for (const message of chat.messages) {
      exact.text(message.role).separator(1).text(message.content).separator(2);
      if (message.role !== 'assistant') prompt.text(message.content).separator(1);
    }
    expect(recordHashes(chat)).toEqual({ exactKey: exact.digest(), promptHash: prompt.digest() });
    expect(recordHashes({ ...chat, label: undefined }).promptHash).toBe(prompt.digest());
    expect(recordHashes({ ...chat, label: undefined }).exactKey).not.toBe(exact.digest());
  });

  it('gives equal texts equal hashes and spreads a million near-identical strings without collisions', () => {
    expect(hash53('same text')).toBe(hash53('same text'));
    const seen = new Set<number>();
    for (let index = 0; index < 1_000_000; index += 1) seen.add(hash53(`ticket ${index}`));
    expect(seen.size).toBe(1_000_000);
    expect(Math.max(...[...seen].slice(0, 1000))).toBeLessThan(2 ** 53);
  });
});

describe('53-bit hash set', () => {
  it('holds what was added, through growth, and nothing else', () => {
    const set = new HashSet53();
    for (let index = 0; index < 50_000; index += 1) expect(set.add(hash53(`gram ${index}`))).toBe(true);
    expect(set.add(hash53('gram 7'))).toBe(false);
    expect(set.size).toBe(50_000);
    expect(set.has(hash53('gram 49999'))).toBe(true);
    expect(set.has(hash53('gram 50000'))).toBe(false);
    expect(set.add(0)).toBe(true);
    expect(set.has(0)).toBe(true);
    expect(set.memoryBytes / set.size).toBeLessThan(24);
  });
});
