// What the registry tests register.
import type { NewAdapterVersion } from '../../../adapters/index.js';

/** What the train stage would register for `name`; `runId` tells versions apart in the store, `createdBy` names the test. */
export function newVersion(name: string, runId: string, createdBy: string): NewAdapterVersion {
  const prefix = `runs/${runId}/adapter/`;
  return {
    name,
    artifact: { uri: `file:///store/${prefix}`, key: prefix, sha256: 'a'.repeat(64) },
    baseModel: { name: 'builtin:tiny', sha256: 'b'.repeat(64) },
    dataset: { name: 'triage', version: 'ds-1' },
    hyperparameters: { lora: { r: 8 } },
    metrics: { bestValidationLoss: 1.5 },
    backend: 'cpu',
    runId,
    createdBy,
  };
}
