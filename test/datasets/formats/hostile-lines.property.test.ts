import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalRecord } from '../../../datasets/canonical-record.js';
import { defaultReaderOptions, parseAlpaca, parseOpenAiChat, parsePromptCompletion, parseTableRow, resolveColumns, type LineParser, type ReadOutcome } from '../../../datasets/formats/index.js';
import { collectOutcomes } from './collect-outcomes.js';

const options = { ...defaultReaderOptions, maxLineBytes: 200_000, maxCharacters: 50_000 };
const controlCharacter = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;

/** Asserts what every outcome must be: exactly a valid canonical record, or a non-empty list of well-formed issues. */
function expectWellFormed(outcome: ReadOutcome, line: number): void {
  expect(outcome.line).toBe(line);
  if ('record' in outcome) {
    expect('issues' in outcome).toBe(false);
    expect(canonicalRecord.safeParse(outcome.record).success).toBe(true);
    const { messages } = outcome.record;
    expect(messages.at(-1)?.role).toBe('assistant');
    for (const { content } of messages) {
      expect(content).toMatch(/\S/);
      expect(content).not.toMatch(controlCharacter);
      expect(content).not.toContain('\uFFFD');
    }
    expect(messages.reduce((sum, message) => sum + message.content.length, 0)).toBeLessThanOrEqual(options.maxCharacters);
  } else {
    expect(outcome.issues.length).toBeGreaterThan(0);
    for (const issue of outcome.issues) {
      expect(issue.line).toBe(line);
      expect(typeof issue.path).toBe('string');
      expect(issue.code).toMatch(/^[a-z0-9-]+$/);
      expect(issue.message.length).toBeGreaterThan(0);
    }
  }
}

/** Any UTF-16 code unit, lone surrogates included. */
const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code));
const anyText = fc.oneof(fc.string(), fc.string({ unit: codeUnit }), fc.string({ unit: fc.constantFrom('\u0000', '\u0007', '\u007F', '\u0085', '\uFFFD', '\t', '\n', ' ', 'a', '"', ',', '\\') }));
const hugeText = fc.constantFrom(10_000, 60_000, 250_000).map((size) => 'y'.repeat(size));
/** Mostly plain text, so that many lines get through to records. */
const text = fc.oneof({ weight: 6, arbitrary: fc.string({ minLength: 1 }) }, { weight: 2, arbitrary: anyText }, { weight: 1, arbitrary: hugeText });
/** Nested arrays as text: deep enough that JSON.stringify of the parsed value overflows the stack. */
const deepText = fc.integer({ min: 1, max: 50_000 }).map((depth) => `${'['.repeat(depth)}${']'.repeat(depth)}`);
const deepNesting = fc.integer({ min: 1, max: 500 }).map((depth) => JSON.parse(`${'['.repeat(depth)}${']'.repeat(depth)}`) as unknown);
const protoKeyed = fc.jsonValue().map((value) => JSON.parse(`{"__proto__": ${JSON.stringify(value) ?? 'null'}, "constructor": 1}`) as unknown);
const wrongValue = fc.oneof(fc.jsonValue(), deepNesting, protoKeyed, fc.constant(null));
const content = fc.oneof({ weight: 8, arbitrary: text }, { weight: 1, arbitrary: wrongValue });
const optional = <T>(arbitrary: fc.Arbitrary<T>) => fc.option(arbitrary, { nil: undefined, freq: 2 });
const label = optional(fc.oneof({ weight: 4, arbitrary: fc.string() }, { weight: 1, arbitrary: wrongValue }));
const metadata = optional(fc.oneof({ weight: 4, arbitrary: fc.dictionary(fc.string(), fc.jsonValue()) }, { weight: 1, arbitrary: wrongValue }));
const role = fc.oneof({ weight: 6, arbitrary: fc.constantFrom('system', 'user', 'assistant', 'tool') }, { weight: 1, arbitrary: fc.string() });
const message = fc.oneof({ weight: 8, arbitrary: fc.record({ role, content }) }, { weight: 1, arbitrary: wrongValue });
const conversation = fc
  .tuple(fc.array(message, { maxLength: 5 }), fc.boolean(), text)
  .map(([messages, answered, reply]) => (answered ? [...messages, { role: 'assistant', content: reply }] : messages));

