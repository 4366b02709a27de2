import { readFile } from 'node:fs/promises';
import type { z } from 'zod';
import { LineCounter, isMap, isNode, isScalar, isSeq, parseDocument } from 'yaml';
import { UsageError, fromZodIssues, formatIssues, type ValidationIssue } from '../core/index.js';
import { pipelineSpec, type PipelineSpec } from './pipeline-spec.js';

/** The 1-based line of the deepest key on `path` that the document has: the key itself, or the parent of a missing one. */
function lineOf(document: ReturnType<typeof parseDocument>, counter: LineCounter, path: readonly PropertyKey[]): number | undefined {
  let node: unknown = document.contents;
  let line = isNode(node) && node.range !== undefined && node.range !== null ? counter.linePos(node.range[0]).line : undefined;
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(segment));
      if (pair === undefined) break;
      if (isNode(pair.key) && pair.key.range) line = counter.linePos(pair.key.range[0]).line;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment];
      if (!isNode(item)) break;
      if (item.range) line = counter.linePos(item.range[0]).line;
      node = item;
    } else {
      break;
    }
  }
  return line;
}

/**
 * Parses a YAML or JSON document and validates it with `schema`, reporting every problem with its
 * line and path (`subject line 7: "lora.r" must be >= 1, got -1`) as a usage error (exit code 2).
 */
export function parseDocumentWith<T>(schema: z.ZodType<T>, text: string, subject: string, what: string): T {
  const counter = new LineCounter();
  const document = parseDocument(text, { lineCounter: counter, prettyErrors: false });
  if (document.errors.length > 0) {
    const issues: ValidationIssue[] = document.errors.map((error) => ({
      line: counter.linePos(error.pos[0]).line,
      path: '',
      code: 'syntax',
      message: `must be valid YAML or JSON: ${error.message.split('\n')[0]}`,
    }));
    throw new UsageError(`invalid ${what}:\n${formatIssues(subject, issues)}`, { code: 'document-invalid', issues });
  }
  let value: unknown;
  try {
    value = document.toJS();
  } catch (error) {
    // Aliases resolve only here: an alias to no anchor, or so many that they look like an alias bomb, throw a ReferenceError.
    const issues: ValidationIssue[] = [{ path: '', code: 'syntax', message: `must be valid YAML or JSON: ${(error as Error).message}` }];
    throw new UsageError(`invalid ${what}:\n${formatIssues(subject, issues)}`, { code: 'document-invalid', issues });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new UsageError(`invalid ${what}:\n${subject}: must be a mapping of keys, got ${value === null ? 'nothing' : Array.isArray(value) ? 'a list' : typeof value}`, {
      code: 'document-invalid',
    });
  }
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.flatMap((zodIssue) =>
    fromZodIssues([zodIssue], value).map((issue, index) => {
      const path = zodIssue.code === 'unrecognized_keys' ? [...zodIssue.path, zodIssue.keys[index]!] : zodIssue.path;
      return { ...issue, line: lineOf(document, counter, path) };
    }),
  );
  throw new UsageError(`invalid ${what}:\n${formatIssues(subject, issues)}`, { code: 'document-invalid', issues });
}

/** Parses and validates a pipeline spec (YAML or JSON). */
export function parseSpec(text: string, subject: string): PipelineSpec {
  return parseDocumentWith(pipelineSpec, text, subject, 'pipeline spec');
}

/** Reads a YAML or JSON file and validates it with `schema`. */
export async function loadDocument<T>(schema: z.ZodType<T>, path: string, what: string): Promise<T> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(`${what} ${path}: cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); pass the path of a YAML or JSON file`, {
      code: 'document-unreadable',
    });
  }
  return parseDocumentWith(schema, text, path, what);
}

/** Reads a pipeline spec file. */
export function loadSpec(path: string): Promise<PipelineSpec> {
  return loadDocument(pipelineSpec, path, 'pipeline spec');
}
