// A loopback OpenAI-compatible upstream for the fallback tests: it answers every request with a fixed text and usage,
// whole or as server-sent events, and remembers what it was sent.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A running upstream and the bodies it received. */
export interface Upstream {
  baseUrl: string;
  requests: Array<{ path: string; authorization: string | undefined; body: Record<string, unknown> }>;
  close(): Promise<void>;
}

export const upstreamText = 'Answer from upstream.';
export const upstreamUsage = { prompt_tokens: 1000, completion_tokens: 500, total_tokens: 1500 };

/** Starts the upstream on 127.0.0.1 and a free port. */
export async function startUpstream(): Promise<Upstream> {
  const requests: Upstream['requests'] = [];
  const server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
    const path = request.url ?? '';
    requests.push({ path, authorization: request.headers.authorization, body });
    const chat = path.endsWith('/chat/completions');
    const identity = { id: 'upstream-1', created: 1_700_000_000, model: String(body.model) };
    if (body.stream !== true) {
      const choice = chat ? { index: 0, message: { role: 'assistant', content: upstreamText }, finish_reason: 'stop' } : { index: 0, text: upstreamText, finish_reason: 'stop' };
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ...identity, object: chat ? 'chat.completion' : 'text_completion', choices: [choice], usage: upstreamUsage }));
      return;
    }
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    const object = chat ? 'chat.completion.chunk' : 'text_completion';
    for (const word of upstreamText.split(/(?<= )/)) {
      const choice = chat ? { index: 0, delta: { content: word }, finish_reason: null } : { index: 0, text: word, finish_reason: null };
      response.write(`data: ${JSON.stringify({ ...identity, object, choices: [choice] })}\n\n`);
    }
    const last = chat ? { index: 0, delta: {}, finish_reason: 'stop' } : { index: 0, text: '', finish_reason: 'stop' };
    response.write(`data: ${JSON.stringify({ ...identity, object, choices: [last] })}\n\n`);
    const wantsUsage = (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
    if (wantsUsage) response.write(`data: ${JSON.stringify({ ...identity, object, choices: [], usage: upstreamUsage })}\n\n`);
    response.end('data: [DONE]\n\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
