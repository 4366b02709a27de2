import { LoraError } from '../../core/index.js';
import { SeededRandom } from '../../core/index.js';
import { KvCache } from './kv-cache.js';
import type { DecoderBatch, LinearAdapter, LlamaDecoder } from './llama-decoder.js';
import { sampleToken } from './token-sampler.js';

/** The part of a tokenizer that generation needs. */
export interface GenerationTokenizer {
  decode(ids: number[], options?: { skipSpecialTokens?: boolean }): string;
  readonly eosTokenIds: readonly number[];
  readonly padTokenId: number;
}

/** Options of one generation call; the defaults are greedy decoding with a KV cache. */
export interface GenerationOptions {
  maxTokens: number;
  temperature?: number;
  topP?: number;
  seed?: number;
  /** Generation ends before the first occurrence of any of these strings, which is not returned. */
  stop?: string[];
  /** Recompute every position each step instead of reusing cached keys and values (for tests and benchmarks). */
  useCache?: boolean;
  adapter?: LinearAdapter;
  signal?: AbortSignal;
  /** Called with each token a row accepts, end-of-sequence included, as it is chosen: the hook for streaming. */
  onToken?: (row: number, tokenId: number) => void;
}

/** Token usage as OpenAI reports it; the eval and the router bill from it. */
export interface TokenUsage {
  prompt_tokens: number;
  completion_tokens: number;
}

/** One prompt's completion. */
export interface Generation {
  text: string;
  tokenIds: number[];
  finishReason: 'stop' | 'length';
  usage: TokenUsage;
}

interface RowState {
  prompt: number[];
  generated: number[];
  text: string;
  finishReason?: 'stop' | 'length';
  random: SeededRandom;
}

/**
 * Completes a batch of tokenised prompts. Prompts are left-padded to one length and masked, so
 * each row's result is what it would be alone; finished rows idle until the batch is done.
 */
export async function generateTokens(
  decoder: LlamaDecoder,
  tokenizer: GenerationTokenizer,
  prompts: number[][],
  options: GenerationOptions,
): Promise<Generation[]> {
  const maxPosition = decoder.config.maxPositionEmbeddings;
  for (const [index, prompt] of prompts.entries()) {
    if (prompt.length === 0) throw new LoraError(`prompt ${index + 1} is empty: generation needs at least one token`, { code: 'generation-invalid', exitCode: 2 });
    if (prompt.length + options.maxTokens > maxPosition) {
      throw new LoraError(
        `prompt ${index + 1} has ${prompt.length} tokens; with max tokens ${options.maxTokens} it exceeds the model's context of ${maxPosition}`,
        { code: 'context-exceeded', exitCode: 2 },
      );
    }
  }
  const rows: RowState[] = prompts.map((prompt, index) => ({ prompt, generated: [], text: '', random: new SeededRandom((options.seed ?? 0) * 1_000_003 + index) }));
  const useCache = options.useCache ?? true;
  const cache = useCache ? new KvCache(decoder.config.numLayers) : undefined;
  const width = Math.max(...prompts.map((prompt) => prompt.length));
  try {
    let step = initialBatch(rows, width, tokenizer.padTokenId);
    for (let produced = 0; produced < options.maxTokens; produced += 1) {
      if (options.signal?.aborted) throw options.signal.reason ?? new Error('generation aborted');
      const logits = decoder.forward(step, { cache, logits: 'last', adapter: options.adapter });
      const values = (await logits.data()) as Float32Array;
      logits.dispose();
      const vocab = values.length / rows.length;
      for (const [index, row] of rows.entries()) {
        if (row.finishReason !== undefined) continue;
        const token = sampleToken(values.subarray(index * vocab, (index + 1) * vocab), { temperature: options.temperature ?? 0, topP: options.topP ?? 1 }, () => row.random.next());
        acceptToken(row, token, tokenizer, options.stop ?? []);
        options.onToken?.(index, token);
        if (row.finishReason === undefined && row.generated.length >= options.maxTokens) row.finishReason = 'length';
      }
      if (rows.every((row) => row.finishReason !== undefined)) break;
      step = useCache ? nextStep(rows, step, tokenizer.padTokenId) : initialBatch(rows, width, tokenizer.padTokenId, true);
    }
  } finally {
    cache?.dispose();
  }
  return rows.map((row) => ({
    text: row.text,
    tokenIds: row.generated,
    finishReason: row.finishReason ?? 'length',
    usage: { prompt_tokens: row.prompt.length, completion_tokens: row.generated.length },
  }));
}

