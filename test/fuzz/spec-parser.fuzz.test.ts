// Fuzzes the job-spec parser: whatever text a person hands `lora run` (or `--rubric`), the parser returns a
// validated value or throws a usage error (exit code 2) that names the file, and never a crash or a stack trace.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import type { z } from 'zod';
import { LoraError } from '../../core/index.js';
import { rubric } from '../../evals/index.js';
import { pipelineSpec } from '../../pipeline/index.js';
import { parseDocumentWith } from '../../pipeline/load-spec.js';
import { anyJsonValue, anyText, expectNoStackTrace, fuzzParameters, pathsOf, remove, replaceAt, textMutation } from './fuzz-support.js';

const subject = 'fuzz/spec-under-test.yaml';

interface DocumentKind {
  what: string;
  schema: z.ZodType;
  valid: string[];
}

const exampleSpec = readFileSync(new URL('../../examples/support-triage/pipeline.yaml', import.meta.url), 'utf8');
const minimalSpec = 'schemaVersion: 1\nname: support-triage\ndataset:\n  source: data.jsonl\n';
const exampleRubric = `schemaVersion: 1
metrics:
  - { name: accuracy, weight: 1, threshold: 0.8 }
  - name: macro_f1
    weight: 0
margin: 0.05
cost: { maxRatio: 0.5, usdPerComputeHour: 0.1, baselinePrice: "openai:gpt-5.2" }
maxItems: 50
maxTokens: 8
bootstrap: { resamples: 500, seed: 3 }
judge:
  provider: openai:gpt-5.2
  rubricText: The answer names the right category.
  mode: both
`;

const kinds: DocumentKind[] = [
  { what: 'pipeline spec', schema: pipelineSpec, valid: [exampleSpec, minimalSpec, JSON.stringify({ schemaVersion: 1, name: 'x', dataset: { source: 'a.jsonl' } }, null, 2)] },
  { what: 'rubric', schema: rubric, valid: [exampleRubric, '{}\n', JSON.stringify({ metrics: [{ name: 'exact_match' }], margin: 0.1 })] },
];

/** The one property of every parse: a value the schema accepts, or a well-formed usage error about `subject`. */
function expectValueOrUsageError(kind: DocumentKind, text: string): void {
  let value: unknown;
  try {
    value = parseDocumentWith(kind.schema, text, subject, kind.what);
  } catch (error) {
    if (!(error instanceof LoraError)) throw new Error(`expected a LoraError, got ${String(error)}`, { cause: error });
    expect(error.exitCode).toBe(2);
    expect(error.code).toBe('document-invalid');
    expect(error.message).toContain(`invalid ${kind.what}`);
    expect(error.message).toContain(subject);
    expectNoStackTrace(error.message);
    const lineCount = text.split(/\r\n|\r|\n/).length;
    for (const issue of error.issues) {
      expect(typeof issue.path).toBe('string');
      expect(issue.code).toMatch(/^[a-z_-]+$/);
      expect(issue.message.length).toBeGreaterThan(0);
      if (issue.line !== undefined) {
        expect(Number.isInteger(issue.line)).toBe(true);
        expect(issue.line).toBeGreaterThanOrEqual(1);
        expect(issue.line).toBeLessThanOrEqual(lineCount + 1);
      }
    }
    return;
  }
  expect(kind.schema.safeParse(value).success).toBe(true);
}

/** Bits of YAML that exercise its rarer corners: anchors, aliases, tags, merges, directives, block scalars. */
const yamlToken = fc.constantFrom(
  'schemaVersion: 1',
  'name: x',
  'dataset:',
  '  source: a.jsonl',
  'metrics:',
  '  - name: accuracy',
  'a: &anchor {b: 1}',
  'c: *anchor',
  'd: *missing',
  '<<: *anchor',
  '<<: [*anchor, *anchor]',
  '? [complex, key]',
  ': value',
  '!!binary aGVsbG8=',
  'e: !!set {a, b}',
  'f: !!omap [a: 1]',
  'g: !custom tagged',
  'h: !!timestamp 2001-12-14',
  'i: !!float .nan',
  'j: .inf',
  'k: 0x1F',
  'l: 1e400',
  'm: 123456789012345678901234567890',
  '%YAML 1.1',
  '%TAG ! tag:example.com,2000:',
  '---',
  '...',
  'n: |',
  '  block',
  'o: >-',
  '  folded',
  '- item',
  '  - nested',
  '#comment',
  '\t',
  'p: "\\u0000\\uD800"',
  "q: 'unclosed",
  'r: [unclosed',
  's: {a: 1, a: 2}',
  '__proto__: {polluted: true}',
  'constructor: {prototype: {polluted: true}}',
);
const yamlSoup = fc.array(fc.oneof({ weight: 4, arbitrary: yamlToken }, { weight: 1, arbitrary: anyText }), { maxLength: 12 }).map((lines) => lines.join('\n'));

