import { z } from 'zod';
import { InputError, readAll, type ArtifactStore } from '../../core/index.js';
import type { HostTensor } from '../model/decoder-parameters.js';
import type { AdamWState } from '../model/adamw.js';
import { decodeSafetensors } from '../model/safetensors/safetensors-decoder.js';
import { encodeSafetensors } from '../model/safetensors/safetensors-writer.js';

/** Everything besides tensors that a resumed run needs to continue exactly where it stopped. */
export const checkpointState = z.object({
  schemaVersion: z.literal(1),
  step: z.number().int().min(0),
  /** Epoch being trained and the next packed row of it to read. */
  epoch: z.number().int().min(0),
  rowCursor: z.number().int().min(0),
  totalSteps: z.number().int().min(1),
  elapsedSeconds: z.number().min(0),
  tokensSeen: z.number().int().min(0),
  trainLoss: z.array(z.tuple([z.number(), z.number()])),
  validationLoss: z.array(z.tuple([z.number(), z.number()])),
  best: z.object({ step: z.number().int(), loss: z.number() }).nullable(),
  evaluationsWithoutImprovement: z.number().int().min(0),
  optimizerStep: z.number().int().min(0),
  /** The data order and dropout are derived from the seed, the epoch and the step, so this is their whole RNG state. */
  rng: z.object({ seed: z.number().int(), epoch: z.number().int() }),
});

export type CheckpointState = z.infer<typeof checkpointState>;

/** A checkpoint as loaded: its state, the adapter weights, the optimizer's moments and the best weights so far. */
export interface LoadedCheckpoint {
  state: CheckpointState;
  adapter: Map<string, HostTensor>;
  optimizer: AdamWState;
  best: Map<string, HostTensor> | undefined;
}

const latestPointer = z.object({ schemaVersion: z.literal(1), step: z.number().int(), folder: z.string() });

const stepFolder = (step: number) => `step-${String(step).padStart(7, '0')}/`;

/**
 * Checkpoints of one training run in the store, under `prefix`. Each is an immutable folder; the
 * `latest.json` pointer is written last, so a worker that dies mid-write leaves the previous
 * checkpoint in force, never a half-written one.
 */
export class CheckpointStore {
  constructor(
    private readonly store: ArtifactStore,
    readonly prefix: string,
  ) {}

  /** Writes a checkpoint, then moves the pointer to it. */
  async save(state: CheckpointState, adapter: Map<string, HostTensor>, optimizer: AdamWState, best: Map<string, HostTensor> | undefined): Promise<void> {
    const folder = `${this.prefix}${stepFolder(state.step)}`;
    const moments = new Map<string, HostTensor>();
    for (const [name, moment] of optimizer.moments) {
      moments.set(`first/${name}`, { shape: moment.shape, data: moment.first });
      moments.set(`second/${name}`, { shape: moment.shape, data: moment.second });
    }
    await this.store.put(`${folder}adapter_model.safetensors`, encodeSafetensors(adapter, { format: 'pt' }));
    await this.store.put(`${folder}optimizer.safetensors`, encodeSafetensors(moments, { step: String(optimizer.step) }));
    if (best !== undefined) await this.store.put(`${folder}best_adapter_model.safetensors`, encodeSafetensors(best, { format: 'pt' }));
    await this.store.writeJson(`${folder}state.json`, state);
    await this.store.writeJson(`${this.prefix}latest.json`, { schemaVersion: 1, step: state.step, folder });
  }

  /** The latest complete checkpoint, or undefined when the run has none. */
  async load(): Promise<LoadedCheckpoint | undefined> {
    const pointerValue = await this.store.readJson(`${this.prefix}latest.json`);
    if (pointerValue === undefined) return undefined;
    const pointer = latestPointer.parse(pointerValue);
    const stateValue = checkpointState.safeParse(await this.store.readJson(`${pointer.folder}state.json`));
    if (!stateValue.success) throw new InputError(`checkpoint ${pointer.folder}state.json is invalid in ${this.store.url}`, { code: 'checkpoint-invalid' });
    const read = async (name: string) => decodeSafetensors(await readAll(await this.store.get(`${pointer.folder}${name}`)), `${pointer.folder}${name}`);
    const adapter = (await read('adapter_model.safetensors')).tensors;
    const optimizerFile = await read('optimizer.safetensors');
    const moments: AdamWState['moments'] = new Map();
    for (const [name, tensor] of optimizerFile.tensors) {
      if (!name.startsWith('first/')) continue;
      const key = name.slice('first/'.length);
      const second = optimizerFile.tensors.get(`second/${key}`);
      if (second === undefined) throw new InputError(`checkpoint ${pointer.folder}optimizer.safetensors lacks second/${key}`, { code: 'checkpoint-invalid' });
      moments.set(key, { first: tensor.data, second: second.data, shape: tensor.shape });
    }
    const best = (await this.store.head(`${pointer.folder}best_adapter_model.safetensors`)) === undefined ? undefined : (await read('best_adapter_model.safetensors')).tensors;
    return { state: stateValue.data, adapter, optimizer: { step: Number(optimizerFile.metadata.step ?? 0), moments }, best };
  }
}