/** Lines close enough to each format to get past the first checks, with hostile values where content goes. */
const nearlyValid = {
  'openai-chat': fc.record({ messages: conversation, label, metadata }, { requiredKeys: ['messages'] }),
  alpaca: fc.record({ instruction: content, input: optional(content), output: content, system: optional(content), label, metadata }, { requiredKeys: ['instruction', 'output'] }),
  'prompt-completion': fc.record({ prompt: content, completion: content, label, metadata }, { requiredKeys: ['prompt', 'completion'] }),
};

const hostileLine = (format: keyof typeof nearlyValid) =>
  fc.oneof(
    { weight: 6, arbitrary: nearlyValid[format].map((value) => JSON.stringify(value)) },
    anyText,
    fc.json(),
    deepText.map((deep) => `{"messages": [{"role": "user", "content": ${deep}}, {"role": "assistant", "content": "ok"}]}`),
    deepText.map((deep) => `{"instruction": ${deep}, "output": "ok", "prompt": ${deep}, "completion": "ok"}`),
    deepText,
    fc.integer({ min: 1, max: 200_000 }).map((depth) => `{"messages": ${'['.repeat(depth)}`),
    nearlyValid[format].map((value) => JSON.stringify({ ...value, metadata: {} }).replace('"metadata":{', '"metadata":{"__proto__":{"polluted":true},')),
    fc.constant('{"__proto__": {"messages": [{"role": "assistant", "content": "hi"}], "prompt": "a", "completion": "b", "instruction": "c", "output": "d"}}'),
  );

const parsers: Array<[keyof typeof nearlyValid, LineParser]> = [
  ['openai-chat', parseOpenAiChat],
  ['alpaca', parseAlpaca],
  ['prompt-completion', parsePromptCompletion],
];

describe('every parser on random and hostile input', () => {
  it.each(parsers)('%s ends each line in a valid record or a non-empty list of issues, never a throw', (format, parse) => {
    fc.assert(
      fc.property(hostileLine(format), fc.integer({ min: 1, max: 1_000_000 }), (text, line) => {
        expectWellFormed(parse(text, line, options), line);
      }),
      { numRuns: 300 },
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('the CSV/TSV row parser ends each row in a valid record or issues', () => {
    const header = fc.uniqueArray(fc.oneof(fc.constantFrom('prompt', 'completion', 'system', 'label', '__proto__', 'constructor'), fc.string()), { maxLength: 6 });
    fc.assert(
      fc.property(header, fc.array(anyText, { maxLength: 7 }), (names, fields) => {
        const columns = resolveColumns(names, 1, {});
        if ('code' in columns) {
          expect(columns.code).toBe('missing-column');
          return;
        }
        expectWellFormed(parseTableRow(fields, columns, 2, options), 2);
      }),
      { numRuns: 400 },
    );
  });

  it.each(['csv', 'tsv'] as const)('readRecords in %s ends each row in a valid record or issues, never a throw', async (format) => {
    const delimiter = format === 'csv' ? ',' : '\t';
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(anyText, fc.array(anyText, { maxLength: 4 }).map((fields) => fields.join(delimiter))), { maxLength: 8 }), async (lines) => {
        const text = [`prompt${delimiter}completion${delimiter}label`, ...lines].join('\n');
        const outcomes = await collectOutcomes(text, { format, ...options, maxLineBytes: 2_000 });
        const lineCount = text.split('\n').length;
        let previous = 0;
        for (const outcome of outcomes) {
          expect(outcome.line).toBeGreaterThan(1);
          expect(outcome.line).toBeLessThanOrEqual(lineCount);
          expect(outcome.line).toBeGreaterThanOrEqual(previous);
          previous = outcome.line;
          expectWellFormed(outcome, outcome.line);
        }
      }),
      { numRuns: 200 },
    );
  });
});
