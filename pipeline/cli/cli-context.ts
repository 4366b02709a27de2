import type { Command } from 'commander';
import {
  createLogger,
  createSourceOpener,
  loadConfig,
  openStore,
  setPath,
  type ArtifactStore,
  type ConfigSource,
  type LoraConfig,
  type Logger,
  type SourceOpener,
} from '../../core/index.js';
import { openRuntime, type Runtime } from '../runtime.js';

/** The options every command accepts. */
export interface GlobalOptions {
  config?: string;
  redisUrl?: string;
  store?: string;
  logLevel?: string;
}

const flagPaths: ReadonlyArray<readonly [keyof GlobalOptions, string, readonly string[]]> = [
  ['redisUrl', '--redis-url', ['redis', 'url']],
  ['store', '--store', ['store', 'url']],
  ['logLevel', '--log-level', ['log', 'level']],
];

/** Configuration sources from flags, each named after its flag. */
export function flagSources(options: GlobalOptions, extra: ConfigSource[] = []): ConfigSource[] {
  const sources: ConfigSource[] = [];
  for (const [option, flag, path] of flagPaths) {
    const value = options[option];
    if (value === undefined) continue;
    const values: Record<string, unknown> = {};
    setPath(values, path, value);
    sources.push({ name: flag, values });
  }
  return [...sources, ...extra];
}

/** What a command action gets: config, logger and, on demand, a connected runtime that is closed after the action. */
export class CliContext {
  private configValue: LoraConfig | undefined;
  private logValue: Logger | undefined;
  private runtimeValue: Runtime | undefined;
  private storeValue: ArtifactStore | undefined;

  constructor(private readonly command: Command, private readonly extraSources: ConfigSource[] = []) {}

  /** The resolved configuration: defaults < file < environment < flags. */
  async config(): Promise<LoraConfig> {
    if (this.configValue === undefined) {
      // The root's options only: a subcommand may have a `--config` of its own (curation settings).
      let root = this.command;
      while (root.parent !== null) root = root.parent;
      const options = root.opts<GlobalOptions>();
      this.configValue = await loadConfig({
        configPath: options.config,
        defaultConfigPath: 'lora.config.json',
        env: process.env,
        flags: flagSources(options, this.extraSources),
      });
    }
    return this.configValue;
  }

  /** The process logger (stderr). */
  async log(): Promise<Logger> {
    if (this.logValue === undefined) this.logValue = createLogger({ level: (await this.config()).log.level });
    return this.logValue;
  }

  /** Redis, the store and the pipeline client, connected; `persistent` for commands that run workers. */
  async runtime(options: { persistent?: boolean } = {}): Promise<Runtime> {
    if (this.runtimeValue === undefined) this.runtimeValue = await openRuntime(await this.config(), await this.log(), options);
    return this.runtimeValue;
  }

  /** The artifact store alone, for commands that do not need Redis. */
  async store(): Promise<ArtifactStore> {
    if (this.runtimeValue !== undefined) return this.runtimeValue.store;
    if (this.storeValue === undefined) this.storeValue = openStore((await this.config()).store);
    return this.storeValue;
  }

  /** Opens inputs by URI: local paths, `s3://` and `store:` keys. */
  async sourceOpener(): Promise<SourceOpener> {
    return createSourceOpener(await this.store(), (await this.config()).store.s3);
  }

  /** Closes whatever the action opened. */
  async close(): Promise<void> {
    await this.runtimeValue?.close();
    await this.storeValue?.close();
  }
}

/** Wraps an action so that it gets a context that is always closed afterwards. */
export function withContext<Args extends unknown[]>(
  action: (context: CliContext, ...args: Args) => Promise<void>,
  extraSources?: (...args: Args) => ConfigSource[],
): (...args: Args) => Promise<void> {
  return async (...args: Args) => {
    const command = args[args.length - 1] as Command;
    const context = new CliContext(command, extraSources?.(...args) ?? []);
    try {
      await action(context, ...args);
    } finally {
      await context.close();
    }
  };
}
