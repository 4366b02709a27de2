// Fault: production moves (promotions, rollbacks, forced promotions) while eight clients keep the router busy.
// What is lost: nothing. No request fails, each is answered by one of the registered versions with that version's
// own weights, and the first request sent after a move is answered by the version it moved to.
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRouterWorld, promote, registerRandomAdapter, startRouter, type RouterWorld, type RunningRouter } from '../router/router-fixture.js';

const question = [{ role: 'user' as const, content: 'Classify the ticket: my parcel never arrived.' }];

/** What one client saw: which version answered with what, and what failed. */
interface Tally {
  answers: Array<{ version: string | null; text: string | null }>;
  failures: unknown[];
}

describe('the router while production moves under load (no request lost)', () => {
  let world: RouterWorld;
  let running: RunningRouter;

  beforeAll(async () => {
    world = await openRouterWorld();
    // One adapter slot: every move evicts the version that requests still in flight hold, the hardest case for the pool.
    running = await startRouter(world, { maxAdapters: 1, rateLimitPerMinute: 1_000_000 });
  });

  afterAll(async () => {
    await running?.close();
    await world?.close();
  });

  it('fails no request of eight busy clients, half of them streaming, and answers the first request after each move with the new version', async () => {
    for (const seed of [1, 2, 3]) await registerRandomAdapter(world, 'live', seed);
    await promote(world, 'live@v1');
    const versions = ['live@v1', 'live@v2', 'live@v3'];
    const request = { model: 'live', messages: question, temperature: 0, max_tokens: 6 };
    const ask = (client: OpenAI) => client.chat.completions.create(request).withResponse();
    /** A streamed request, its chunks joined: the version is chosen when it starts and must hold to its end. */
    const askStreamed = async (client: OpenAI) => {
      const { data, response } = await client.chat.completions.create({ ...request, stream: true }).withResponse();
      let text = '';
      for await (const chunk of data) text += chunk.choices[0]?.delta.content ?? '';
      return { version: response.headers.get('x-lora-adapter'), text };
    };

    const keys = await Promise.all(Array.from({ length: 8 }, (_, index) => world.keys.create(`load-${index}`)));
    let busy = true;
    const tallies: Tally[] = keys.map(() => ({ answers: [], failures: [] }));
    const clients = keys.map(async ({ key }, index) => {
      const client = new OpenAI({ baseURL: running.baseUrl, apiKey: key, maxRetries: 0 });
      const tally = tallies[index]!;
      while (busy) {
        try {
          if (index % 2 === 1) {
            tally.answers.push(await askStreamed(client));
          } else {
            const { data, response } = await ask(client);
            tally.answers.push({ version: response.headers.get('x-lora-adapter'), text: data.choices[0]?.message.content ?? null });
          }
        } catch (error) {
          tally.failures.push(error);
        }
      }
    });

    const probe = new OpenAI({ baseURL: running.baseUrl, apiKey: running.key, maxRetries: 0 });
    const moves: Array<[string, () => Promise<unknown>, string]> = [
      ['promote v2', () => promote(world, 'live@v2'), 'live@v2'],
      ['promote v3', () => promote(world, 'live@v3'), 'live@v3'],
      ['roll back to v2', () => world.registry.rollback('live', { reason: 'fault test', actor: 'fault-test' }), 'live@v2'],
      ['promote v1', () => promote(world, 'live@v1'), 'live@v1'],
      ['promote v3', () => promote(world, 'live@v3'), 'live@v3'],
      ['roll back to v1', () => world.registry.rollback('live', { reason: 'fault test', actor: 'fault-test' }), 'live@v1'],
      ['promote v2', () => promote(world, 'live@v2'), 'live@v2'],
    ];
    const afterMoves: string[] = [];
    try {
      for (const [label, move, expected] of moves) {
        await new Promise((resolve) => setTimeout(resolve, 300));
        await move();
        const next = await ask(probe);
        afterMoves.push(`${label}: ${next.response.headers.get('x-lora-adapter')}`);
        expect(next.response.headers.get('x-lora-adapter'), label).toBe(expected);
      }
      await new Promise((resolve) => setTimeout(resolve, 300));
    } finally {
      busy = false;
      await Promise.all(clients);
    }

    expect(afterMoves).toHaveLength(moves.length);
    const failures = tallies.flatMap((tally) => tally.failures);
    expect(failures.map((failure) => String(failure))).toEqual([]);
    const answers = tallies.flatMap((tally) => tally.answers);
    // Every client got answers throughout, not only before the first move.
    expect(answers.length).toBeGreaterThanOrEqual(8 * moves.length);
    for (const tally of tallies) expect(tally.answers.length).toBeGreaterThan(0);
    expect(new Set(answers.map((answer) => answer.version)).size).toBeGreaterThanOrEqual(2);
    for (const answer of answers) expect(versions).toContain(answer.version);
    // Greedy decoding: a version always writes the same answer, so a request served with another version's weights shows.
    for (const version of versions) {
      const texts = new Set(answers.filter((answer) => answer.version === version).map((answer) => answer.text));
      expect(texts.size, `${version} answered ${[...texts].map((text) => JSON.stringify(text)).join(', ')}`).toBeLessThanOrEqual(1);
    }
  });
});