function acceptToken(row: RowState, token: number, tokenizer: GenerationTokenizer, stops: string[]): void {
  row.generated.push(token);
  if (tokenizer.eosTokenIds.includes(token)) {
    row.finishReason = 'stop';
    row.text = tokenizer.decode(row.generated.slice(0, -1), { skipSpecialTokens: true });
    return;
  }
  const text = tokenizer.decode(row.generated, { skipSpecialTokens: true });
  const cut = firstStop(text, stops);
  if (cut !== undefined) {
    row.finishReason = 'stop';
    row.text = text.slice(0, cut);
    return;
  }
  row.text = text;
}

function firstStop(text: string, stops: string[]): number | undefined {
  let earliest: number | undefined;
  for (const stop of stops) {
    if (stop === '') continue;
    const at = text.indexOf(stop);
    if (at !== -1 && (earliest === undefined || at < earliest)) earliest = at;
  }
  return earliest;
}

/** Each row's tokens so far (prompt, then generated when `withGenerated`), left-padded to one length. */
function initialBatch(rows: RowState[], promptWidth: number, padTokenId: number, withGenerated = false): DecoderBatch {
  const sequences = rows.map((row) => (withGenerated ? [...row.prompt, ...paddedGenerated(row, rows, padTokenId)] : row.prompt));
  const generatedWidth = withGenerated ? Math.max(...rows.map((row) => row.generated.length)) : 0;
  const length = promptWidth + generatedWidth;
  const batch = rows.length;
  const tokenIds = new Int32Array(batch * length).fill(padTokenId);
  const positions = new Int32Array(batch * length);
  const keyMask = new Uint8Array(batch * length);
  rows.forEach((row, index) => {
    const padding = promptWidth - row.prompt.length;
    const sequence = sequences[index] as number[];
    for (let column = 0; column < sequence.length; column += 1) {
      const at = index * length + padding + column;
      tokenIds[at] = sequence[column] as number;
      positions[at] = column;
      keyMask[at] = column < row.prompt.length + row.generated.length ? 1 : 0;
    }
  });
  return { tokenIds, batch, length, positions, keyMask };
}

// Rows that finished early are extended with padding so that every row has the same length.
function paddedGenerated(row: RowState, rows: RowState[], padTokenId: number): number[] {
  const width = Math.max(...rows.map((other) => other.generated.length));
  return [...row.generated, ...new Array<number>(width - row.generated.length).fill(padTokenId)];
}

/** One new position per row for a cached step; finished rows feed masked padding. */
function nextStep(rows: RowState[], previous: DecoderBatch, padTokenId: number): DecoderBatch {
  const batch = rows.length;
  const previousKeys = previous.keyMask.length / batch;
  const keys = previousKeys + 1;
  const tokenIds = new Int32Array(batch);
  const positions = new Int32Array(batch);
  const keyMask = new Uint8Array(batch * keys);
  rows.forEach((row, index) => {
    keyMask.set(previous.keyMask.subarray(index * previousKeys, (index + 1) * previousKeys), index * keys);
    const active = row.finishReason === undefined;
    tokenIds[index] = active ? (row.generated[row.generated.length - 1] as number) : padTokenId;
    positions[index] = row.prompt.length + row.generated.length - 1;
    keyMask[index * keys + previousKeys] = active ? 1 : 0;
  });
  return { tokenIds, batch, length: 1, positions, keyMask };
}
