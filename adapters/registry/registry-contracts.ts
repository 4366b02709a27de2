import { z } from 'zod';

/** Adapter names: lowercase letters, digits and "-", as in `support-triage@v3`. */
export const adapterName = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, { message: 'must be lowercase letters, digits and "-", starting with a letter or digit' });

/** Aliases a version can carry; at most one version of a name holds each. */
export const registryAliases = ['candidate', 'staging', 'production', 'archived'] as const;
export type RegistryAlias = (typeof registryAliases)[number];

/** An immutable adapter version as stored: where its PEFT folder is and what produced it. */
export const adapterVersionRecord = z.object({
  schemaVersion: z.literal(1),
  name: adapterName,
  version: z.number().int().min(1),
  // `key` is the PEFT folder's prefix in the store; `uri` the same place as a URL for people and other tools.
  artifact: z.object({ uri: z.string(), key: z.string(), sha256: z.string() }),
  baseModel: z.object({ name: z.string(), sha256: z.string() }),
  dataset: z.object({ name: z.string(), version: z.string() }),
  hyperparameters: z.record(z.string(), z.unknown()),
  metrics: z.record(z.string(), z.unknown()),
  backend: z.string(),
  runId: z.string().nullable(),
  createdBy: z.string(),
  createdAt: z.string(),
});

export type AdapterVersionRecord = z.infer<typeof adapterVersionRecord>;

/** One entry of a name's append-only ledger. */
export const ledgerEntry = z.object({
  schemaVersion: z.literal(1),
  name: adapterName,
  action: z.enum(['registered', 'promoted', 'rolled-back', 'archived', 'evaluated']),
  version: z.number().int().min(1),
  alias: z.enum(registryAliases).nullable(),
  from: z.number().int().nullable(),
  reason: z.string().nullable(),
  evalReportId: z.string().nullable(),
  actor: z.string(),
  at: z.string(),
});

export type LedgerEntry = z.infer<typeof ledgerEntry>;

/** `NAME`, `NAME@vN` or `NAME@alias`, as users write a version. */
export function parseAdapterReference(reference: string): { name: string; version?: number; alias?: RegistryAlias } {
  const [name = '', selector] = reference.split('@', 2) as [string, string | undefined];
  if (selector === undefined) return { name };
  const numbered = /^v(\d+)$/.exec(selector);
  if (numbered !== null) return { name, version: Number(numbered[1]) };
  if ((registryAliases as readonly string[]).includes(selector)) return { name, alias: selector as RegistryAlias };
  return { name, version: Number.NaN };
}
