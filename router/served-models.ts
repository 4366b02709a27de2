import type { AdapterRegistry } from '../adapters/index.js';

/** One entry of GET /v1/models, with vLLM's `root` and `parent` for adapters. */
export interface ServedModel {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
  /** What the id resolves to now: the base id, or `NAME@vN`. */
  root: string;
  /** The base model an adapter runs on; null for the base itself. */
  parent: string | null;
}

/** The base model and every adapter name whose production version runs on it. */
export async function listServedModels(registry: Pick<AdapterRegistry, 'list'>, baseId: string, startedAt = Date.now()): Promise<ServedModel[]> {
  const models: ServedModel[] = [{ id: baseId, object: 'model', created: Math.floor(startedAt / 1000), owned_by: 'lora', root: baseId, parent: null }];
  for (const version of await registry.list()) {
    if (!version.aliases.includes('production') || version.baseModel.name !== baseId) continue;
    models.push({ id: version.name, object: 'model', created: Math.floor(Date.parse(version.createdAt) / 1000), owned_by: 'lora', root: `${version.name}@v${version.version}`, parent: baseId });
  }
  return models;
}
