// What the fuzz suites share: run settings that a failure's printed seed can replay, a deadline, hostile text.
import fc from 'fast-check';
import { expect } from 'vitest';

/**
 * fast-check settings for `numRuns` runs. A failure prints its seed and path; replay exactly that case with
 * `FUZZ_SEED=<seed> FUZZ_PATH=<path> npx vitest run test/fuzz/<file> -t '<test name>'` (one test: the path is its own).
 */
export function fuzzParameters<T>(numRuns: number): fc.Parameters<T> {
  const seed = process.env.FUZZ_SEED;
  const path = process.env.FUZZ_PATH;
  return {
    numRuns,
    ...(seed === undefined ? {} : { seed: Number(seed) }),
    ...(path === undefined ? {} : { path }),
  };
}

/** Resolves as `promise` does, or rejects naming `what` when it takes longer than `milliseconds`: a hang is a failure. */
export async function withDeadline<T>(promise: Promise<T>, milliseconds: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${milliseconds} ms`)), milliseconds);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** A line of a JavaScript stack trace, `    at fn (file.ts:1:2)` or `    at file.ts:1:2`. */
const stackFrame = /^\s+at (?:.+ \()?\S+:\d+:\d+\)?$/m;

/** Fails when a message meant for people carries a stack trace. */
export function expectNoStackTrace(message: string): void {
  expect(message).not.toMatch(stackFrame);
}

/** Any UTF-16 code unit, lone surrogates and NUL included. */
export const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code));

/** Text of every kind: printable, any code point, any code unit (lone surrogates), and a soup of awkward characters. */
export const anyText = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.string({ unit: codeUnit }),
  fc.string({ unit: fc.constantFrom('\u0000', '\uD800', '\uDFFF', '\uFEFF', '\uFFFD', '\u2028', '\r', '\n', '\t', ' ', '"', "'", '\\', ',', '{', '}', '[', ']', ':', '#', '&', '*', '!', '|', '>', '-', '?', '%', '@', '`', 'a', '1') }),
);

/** Inserts `insertion` into `text` at a position picked from `fraction` (0 to 1). */
export function insertAt(text: string, fraction: number, insertion: string): string {
  const index = Math.floor(fraction * (text.length + 1));
  return `${text.slice(0, index)}${insertion}${text.slice(index)}`;
}

/** Mutations of a text document: insert hostile characters, truncate, repeat or drop a line, add a very long line. */
export function textMutation(text: string): fc.Arbitrary<string> {
  const lines = text.split('\n');
  const lineIndex = fc.nat({ max: Math.max(0, lines.length - 1) });
  const fraction = fc.double({ min: 0, max: 1, noNaN: true });
  return fc.oneof(
    fc.tuple(fraction, fc.constantFrom('\u0000', '\uD800', '\uDC00', '\uFEFF', '\r', '\n', '\t', '"', '{', '[', ':', '- ', '&a ', '*a', '!!str ', '\\u0000')).map(([at, insertion]) => insertAt(text, at, insertion)),
    fc.tuple(fraction, anyText).map(([at, insertion]) => insertAt(text, at, insertion)),
    fraction.map((at) => text.slice(0, Math.floor(at * text.length))),
    lineIndex.map((index) => [...lines.slice(0, index + 1), lines[index]!, ...lines.slice(index + 1)].join('\n')),
    lineIndex.map((index) => [...lines.slice(0, index), ...lines.slice(index + 1)].join('\n')),
    fc.tuple(lineIndex, fc.constantFrom(10_000, 200_000)).map(([index, size]) => [...lines.slice(0, index), `${lines[index]!}${'x'.repeat(size)}`, ...lines.slice(index + 1)].join('\n')),
  );
}

/** A path into a JSON value, as keys and indexes, for dropping or replacing what sits there. */
export function pathsOf(value: unknown, prefix: Array<string | number> = []): Array<Array<string | number>> {
  if (value === null || typeof value !== 'object') return [prefix];
  const entries: Array<[string | number, unknown]> = Array.isArray(value) ? value.map((item, index) => [index, item]) : Object.entries(value);
  return [prefix, ...entries.flatMap(([key, item]) => pathsOf(item, [...prefix, key]))];
}

/** A deep copy of `value` with the thing at `path` replaced by `replacement`, or removed when `replacement` is `remove`. */
export function replaceAt(value: unknown, path: ReadonlyArray<string | number>, replacement: unknown): unknown {
  if (path.length === 0) return replacement === remove ? undefined : replacement;
  const [head, ...rest] = path;
  if (Array.isArray(value)) {
    const copy = [...value];
    const next = replaceAt(copy[head as number], rest, replacement);
    if (next === undefined && rest.length === 0) copy.splice(head as number, 1);
    else copy[head as number] = next;
    return copy;
  }
  const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  const next = replaceAt(copy[head as string], rest, replacement);
  if (next === undefined && rest.length === 0) delete copy[head as string];
  else copy[head as string] = next;
  return copy;
}

/** Marks a removal for `replaceAt`. */
export const remove = Symbol('remove');

/** Any JSON-serialisable value, including the awkward ones: `fc.anything` passed through JSON. */
export const anyJsonValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue(),
  fc.anything({ withBigInt: false }).map((value) => JSON.parse(JSON.stringify(value) ?? 'null') as unknown),
  fc.object().map((value) => JSON.parse(JSON.stringify(value) ?? 'null') as unknown),
  fc.constantFrom<unknown>(null, '', 0, -1, 1e308, 2 ** 53, '\u0000', '\uD800', [], {}, { __proto__: null }, 'yes', 'null'),
);
