import { Ajv, type AnySchema, type Options as AjvOptions, type ValidateFunction } from 'ajv';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { z } from 'zod';
import { canonicalJson, type ValidationIssue } from '../../core/index.js';
import type { EvalItem, ItemMetricDefinition } from './metric-contracts.js';

/** A whole output wrapped in one Markdown code fence, with or without the `json` tag. */
const codeFence = /^```(?:json)?\s*([\s\S]*?)\s*```$/i;

/** What a model's output holds when read as JSON: a value, or nothing when it does not parse. */
export type ParsedJson = { ok: true; value: unknown } | { ok: false };

/**
 * Reads an output as JSON, first unwrapping it when the whole output is one ```json fence.
 * Text around a fence is not stripped: a model asked for JSON that adds prose has not produced JSON.
 */
export function parseJsonOutput(output: string): ParsedJson {
  const trimmed = output.trim();
  const text = codeFence.exec(trimmed)?.[1] ?? trimmed;
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

type JsonObject = Record<string, unknown>;

function isJsonObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** `json_valid`: 1 when the output parses as JSON. */
export const jsonValid: ItemMetricDefinition<Record<string, never>> = {
  name: 'json_valid',
  description: 'Output parses as JSON (a ```json fence around the whole output is allowed).',
  kind: 'item',
  binary: true,
  optionsSchema: z.object({}).strict(),
  scoreItem: (output) => (parseJsonOutput(output).ok ? 1 : 0),
};

// A misspelt keyword ("requried") or an unknown format is an error, not a schema that quietly accepts everything;
// Ajv's stylistic checks (tuple bounds, type hints) stay off, since they reject valid schemas or print to the console.
const ajvSettings: AjvOptions = { strictSchema: true, strictNumbers: true, strictTypes: false, strictTuples: false, strictRequired: false, allErrors: false, logger: false };

/** Compiles a JSON Schema with the Ajv dialect its `$schema` names (draft-07 when it names none). Throws when the schema is invalid. */
function compileJsonSchema(schema: AnySchema): ValidateFunction {
  const dialect = typeof schema === 'object' && typeof schema.$schema === 'string' ? schema.$schema : '';
  const ajv = dialect.includes('2020-12') ? new Ajv2020(ajvSettings) : dialect.includes('2019-09') ? new Ajv2019(ajvSettings) : new Ajv(ajvSettings);
  return ajv.compile(schema);
}

/** Options of `json_schema`: the schema, compiled once here so that a bad schema fails before any scoring. */
export const jsonSchemaOptions = z
  .object({ schema: z.union([z.record(z.string(), z.unknown()), z.boolean()]) })
  .strict()
  .transform((options, context) => {
    try {
      return { schema: options.schema, validate: compileJsonSchema(options.schema) };
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      context.addIssue({ code: 'custom', path: ['schema'], input: options.schema, message: `must be a JSON Schema that compiles (draft-07, or 2019-09 or 2020-12 named by $schema; formats are not supported), but Ajv says: ${reason}` });
      return z.NEVER;
    }
  });

/** Parsed options of `json_schema`, with the compiled validator. */
export type JsonSchemaOptions = z.output<typeof jsonSchemaOptions>;

/** `json_schema`: 1 when the output parses as JSON and conforms to `options.schema`. */
export const jsonSchema: ItemMetricDefinition<JsonSchemaOptions> = {
  name: 'json_schema',
  description: 'Output parses as JSON and conforms to the JSON Schema in options.schema.',
  kind: 'item',
  binary: true,
  optionsSchema: jsonSchemaOptions,
  scoreItem: (output, _item, options) => {
    const parsed = parseJsonOutput(output);
    return parsed.ok && options.validate(parsed.value) ? 1 : 0;
  },
};

/** Options of `json_fields`: the top-level fields to compare; all of the reference's fields when absent. */
export const jsonFieldsOptions = z.object({ fields: z.array(z.string().min(1)).min(1).optional() }).strict();

/** Parsed options of `json_fields`. */
export type JsonFieldsOptions = z.infer<typeof jsonFieldsOptions>;

function referenceObject(item: EvalItem): JsonObject | undefined {
  const parsed = parseJsonOutput(item.reference);
  return parsed.ok && isJsonObject(parsed.value) ? parsed.value : undefined;
}

/** A top-level field's value, or undefined when the object does not have it as its own (so `__proto__` is no field). */
function fieldValue(object: JsonObject, field: string): unknown {
  return Object.hasOwn(object, field) ? object[field] : undefined;
}

/**
 * Share of the compared fields whose values are deeply equal in the output and the reference; 0 when the output is
 * not a JSON object. A field absent from both counts as equal: leaving out what the reference leaves out is right.
 */
export function jsonFieldsScore(output: string, reference: JsonObject, fields?: readonly string[]): number {
  const compared = fields ?? Object.keys(reference);
  const parsed = parseJsonOutput(output);
  if (!parsed.ok || !isJsonObject(parsed.value) || compared.length === 0) return 0;
  const candidate = parsed.value;
  const equal = compared.filter((field) => canonicalJson(fieldValue(candidate, field)) === canonicalJson(fieldValue(reference, field)));
  return equal.length / compared.length;
}

/** `json_fields`: partial credit, the fraction of the reference's top-level fields the output gets right. */
export const jsonFields: ItemMetricDefinition<JsonFieldsOptions> = {
  name: 'json_fields',
  description: "Fraction of the reference JSON's top-level fields (or options.fields) whose values the output JSON matches exactly.",
  kind: 'item',
  binary: false,
  optionsSchema: jsonFieldsOptions,
  checkItems: (items, options) =>
    items.flatMap((item, index): ValidationIssue[] => {
      const reference = referenceObject(item);
      const path = `items[${index}].reference`;
      if (reference === undefined) {
        return [{ path, code: 'reference-not-json-object', message: `must be a JSON object for json_fields, got ${JSON.stringify(item.reference.slice(0, 60))} on item "${item.id}"; use exact_match or rouge_l for free text` }];
      }
      if (options.fields === undefined && Object.keys(reference).length === 0) {
        return [{ path, code: 'reference-no-fields', message: `is an empty JSON object on item "${item.id}", so there is no field to compare; list the fields in options.fields` }];
      }
      return [];
    }),
  scoreItem: (output, item, options) => {
    const reference = referenceObject(item);
    return reference === undefined ? 0 : jsonFieldsScore(output, reference, options.fields);
  },
};
