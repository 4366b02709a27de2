import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { UsageError, putBlob, type ArtifactStore } from '../core/index.js';
import type { PipelineClient, SubmitResult } from '../jobs/index.js';
import { stagePlan, type PipelineSpec } from './pipeline-spec.js';

/** Uploads a local input (relative to the spec's folder) to the store and names it `store:KEY`; other URIs stay. */
async function inStore(uri: string, field: string, specPath: string, store: ArtifactStore): Promise<string> {
  if (uri.startsWith('store:') || uri.startsWith('s3://')) return uri;
  const path = resolve(dirname(specPath), uri);
  const info = await stat(path).catch(() => undefined);
  if (info === undefined || !info.isFile()) {
    throw new UsageError(`pipeline spec ${specPath}: "${field}" must name an existing file, got ${JSON.stringify(uri)} (looked at ${path})`, { code: 'source-missing' });
  }
  return `store:${(await putBlob(store, createReadStream(path))).key}`;
}

/**
 * Makes a spec runnable on any worker: local files (the dataset and benchmark files, relative to the
 * spec's folder) are uploaded to the store, content-addressed, and the spec names them `store:KEY`.
 * The run id is derived from this resolved spec and the store's URL, so a changed file or another
 * store makes a new run.
 */
export async function resolveSpec(spec: PipelineSpec, specPath: string, store: ArtifactStore): Promise<PipelineSpec> {
  const source = await inStore(spec.dataset.source, 'dataset.source', specPath, store);
  const benchmarks = await Promise.all(
    spec.dataset.decontamination.benchmarks.map((uri, index) => inStore(uri, `dataset.decontamination.benchmarks[${index}]`, specPath, store)),
  );
  return { ...spec, dataset: { ...spec.dataset, source, decontamination: { ...spec.dataset.decontamination, benchmarks } } };
}

/** Resolves a spec and submits it as a run. */
export async function submitSpec(
  spec: PipelineSpec,
  specPath: string,
  services: { store: ArtifactStore; client: PipelineClient },
  force = false,
): Promise<SubmitResult> {
  const resolved = await resolveSpec(spec, specPath, services.store);
  return services.client.submit({ name: resolved.name, spec: resolved, plan: stagePlan(resolved), force, scope: services.store.url });
}
