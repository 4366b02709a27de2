import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LoraError, UsageError } from '../../../core/index.js';
import {
  builtInMetrics,
  createMetricScorer,
  exactMatch,
  getMetric,
  longestCommonSubsequence,
  MetricRegistry,
  normaliseAnswer,
  parseJsonOutput,
  rougeLScore,
  tokenF1Score,
  type CorpusMetricScorer,
  type EvalItem,
  type ItemMetricScorer,
} from '../../../evals/metrics/index.js';

const item = (reference: string, label?: string, id = 'item-1'): EvalItem => ({ id, reference, ...(label === undefined ? {} : { label }) });

function itemScorer(name: string, items: readonly EvalItem[], options: Record<string, unknown> = {}): ItemMetricScorer {
  const scorer = createMetricScorer(getMetric(name), { items, options });
  if (scorer.kind !== 'item') throw new Error(`${name} is not an item metric`);
  return scorer;
}

function corpusScorer(name: string, items: readonly EvalItem[], options: Record<string, unknown> = {}): CorpusMetricScorer {
  const scorer = createMetricScorer(getMetric(name), { items, options });
  if (scorer.kind !== 'corpus') throw new Error(`${name} is not a corpus metric`);
  return scorer;
}

/** The score of one output against one reference. */
function score(name: string, output: string, reference: string, options: Record<string, unknown> = {}, label?: string): number {
  return itemScorer(name, [item(reference, label)], options).scoreItems([output])[0]!;
}

function thrown(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error('expected the action to throw');
}

describe('SQuAD answer normalisation', () => {
  it.each([
    ['  The  Eiffel Tower. ', 'eiffel tower'],
    ["Don't panic!", 'dont panic'],
    ['An apple, a pear and the plum', 'apple pear and plum'],
    ['theory of the thing', 'theory of thing'],
    ['Café «crème»', 'café crème'],
    ['theñ a', 'theñ'],
    ['The', ''],
  ])('normalises %j to %j', (raw, normalised) => {
    expect(normaliseAnswer(raw)).toBe(normalised);
  });
});

describe('exact_match', () => {
  it.each([
    ['The Eiffel Tower.', 'eiffel tower', 1],
    ['  Paris\n', 'paris', 1],
    ['an apple', 'Apple', 1],
    ['dont', "don't", 1],
    ['Paris, France', 'Paris', 0],
    ['tower eiffel', 'eiffel tower', 0],
  ])('scores %j against %j as %i', (output, reference, expected) => {
    expect(score('exact_match', output, reference)).toBe(expected);
  });

  it('is declared binary, so paired pass/fail tests apply', () => {
    expect(exactMatch.binary).toBe(true);
  });
});

describe('token_f1', () => {
  it('gives 1 to "the cat sat on the mat" against "a cat sat on a mat"', () => {
    // Both normalise to [cat, sat, on, mat]: 4 shared tokens, P = 4/4, R = 4/4, F1 = 2·1·1 / (1 + 1) = 1.
    expect(tokenF1Score('the cat sat on the mat', 'a cat sat on a mat')).toBe(1);
  });

  it('trades precision for recall when the prediction adds words', () => {
    // Prediction [cat, sat, on, red, mat, today] (6), reference [cat, sat, on, mat] (4), 4 shared:
    // P = 4/6, R = 4/4, F1 = 2 · (2/3) · 1 / (2/3 + 1) = (4/3) / (5/3) = 0.8.
    expect(tokenF1Score('the cat sat on the red mat today', 'a cat sat on a mat')).toBeCloseTo(0.8, 12);
  });

  it('counts a repeated token only as often as the reference has it', () => {
    // [cat, cat, cat] against [cat, sat]: multiset overlap min(3, 1) = 1, P = 1/3, R = 1/2,
    // F1 = 2 · (1/6) / (1/3 + 1/2) = (1/3) / (5/6) = 0.4.
    expect(tokenF1Score('cat cat cat', 'cat sat')).toBeCloseTo(0.4, 12);
  });

  it('scores empty answers as SQuAD 2.0 does: 1 when both are empty, else 0', () => {
    expect(tokenF1Score('', '')).toBe(1);
    expect(tokenF1Score('The.', 'a')).toBe(1);
    expect(tokenF1Score('', 'cat')).toBe(0);
    expect(tokenF1Score('dog', 'cat')).toBe(0);
  });

  it('is reachable through the registry as a non-binary item metric', () => {
    expect(getMetric('token_f1')).toMatchObject({ kind: 'item', binary: false });
    expect(score('token_f1', 'cat cat cat', 'cat sat')).toBeCloseTo(0.4, 12);
  });
});

