// A real HTTP server on loopback that speaks just enough of the Chat Completions API for provider tests.
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the server received. */
export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
}

/** Answers request number `index` (0-based); it may also never answer. */
export type ChatHandler = (request: ReceivedRequest, response: ServerResponse, index: number) => void | Promise<void>;

/** A running test server and what it saw. */
export interface ChatCompletionsServer {
  /** Ends in `/v1`, as OpenAI-compatible base URLs do. */
  baseUrl: string;
  requests: ReceivedRequest[];
  /** The most requests it was answering at once. */
  maxInFlight: number;
  close(): Promise<void>;
}

/** A Chat Completions body with the given text and usage. */
export function completionBody(text: string, usage = { prompt: 12, completion: 3, cached: 0 }): string {
  return JSON.stringify({
    id: 'chatcmpl-test',
    object: 'chat.completion',
    created: 1_700_000_000,
    model: 'test-model',
    choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
    usage: {
      prompt_tokens: usage.prompt,
      completion_tokens: usage.completion,
      total_tokens: usage.prompt + usage.completion,
      prompt_tokens_details: { cached_tokens: usage.cached },
    },
  });
}

/** Sends a JSON body with a status and extra headers. */
export function sendJson(response: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(body);
}

/** Starts a server on 127.0.0.1 and a free port. */
export async function startChatCompletionsServer(handler: ChatHandler): Promise<ChatCompletionsServer> {
  let inFlight = 0;
  const state: ChatCompletionsServer = { baseUrl: '', requests: [], maxInFlight: 0, close: async () => undefined };
  const server = createServer(async (request, response) => {
    inFlight += 1;
    state.maxInFlight = Math.max(state.maxInFlight, inFlight);
    response.on('close', () => {
      inFlight -= 1;
    });
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const received: ReceivedRequest = { method: request.method ?? '', path: request.url ?? '', headers: request.headers, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
    state.requests.push(received);
    await handler(received, response, state.requests.length - 1);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  state.baseUrl = `http://127.0.0.1:${port}/v1`;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}
