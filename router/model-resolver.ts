import { adapterName, parseAdapterReference, type AdapterRegistry } from '../adapters/index.js';

/** What a request's `model` names: the base model, one adapter version, or nothing servable (and why). */
export type ModelTarget =
  | { kind: 'base'; id: string }
  | { kind: 'adapter'; name: string; version: number; reference: string }
  | { kind: 'unavailable'; reason: string };

/** Everything resolution reads: one HGET per request. */
export type AliasReader = Pick<AdapterRegistry, 'aliasVersion'>;

/**
 * Resolves `model` on every request, so that a promotion or a rollback takes effect on the next one: the base model
 * id; `NAME` (its production version); `NAME@staging` or another alias; or `NAME@vN`. Whether `NAME@vN` exists is
 * known only when it is loaded. `onProduction` hears each name's current production version (the pool pins it).
 */
export async function resolveModelTarget(model: string, options: { baseId: string; aliases: AliasReader; onProduction?: (name: string, version: number) => void }): Promise<ModelTarget> {
  if (model === options.baseId) return { kind: 'base', id: model };
  const parsed = parseAdapterReference(model);
  // A version past 2^53 would not survive being written back as `NAME@vN`, so it is as unservable as a malformed one.
  if (!adapterName.safeParse(parsed.name).success || (parsed.version !== undefined && !Number.isSafeInteger(parsed.version))) {
    return { kind: 'unavailable', reason: `it is neither the base model ${options.baseId} nor an adapter NAME, NAME@vN or NAME@alias` };
  }
  if (parsed.version !== undefined) return { kind: 'adapter', name: parsed.name, version: parsed.version, reference: `${parsed.name}@v${parsed.version}` };
  const alias = parsed.alias ?? 'production';
  const version = await options.aliases.aliasVersion(parsed.name, alias);
  if (version === null) return { kind: 'unavailable', reason: `adapter ${parsed.name} has no ${alias} version` };
  if (alias === 'production') options.onProduction?.(parsed.name, version);
  return { kind: 'adapter', name: parsed.name, version, reference: `${parsed.name}@v${version}` };
}