describe('rouge_l', () => {
  const reference = 'police killed the gunman';

  it('scores "police kill the gunman" 0.75 (Lin 2004)', () => {
    // LCS "police the gunman" = 3: R = 3/4, P = 3/4, F = 0.75.
    expect(rougeLScore('police kill the gunman', reference)).toBeCloseTo(0.75, 12);
  });

  it('scores "the gunman kill police" 0.5, word order mattering unlike bag-of-words overlap', () => {
    // LCS "the gunman" = 2: R = 2/4, P = 2/4, F = 0.5.
    expect(rougeLScore('the gunman kill police', reference)).toBeCloseTo(0.5, 12);
  });

  it('ignores case but not punctuation', () => {
    expect(score('rouge_l', 'Police Kill THE Gunman', reference)).toBeCloseTo(0.75, 12);
    // "gunman." is not "gunman": LCS "police the" = 2, F = 0.5.
    expect(score('rouge_l', 'police kill the gunman.', reference)).toBeCloseTo(0.5, 12);
  });

  it('weighs recall by beta', () => {
    // Candidate of 6 tokens, LCS "police the gunman" = 3: R = 3/4, P = 3/6.
    // β = 1: F = 2RP / (R + P) = (3/4) / (5/4) = 0.6.
    // β = 2: F = 5RP / (R + 4P) = (15/8) / (3/4 + 2) = 15/22.
    const candidate = 'police kill the gunman yesterday evening';
    expect(score('rouge_l', candidate, reference)).toBeCloseTo(0.6, 12);
    expect(score('rouge_l', candidate, reference, { beta: 2 })).toBeCloseTo(15 / 22, 12);
  });

  it('finds the longest common subsequence, not the longest common run', () => {
    expect(longestCommonSubsequence(['a', 'b', 'c', 'd', 'e'], ['a', 'x', 'c', 'y', 'e'])).toBe(3);
    expect(longestCommonSubsequence([], ['a'])).toBe(0);
  });

  it('rejects a beta that is not positive, naming the option', () => {
    const error = thrown(() => itemScorer('rouge_l', [item(reference)], { beta: 0 }));
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).message).toContain('metric rouge_l options: "beta" must be > 0, got 0');
  });
});

