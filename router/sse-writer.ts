import type { ServerResponse } from 'node:http';

/**
 * Server-sent events on a raw response, as OpenAI streams: `data: JSON` events and a final `data: [DONE]`.
 * The status and headers go out with the first event, so that until then the request can still fail over.
 */
export class SseWriter {
  private begun = false;

  constructor(
    private readonly response: ServerResponse,
    private readonly options: { headers?: Record<string, string>; onStart?: () => void } = {},
  ) {}

  /** Whether anything has been sent; after that, errors can only be reported inside the stream. */
  get started(): boolean {
    return this.begun;
  }

  /** Sends one event. */
  send(data: unknown): void {
    this.begin();
    this.response.write(`data: ${JSON.stringify(data)}\n\n`);
  }

  /** Sends `[DONE]` and ends the response. */
  done(): void {
    this.begin();
    this.response.end('data: [DONE]\n\n');
  }

  private begin(): void {
    if (this.begun) return;
    this.begun = true;
    this.options.onStart?.();
    this.response.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no', ...this.options.headers });
  }
}
