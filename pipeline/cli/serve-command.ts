import { InvalidArgumentError, Option, type Command } from 'commander';
import { UsageError } from '../../core/index.js';
import { LanguageModel, resolveModel, type BackendPreference } from '../../adapters/index.js';
import { findPrice, loadPriceCatalog, tokenCost } from '../../evals/index.js';
import { createOpenAiUpstream, createRouter, type FallbackUpstream } from '../../router/index.js';
import { withContext } from './cli-context.js';

interface ServeOptions {
  port: number;
  host: string;
  auth: boolean;
  base: string;
  fallback?: string;
  fallbackModel?: string;
  fallbackProvider: string;
  fallbackApiKeyEnv: string;
  usdPerHour?: number;
  maxAdapters: number;
  rateLimit: number;
  cacheNames?: string;
  timeoutMs: number;
  maxTokens: number;
  backend?: BackendPreference;
}

function integer(minimum: number) {
  return (value: string): number => {
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < minimum) throw new InvalidArgumentError(`must be an integer of at least ${minimum}, got "${value}"`);
    return parsed;
  };
}

function usdAmount(value: string): number {
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < 0) throw new InvalidArgumentError(`must be a number of USD >= 0, such as 0.10, got "${value}"`);
  return parsed;
}

/** Resolves when the process gets SIGINT or SIGTERM. */
function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
}

/** The fallback from --fallback and --fallback-model, priced from the catalog (unknown when the catalog has no entry). */
function fallbackFrom(options: ServeOptions): FallbackUpstream | undefined {
  if (options.fallback === undefined && options.fallbackModel === undefined) return undefined;
  if (options.fallback === undefined || options.fallbackModel === undefined) {
    throw new UsageError('--fallback and --fallback-model go together: the upstream base URL (such as https://api.openai.com/v1) and the model to ask there');
  }
  const price = findPrice(loadPriceCatalog(), options.fallbackProvider, options.fallbackModel);
  return createOpenAiUpstream({
    baseUrl: options.fallback,
    model: options.fallbackModel,
    apiKey: process.env[options.fallbackApiKeyEnv],
    timeoutMs: options.timeoutMs,
    cost: (usage) => tokenCost(usage, price).usd,
  });
}

/** `lora serve`: the OpenAI-compatible router over registered adapters, until SIGINT/SIGTERM. */
export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('serve registered adapters behind an OpenAI-compatible API (/v1/chat/completions, /v1/completions, /v1/models)')
    .option('--port <n>', 'port to listen on (0: any free port)', integer(0), 8080)
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--no-auth', 'accept requests without an API key (local development only; logged as a warning)')
    .option('--base <model>', 'the base model every adapter runs on', 'builtin:tiny')
    .option('--fallback <url>', 'OpenAI-compatible base URL that answers names without a production version and failed adapters')
    .option('--fallback-model <model>', 'the model to ask at --fallback')
    .option('--fallback-provider <name>', 'provider whose catalog price applies to --fallback-model', 'openai')
    .option('--fallback-api-key-env <name>', 'environment variable holding the key for --fallback', 'OPENAI_API_KEY')
    .option('--usd-per-hour <usd>', "price of this machine per hour; adapter cost is generation seconds × it (unknown without it)", usdAmount)
    .option('--max-adapters <n>', 'most adapters kept loaded (least recently used out); production versions are never evicted', integer(1), 8)
    .option('--rate-limit <n>', 'requests per minute per API key', integer(1), 600)
    .option('--cache-names <names>', 'comma-separated adapter names whose temperature-0 answers are cached in memory')
    .option('--timeout-ms <n>', 'per-request timeout, queueing included; an adapter that exceeds it goes to the fallback', integer(100), 60_000)
    .option('--max-tokens <n>', 'tokens generated when a request names no max_tokens', integer(1), 256)
    .addOption(new Option('--backend <name>', 'tensor backend (default: config model.backend)').choices(['auto', 'tensorflow', 'wasm', 'cpu']))
    .action(
      withContext(async (context, options: ServeOptions) => {
        const fallback = fallbackFrom(options);
        const runtime = await context.runtime({ persistent: true });
        const { config, log } = runtime;
        const resolved = await resolveModel(options.base, { store: runtime.store, cacheDir: config.model.cacheDir });
        const model = await LanguageModel.load(resolved.folder, { name: resolved.name, backend: options.backend ?? config.model.backend, log });
        if (!options.auth) log.warn({ event: 'auth-disabled' }, 'AUTHENTICATION IS OFF (--no-auth): anyone who can reach this port can use the models and run up costs; never expose it');
        const router = createRouter({
          model,
          registry: runtime.adapters,
          store: runtime.store,
          redis: runtime.connection,
          prefix: config.redis.prefix,
          log,
          auth: options.auth,
          rateLimitPerMinute: options.rateLimit,
          maxAdapters: options.maxAdapters,
          usdPerHour: options.usdPerHour ?? null,
          fallback,
          cacheNames: options.cacheNames?.split(',').map((name) => name.trim()).filter((name) => name !== '') ?? [],
          requestTimeoutMs: options.timeoutMs,
          defaultMaxTokens: options.maxTokens,
        });
        try {
          const address = await router.app.listen({ port: options.port, host: options.host });
          log.info({ event: 'router-start', address, base: resolved.name, backend: model.backend.name, fallback: fallback?.model ?? null, auth: options.auth }, `router listening on ${address}`);
          const signal = await untilSignal();
          log.info({ event: 'router-stop', signal }, 'shutting down: finishing requests in flight');
        } finally {
          await router.close();
          model.dispose();
        }
      }),
    );
}