describe('classification', () => {
  // Gold and predicted classes, with the hand-counted confusion:
  //           predicted billing  bug  other  (none)
  // billing              2        1     0      0
  // bug                  1        1     0      0
  // other                0        0     1      1   ("spam" names no class)
  const gold = ['billing', 'billing', 'billing', 'bug', 'bug', 'other', 'other'];
  const outputs = ['Billing', 'billing.', 'bug', 'Bug', 'billing', 'Other.', 'spam'];
  const items = gold.map((label, index) => item(`The category is ${label}.`, label, `ticket-${index}`));

  it('scores accuracy per item on the normalised output: 4 of 7 right', () => {
    const scores = itemScorer('accuracy', items).scoreItems(outputs);
    expect(scores).toEqual([1, 1, 0, 1, 0, 1, 0]);
    expect(getMetric('accuracy').binary).toBe(true);
  });

  it('computes macro-F1 over the whole set by hand', () => {
    // billing: TP 2, FP 1 (ticket-4), FN 1 (ticket-2) → 2·2 / (2·2 + 1 + 1) = 2/3
    // bug:     TP 1, FP 1 (ticket-2), FN 1 (ticket-4) → 2 / (2 + 1 + 1) = 1/2
    // other:   TP 1, FP 0,            FN 1 (ticket-6) → 2 / (2 + 0 + 1) = 2/3
    // macro-F1 = (2/3 + 1/2 + 2/3) / 3 = 11/18
    expect(corpusScorer('macro_f1', items).corpusValue(outputs)).toBeCloseTo(11 / 18, 12);
  });

  it('computes macro-F1 over a subset, with only the classes labelled in it', () => {
    // Tickets 0, 2, 3, 4: billing TP 1, FP 1, FN 1 → 1/2; bug TP 1, FP 1, FN 1 → 1/2; macro-F1 = 1/2.
    const scorer = corpusScorer('macro_f1', items);
    expect(scorer.corpusValue(outputs, [0, 2, 3, 4])).toBeCloseTo(0.5, 12);
    // Tickets 3, 4: only bug is labelled; predicting billing is a miss for bug and a false positive for no class.
    // bug TP 1, FP 0, FN 1 → 2/3.
    expect(scorer.corpusValue(outputs, [3, 4])).toBeCloseTo(2 / 3, 12);
  });

  it('counts a repeated index as often as it appears, as bootstrap resamples need', () => {
    // Tickets 5, 5, 6: other TP 2, FN 1 → 4 / (4 + 1) = 0.8.
    expect(corpusScorer('macro_f1', items).corpusValue(outputs, [5, 5, 6])).toBeCloseTo(0.8, 12);
  });

  it('rejects indices that are empty or out of range', () => {
    const scorer = corpusScorer('macro_f1', items);
    expect(() => scorer.corpusValue(outputs, [])).toThrow(/at least one item index/);
    expect(() => scorer.corpusValue(outputs, [0, 7])).toThrow('item indices must be integers from 0 to 6, got 7');
  });

  it('refuses items without a label before any output is scored', () => {
    const error = thrown(() => createMetricScorer(getMetric('macro_f1'), { items: [item('billing', 'billing'), item('bug', undefined, 'ticket-9')], options: {} }));
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).code).toBe('metric-items-invalid');
    expect((error as UsageError).issues).toEqual([expect.objectContaining({ path: 'items[1].label', code: 'label-missing' })]);
    expect((error as UsageError).message).toContain('is missing on item "ticket-9"');
  });
});

describe('json_valid', () => {
  it.each([
    ['{"category": "bug"}', 1],
    ['```json\n{"category": "bug"}\n```', 1],
    ['```JSON {"category": "bug"} ```', 1],
    ['```\n[1, 2]\n```', 1],
    ['Here it is: ```json\n{"category": "bug"}\n```', 0],
    ["{category: 'bug'}", 0],
    ['', 0],
  ])('scores %j as %i', (output, expected) => {
    expect(score('json_valid', output, '{}')).toBe(expected);
  });

  it('returns the parsed value from inside a fence', () => {
    expect(parseJsonOutput('```json\n{"a": [1]}\n```')).toEqual({ ok: true, value: { a: [1] } });
  });
});

describe('json_schema', () => {
  const schema = {
    type: 'object',
    properties: { category: { enum: ['billing', 'bug'] }, priority: { type: 'integer', minimum: 1 } },
    required: ['category'],
    additionalProperties: false,
  };

  it('passes an object that conforms and fails one that does not', () => {
    const scorer = itemScorer('json_schema', [item('{}'), item('{}'), item('{}'), item('{}')], { schema });
    expect(scorer.scoreItems(['```json\n{"category": "bug", "priority": 2}\n```', '{"category": "spam"}', '{"priority": 0}', 'not json'])).toEqual([1, 0, 0, 0]);
  });

  it('uses the dialect the schema names in $schema', () => {
    const tuple = { $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'array', prefixItems: [{ type: 'string' }, { type: 'number' }], items: false };
    const scorer = itemScorer('json_schema', [item('[]'), item('[]')], { schema: tuple });
    expect(scorer.scoreItems(['["a", 1]', '["a", 1, 2]'])).toEqual([1, 0]);
  });

  it('rejects a schema that does not compile with an error naming the problem', () => {
    const error = thrown(() => itemScorer('json_schema', [item('{}')], { schema: { type: 'object', requried: ['category'] } }));
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).code).toBe('metric-options-invalid');
    expect((error as UsageError).message).toContain('metric json_schema options: "schema" must be a JSON Schema that compiles');
    expect((error as UsageError).message).toContain('unknown keyword: "requried"');
  });

  it('rejects a missing schema', () => {
    expect(() => itemScorer('json_schema', [item('{}')])).toThrow(/"schema"/);
  });
});

