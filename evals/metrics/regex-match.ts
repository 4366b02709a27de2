import { z } from 'zod';
import type { ItemMetricDefinition } from './metric-contracts.js';

/**
 * Options of `regex_match`: a JavaScript pattern and its flags, compiled once here so that a bad pattern fails before
 * any scoring. The `g` and `y` flags are dropped: they make `test` remember where it stopped, which would make
 * one output's score depend on the output before it.
 */
export const regexMatchOptions = z
  .object({ pattern: z.string().min(1), flags: z.string().default('') })
  .strict()
  .transform((options, context) => {
    try {
      return { ...options, regex: new RegExp(options.pattern, options.flags.replace(/[gy]/g, '')) };
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      context.addIssue({ code: 'custom', path: ['pattern'], input: options.pattern, message: `must be a JavaScript regular expression that compiles with flags "${options.flags}", but: ${reason}` });
      return z.NEVER;
    }
  });

/** Parsed options of `regex_match`, with the compiled expression. */
export type RegexMatchOptions = z.output<typeof regexMatchOptions>;

/** `regex_match`: 1 when the pattern matches somewhere in the raw output; anchor it with ^ and $ to match the whole. */
export const regexMatch: ItemMetricDefinition<RegexMatchOptions> = {
  name: 'regex_match',
  description: 'Raw output matches options.pattern (with options.flags) somewhere; anchor with ^...$ for a full match.',
  kind: 'item',
  binary: true,
  optionsSchema: regexMatchOptions,
  scoreItem: (output, _item, options) => (options.regex.test(output) ? 1 : 0),
};
