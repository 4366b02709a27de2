import { z } from 'zod';

/** Roles OpenAI's chat format allows. */
export const chatRoles = ['system', 'user', 'assistant', 'tool'] as const;

/** One message of a canonical record. */
export const canonicalMessage = z.object({
  role: z.enum(chatRoles),
  content: z.string(),
});

/**
 * The one record every input format is normalised to: OpenAI chat messages, plus an optional
 * `label` (classification-style tasks) and free-form `metadata`. Stored as JSONL in dataset versions.
 */
export const canonicalRecord = z.object({
  schemaVersion: z.literal(1),
  messages: z.array(canonicalMessage).min(1),
  label: z.string().optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
});

/** A canonical chat record. */
export type CanonicalRecord = z.infer<typeof canonicalRecord>;

/** A message of a canonical record. */
export type CanonicalMessage = z.infer<typeof canonicalMessage>;
