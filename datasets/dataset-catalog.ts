import { createInterface } from 'node:readline';
import { UsageError, type ArtifactStore } from '../core/index.js';
import { hash53 } from './curation/text-hash.js';
import { splitNames, type SplitName } from './curation/split-assigner.js';
import { datasetManifest, type DatasetManifest } from './dataset-manifest.js';

/** Every dataset version in the store, newest first. */
export async function listDatasets(store: ArtifactStore): Promise<DatasetManifest[]> {
  const manifests: DatasetManifest[] = [];
  for await (const object of store.list('datasets/')) {
    if (!object.key.endsWith('/manifest.json')) continue;
    const parsed = datasetManifest.safeParse(await store.readJson(object.key));
    if (parsed.success) manifests.push(parsed.data);
  }
  return manifests.sort((left, right) => right.createdAt.localeCompare(left.createdAt));
}

/** The version that `NAME` (its newest) or `NAME@ID` names; a usage error naming what exists otherwise. */
export async function resolveDataset(store: ArtifactStore, reference: string): Promise<DatasetManifest> {
  const [name, id] = reference.split('@', 2) as [string, string | undefined];
  const versions = (await listDatasets(store)).filter((manifest) => manifest.name === name);
  const found = id === undefined ? versions[0] : versions.find((manifest) => manifest.id === id);
  if (found === undefined) {
    const known = versions.length > 0 ? `known versions of ${name}: ${versions.map((manifest) => manifest.id).join(', ')}` : 'see `lora datasets list`';
    throw new UsageError(`dataset ${JSON.stringify(reference)} does not exist in ${store.url}; ${known}`, { code: 'dataset-not-found' });
  }
  return found;
}

/** The lines of one split of a version. */
export async function* splitLines(store: ArtifactStore, manifest: DatasetManifest, split: SplitName): AsyncGenerator<string> {
  for await (const line of createInterface({ input: await store.get(manifest.splits[split].key), crlfDelay: Infinity })) if (line !== '') yield line;
}

/** How two versions differ: settings, counts, and records added or removed in each split. */
export interface DatasetDiff {
  from: string;
  to: string;
  config: Array<{ path: string; from: unknown; to: unknown }>;
  counts: Array<{ step: string; from: number; to: number }>;
  splits: Record<SplitName, { from: number; to: number; added: number; removed: number }>;
}

function flatten(value: unknown, prefix = '', into = new Map<string, unknown>()): Map<string, unknown> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, inner] of Object.entries(value)) flatten(inner, prefix === '' ? key : `${prefix}.${key}`, into);
  } else {
    into.set(prefix, value);
  }
  return into;
}

/** Compares two dataset versions record by record (one split of the first is held as hashes). */
export async function diffDatasets(store: ArtifactStore, from: DatasetManifest, to: DatasetManifest): Promise<DatasetDiff> {
  const before = flatten(from.config);
  const after = flatten(to.config);
  const config = [...new Set([...before.keys(), ...after.keys()])]
    .filter((path) => JSON.stringify(before.get(path)) !== JSON.stringify(after.get(path)))
    .map((path) => ({ path, from: before.get(path), to: after.get(path) }));
  const counts = Object.keys(from.counts)
    .map((step) => ({ step, from: from.counts[step as keyof typeof from.counts], to: to.counts[step as keyof typeof to.counts] }))
    .filter((row) => row.from !== row.to);
  const splits = {} as DatasetDiff['splits'];
  for (const split of splitNames) {
    const seen = new Set<number>();
    for await (const line of splitLines(store, from, split)) seen.add(hash53(line));
    let added = 0;
    let common = 0;
    for await (const line of splitLines(store, to, split)) {
      if (seen.has(hash53(line))) common += 1;
      else added += 1;
    }
    splits[split] = { from: from.splits[split].records, to: to.splits[split].records, added, removed: from.splits[split].records - common };
  }
  return { from: `${from.name}@${from.id}`, to: `${to.name}@${to.id}`, config, counts, splits };
}
