import { describe, expect, it } from 'vitest';
import { UsageError } from '../../core/index.js';
import { parseSpec, stagePlan } from '../../pipeline/index.js';

const valid = `schemaVersion: 1
name: support-triage
dataset:
  source: data.jsonl
`;

describe('pipeline spec', () => {
  it('fills defaults and splits into one slice per stage', () => {
    const spec = parseSpec(valid, 'spec.yaml');
    expect(spec.baseModel).toBe('builtin:tiny');
    expect(spec.lora.r).toBe(8);
    expect(stagePlan(spec).map((entry) => entry.stage)).toEqual(['curate', 'train', 'eval', 'register']);
    expect(stagePlan(spec)[3]!.params).toEqual({ adapterName: 'support-triage', policy: 'manual' });
  });

  it('reads JSON as well as YAML', () => {
    expect(parseSpec(JSON.stringify({ schemaVersion: 1, name: 'x', dataset: { source: 'a.jsonl' } }), 'spec.json').name).toBe('x');
  });

  it('reports each problem with its line, path, expectation and value', () => {
    const text = `schemaVersion: 1
name: Support Triage
dataset:
  source: data.jsonl
  maxInvalid: lots
lora:
  r: -1
  alfa: 3
`;
    const error = (() => {
      try {
        parseSpec(text, 'spec.yaml');
      } catch (caught) {
        return caught as UsageError;
      }
      throw new Error('expected an error');
    })();
    expect(error).toBeInstanceOf(UsageError);
    expect(error.exitCode).toBe(2);
    const paths = error.issues.map((issue) => `${issue.line}:${issue.path}`);
    expect(paths).toEqual(expect.arrayContaining(['2:name', '5:dataset.maxInvalid', '7:lora.r', '8:lora.alfa']));
    expect(error.message).toContain('spec.yaml line 7: "lora.r" must be >= 1, got -1');
    expect(error.message).toContain('spec.yaml line 8: "lora.alfa" is not a known key');
  });

  it('reports a YAML syntax error with its line', () => {
    expect(() => parseSpec('name: [unclosed\nother: 1\n', 'broken.yaml')).toThrow(/broken\.yaml line \d+: must be valid YAML or JSON/);
  });

  it('refuses a document that is not a mapping', () => {
    expect(() => parseSpec('- a\n- b\n', 'list.yaml')).toThrow(/must be a mapping of keys/);
  });
});