/** Aliases that expand exponentially, nesting past the parser's stack, and other documents built to exhaust it. */
const exhaustingDocument = fc.oneof(
  fc.integer({ min: 2, max: 12 }).map((levels) => {
    const lines = ['l0: &l0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let level = 1; level < levels; level += 1) lines.push(`l${level}: &l${level} [${Array.from({ length: 10 }, () => `*l${level - 1}`).join(', ')}]`);
    return lines.join('\n');
  }),
  fc.integer({ min: 1, max: 30_000 }).map((depth) => `a: ${'['.repeat(depth)}${']'.repeat(depth)}`),
  fc.integer({ min: 1, max: 30_000 }).map((depth) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`),
  fc.integer({ min: 1, max: 2_000 }).map((depth) => Array.from({ length: depth }, (_, index) => `${' '.repeat(index)}k:`).join('\n')),
  fc.constantFrom('a: &x [*x]', 'a: &x {b: *x}', '&x [*x]', 'dataset: &d {source: a, metadata: *d}\nschemaVersion: 1\nname: x'),
);

/** A valid document with one structural change: a key dropped, or a value of any type put anywhere; as JSON or YAML. */
function structuralMutation(text: string): fc.Arbitrary<string> {
  const value = parse(text) as unknown;
  const paths = pathsOf(value);
  return fc
    .tuple(fc.constantFrom(...paths), fc.oneof(fc.constant<unknown>(remove), anyJsonValue), fc.boolean())
    .map(([path, replacement, asJson]) => {
      const mutated = replaceAt(value, path, replacement) ?? null;
      return asJson ? JSON.stringify(mutated) : stringify(mutated);
    });
}

describe.each(kinds)('the $what parser on hostile documents', (kind) => {
  it('accepts each valid document as it stands', () => {
    for (const text of kind.valid) expect(kind.schema.safeParse(parseDocumentWith(kind.schema, text, subject, kind.what)).success).toBe(true);
  });

  it('refuses an alias to no anchor and an alias bomb with a usage error that names the file', () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]', ...Array.from({ length: 4 }, (_, level) => `${'bcde'[level]}: &${'bcde'[level]} [${Array(10).fill(`*${'abcd'[level]}`).join(', ')}]`)].join('\n');
    for (const text of ['schemaVersion: 1\ndataset: {source: *nowhere}\n', bomb]) {
      expect(() => parseDocumentWith(kind.schema, text, subject, kind.what)).toThrow(`invalid ${kind.what}:\n${subject}: must be valid YAML or JSON: `);
      expectValueOrUsageError(kind, text);
    }
  });

  it('ends random text in a value or a usage error that names the file', () => {
    fc.assert(
      fc.property(anyText, (text) => expectValueOrUsageError(kind, text)),
      fuzzParameters(400),
    );
  });

  it('ends random JSON documents in a value or a usage error', () => {
    fc.assert(
      fc.property(fc.oneof(fc.json(), anyJsonValue.map((value) => JSON.stringify(value))), (text) => expectValueOrUsageError(kind, text)),
      fuzzParameters(400),
    );
  });

  it('ends YAML made of anchors, tags, merges and directives in a value or a usage error', () => {
    fc.assert(
      fc.property(yamlSoup, (text) => expectValueOrUsageError(kind, text)),
      fuzzParameters(500),
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses alias bombs, deep nesting and cyclic aliases with a usage error', () => {
    fc.assert(
      fc.property(exhaustingDocument, (text) => expectValueOrUsageError(kind, text)),
      fuzzParameters(60),
    );
  });

  it('ends every character-level mutation of a valid document in a value or a usage error', () => {
    fc.assert(
      fc.property(fc.constantFrom(...kind.valid).chain(textMutation), (text) => expectValueOrUsageError(kind, text)),
      fuzzParameters(400),
    );
  });

  it('ends every structural mutation of a valid document (a key dropped, a type changed) in a value or a usage error', () => {
    fc.assert(
      fc.property(fc.constantFrom(...kind.valid).chain(structuralMutation), (text) => expectValueOrUsageError(kind, text)),
      fuzzParameters(400),
    );
  });
});