describe('json_fields', () => {
  const reference = '{"category": "billing", "priority": "high", "details": {"refund": true, "amount": 12}}';

  it('gives partial credit for the top-level fields that match', () => {
    // category and details match (details with its keys in another order), priority does not: 2/3.
    const output = '{"details": {"amount": 12, "refund": true}, "priority": "low", "category": "billing", "extra": 1}';
    expect(score('json_fields', output, reference)).toBeCloseTo(2 / 3, 12);
  });

  it('compares only the listed fields when options.fields is given', () => {
    expect(score('json_fields', '{"category": "billing", "priority": "low"}', reference, { fields: ['category', 'priority'] })).toBe(0.5);
  });

  it('gives 0 to an output that is not a JSON object', () => {
    expect(score('json_fields', '{"category": "billing"', reference)).toBe(0);
    expect(score('json_fields', '["billing"]', reference)).toBe(0);
  });

  it('refuses references that are not JSON objects', () => {
    const error = thrown(() => itemScorer('json_fields', [item('billing')]));
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).issues).toEqual([expect.objectContaining({ path: 'items[0].reference', code: 'reference-not-json-object' })]);
  });
});

describe('regex_match', () => {
  it('matches the raw output with the pattern and flags', () => {
    const scorer = itemScorer('regex_match', [item('x'), item('x'), item('x')], { pattern: '^(billing|bug)$', flags: 'i' });
    expect(scorer.scoreItems(['Billing', 'billing issue', 'BUG'])).toEqual([1, 0, 1]);
  });

  it('scores each output on its own even with the g flag', () => {
    const scorer = itemScorer('regex_match', [item('x'), item('x')], { pattern: 'bug', flags: 'g' });
    expect(scorer.scoreItems(['a bug', 'a bug'])).toEqual([1, 1]);
  });

  it('rejects a pattern that does not compile, naming it', () => {
    expect(() => itemScorer('regex_match', [item('x')], { pattern: '(unclosed' })).toThrow(/"pattern" must be a JavaScript regular expression that compiles/);
  });
});

describe('every item metric', () => {
  const options: Record<string, Record<string, unknown>> = {
    json_schema: { schema: { type: 'object' } },
    json_fields: {},
    regex_match: { pattern: 'a' },
  };
  const itemMetrics = builtInMetrics.filter((metric) => metric.kind === 'item');

  it.each(itemMetrics.map((metric) => metric.name))('%s scores any output in [0, 1], exactly 0 or 1 when binary', (name) => {
    const metric = getMetric(name);
    fc.assert(
      fc.property(fc.string(), fc.string(), (output, answer) => {
        const reference = name === 'json_fields' ? JSON.stringify({ answer }) : answer;
        const label = normaliseAnswer(answer) === '' ? 'fallback' : answer;
        const value = itemScorer(name, [item(reference, label)], options[name] ?? {}).scoreItems([output])[0]!;
        expect(value).toBeGreaterThanOrEqual(0);
        expect(value).toBeLessThanOrEqual(1);
        if (metric.binary) expect([0, 1]).toContain(value);
      }),
      { numRuns: 200 },
    );
  });
});

describe('metric scorer', () => {
  it('rejects options a metric does not know', () => {
    const error = thrown(() => itemScorer('exact_match', [item('x')], { ignoreCase: true }));
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).message).toContain('"ignoreCase" is not a known key');
  });

  it('rejects a number of outputs that differs from the number of items', () => {
    const error = thrown(() => itemScorer('exact_match', [item('x'), item('y')]).scoreItems(['x']));
    expect(error).toBeInstanceOf(LoraError);
    expect((error as LoraError).message).toBe('metric exact_match: expected one output per eval item (2), got 1');
  });
});

describe('metric registry', () => {
  it('rejects an unknown metric name, listing the known ones', () => {
    const error = thrown(() => getMetric('exact_mach'));
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).code).toBe('metric-unknown');
    expect((error as UsageError).message).toBe(
      'unknown metric "exact_mach"; known metrics: accuracy, exact_match, json_fields, json_schema, json_valid, macro_f1, regex_match, rouge_l, token_f1',
    );
  });

  it('rejects a metric registered twice', () => {
    expect(() => new MetricRegistry([exactMatch, getMetric('token_f1'), exactMatch])).toThrow('metric "exact_match" is registered twice');
  });

  it('holds every built-in metric under its own name', () => {
    for (const metric of builtInMetrics) expect(getMetric(metric.name)).toBe(metric);
  });
});
