// API keys as stored: a name, an id and times; the key itself is never stored, only its sha256. No I/O here.
import { z } from 'zod';

/** Key names: letters, digits, ".", "_" and "-", as in `billing-service`. */
export const apiKeyName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, { message: 'must be 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit' });

/** One key's record, the value of its sha256 field in the keys hash. */
export const apiKeyRecord = z.object({
  schemaVersion: z.literal(1),
  /** Stable id, recorded with usage; not secret. */
  id: z.string(),
  name: apiKeyName,
  createdAt: z.string(),
  revokedAt: z.string().nullable(),
});

export type ApiKeyRecord = z.infer<typeof apiKeyRecord>;

/** Every key starts so, which makes leaked keys easy to find in logs and code. */
export const apiKeyPrefix = 'lora-sk-';
