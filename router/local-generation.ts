import { IncrementalDecoder, type LanguageModel, type LoraAdapter } from '../adapters/index.js';
import { StopAwareStream } from './stop-aware-stream.js';

/** Runs a task alone on the model: tfjs on one backend is not safe to use from two async tasks at once. */
export type ExclusiveQueue = <R>(task: () => R | Promise<R>) => Promise<R>;

/** One local generation: a tokenised prompt and how to sample. */
export interface LocalGenerationInput {
  model: LanguageModel;
  adapter?: LoraAdapter;
  promptIds: number[];
  maxTokens: number;
  temperature: number;
  topP: number;
  seed: number;
  stop: string[];
  signal: AbortSignal;
  queue: ExclusiveQueue;
  /** Receives the text as it is generated, stop sequences held back; the pieces join to `text`. */
  onText?: (piece: string) => void;
  /** Called after every generated token (the deadline checks itself there). */
  onStep?: () => void;
}

/** What a local generation produced and how long it held the model. */
export interface LocalGeneration {
  text: string;
  finishReason: 'stop' | 'length';
  promptTokens: number;
  completionTokens: number;
  /** Seconds on the model, queueing excluded: the basis of the compute cost. */
  computeSeconds: number;
}

/** Generates one completion on the shared model, waiting its turn in the queue. */
export async function generateLocally(input: LocalGenerationInput): Promise<LocalGeneration> {
  const stream = input.onText === undefined ? undefined : new StopAwareStream(new IncrementalDecoder(input.model.tokenizer, { skipSpecialTokens: true }), input.stop);
  return input.queue(async () => {
    input.signal.throwIfAborted();
    const started = performance.now();
    const [result] = await input.model.generate([input.promptIds], {
      maxTokens: input.maxTokens,
      temperature: input.temperature,
      topP: input.topP,
      seed: input.seed,
      stop: input.stop,
      adapter: input.adapter,
      signal: input.signal,
      onToken: (_row, id) => {
        if (stream !== undefined) emit(input.onText, stream.push(id));
        input.onStep?.();
      },
    });
    const computeSeconds = (performance.now() - started) / 1000;
    if (result === undefined) throw new Error('generation returned no result for its one prompt');
    if (stream !== undefined) emit(input.onText, stream.finish(result.text));
    return { text: result.text, finishReason: result.finishReason, promptTokens: result.usage.prompt_tokens, completionTokens: result.usage.completion_tokens, computeSeconds };
  });
}

function emit(onText: ((piece: string) => void) | undefined, piece: string): void {
  if (piece !== '') onText?.(piece);
}
