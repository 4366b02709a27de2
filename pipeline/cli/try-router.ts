import OpenAI from 'openai';
import type { Logger, LoraConfig } from '../../core/index.js';
import { LanguageModel, resolveModel } from '../../adapters/index.js';
import { canonicalRecord, datasetManifest, splitLines } from '../../datasets/index.js';
import type { RunStatus } from '../../jobs/index.js';
import { createRouter } from '../../router/index.js';
import type { Runtime } from '../runtime.js';

/**
 * Answers one request through the router, as an application would: starts `lora serve` in this
 * process on a free loopback port, asks the run's production adapter about the first test item with
 * the official OpenAI client, and says what came back. Returns the line to print, or why it was skipped.
 */
export async function tryRouter(status: RunStatus, runtime: Runtime, config: LoraConfig, log: Logger): Promise<string> {
  const registered = status.stages.find((stage) => stage.name === 'register')?.result as { version: string | null; promoted: boolean } | null | undefined;
  const curated = status.stages.find((stage) => stage.name === 'curate')?.result as { manifestKey: string } | null | undefined;
  if (!registered?.version || !curated) return 'router: skipped, the run registered no adapter';
  const name = registered.version.split('@')[0]!;
  if ((await runtime.adapters.aliasVersion(name, 'production')) === null) return `router: skipped, ${name} has no production version (promote one with \`lora adapters promote\`)`;
  const manifest = datasetManifest.parse(await runtime.store.readJson(curated.manifestKey));
  let messages: { role: 'system' | 'user' | 'assistant'; content: string }[] = [];
  for await (const line of splitLines(runtime.store, manifest, manifest.splits.test.records > 0 ? 'test' : 'train')) {
    const record = canonicalRecord.parse(JSON.parse(line));
    messages = record.messages.slice(0, -1).filter((message): message is { role: 'system' | 'user' | 'assistant'; content: string } => message.role !== 'tool');
    break;
  }
  const version = await runtime.adapters.show(name);
  const base = await resolveModel(version.baseModel.name, { store: runtime.store, cacheDir: config.model.cacheDir });
  const model = await LanguageModel.load(base.folder, { name: base.name, backend: config.model.backend, log });
  // Loopback only and closed right after the one request, so no API key is needed.
  const router = createRouter({ model, registry: runtime.adapters, store: runtime.store, redis: runtime.connection, prefix: config.redis.prefix, log, auth: false });
  try {
    const address = await router.app.listen({ port: 0, host: '127.0.0.1' });
    const client = new OpenAI({ baseURL: `${address}/v1`, apiKey: 'local', maxRetries: 0 });
    const { data, response } = await client.chat.completions.create({ model: name, messages, max_tokens: 16, temperature: 0 }).withResponse();
    const question = messages.filter((message) => message.role === 'user').at(-1)?.content ?? '';
    const answer = data.choices[0]?.message.content ?? '';
    return `router: POST ${address}/v1/chat/completions {model: "${name}"} → ${response.headers.get('x-lora-adapter') ?? name} answered ${JSON.stringify(answer)} to ${JSON.stringify(question.slice(0, 80))} (${data.usage?.prompt_tokens ?? '?'} + ${data.usage?.completion_tokens ?? '?'} tokens)`;
  } finally {
    await router.close();
    model.dispose();
  }
}
