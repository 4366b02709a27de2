import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { UsageError, putBlob, type ArtifactStore } from '../core/index.js';
import type { PipelineClient, SubmitResult } from '../jobs/index.js';
import { stagePlan, type PipelineSpec } from './pipeline-spec.js';

/**
 * Makes a spec runnable on any worker: a local dataset file (relative to the spec's folder) is
 * uploaded to the store, content-addressed, and the spec names it as `store:KEY`. The run id is
 * derived from this resolved spec and the store's URL, so a changed dataset file or another store makes a new run.
 */
export async function resolveSpec(spec: PipelineSpec, specPath: string, store: ArtifactStore): Promise<PipelineSpec> {
  const source = spec.dataset.source;
  if (source.startsWith('store:')) return spec;
  const path = resolve(dirname(specPath), source);
  const info = await stat(path).catch(() => undefined);
  if (info === undefined || !info.isFile()) {
    throw new UsageError(`pipeline spec ${specPath}: "dataset.source" must name an existing file, got ${JSON.stringify(source)} (looked at ${path})`, {
      code: 'source-missing',
    });
  }
  const blob = await putBlob(store, createReadStream(path));
  return { ...spec, dataset: { ...spec.dataset, source: `store:${blob.key}` } };
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
