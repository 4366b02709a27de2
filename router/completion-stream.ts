import { chunkBody, openAiUsage, type Endpoint, type ResponseIdentity } from './openai-shapes.js';
import type { OpenAiErrorBody } from './router-error.js';
import type { SseWriter } from './sse-writer.js';

/** A locally generated answer streamed in OpenAI's chunks: the assistant role first (chat), text pieces, the finish, usage. */
export class CompletionStream {
  private opened = false;

  constructor(
    private readonly writer: SseWriter,
    private readonly endpoint: Endpoint,
    private readonly identity: ResponseIdentity,
  ) {}

  /** Whether anything was sent (then a failure can only be reported inside the stream). */
  get started(): boolean {
    return this.writer.started;
  }

  /** Sends a piece of text. */
  text(piece: string): void {
    this.open();
    this.writer.send(chunkBody(this.endpoint, this.identity, { text: piece }));
  }

  /** Sends the finish reason, usage when asked for, and `[DONE]`. */
  end(finishReason: string, usage: { promptTokens: number; completionTokens: number } | undefined): void {
    this.open();
    this.writer.send(chunkBody(this.endpoint, this.identity, { finishReason }));
    if (usage !== undefined) this.writer.send(chunkBody(this.endpoint, this.identity, { usage: openAiUsage(usage.promptTokens, usage.completionTokens) }));
    this.writer.done();
  }

  /** Reports a failure after the stream began, as OpenAI does: an error event, then the end. */
  fail(error: OpenAiErrorBody): void {
    this.writer.send(error);
    this.writer.done();
  }

  private open(): void {
    if (this.opened) return;
    this.opened = true;
    if (this.endpoint === 'chat') this.writer.send(chunkBody(this.endpoint, this.identity, { role: 'assistant' }));
  }
}
