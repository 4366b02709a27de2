import { readFile } from 'node:fs/promises';
import { ConfigError, formatIssues, type ValidationIssue } from './errors.js';
import { loraConfig, type LoraConfig } from './config-schema.js';
import { fromZodIssues } from './zod-issues.js';

/** One source of configuration, named so that an error can say where a bad value came from. */
export interface ConfigSource {
  name: string;
  values: Record<string, unknown>;
}

/** Where to read configuration from; each part is optional and later parts win. */
export interface LoadConfigOptions {
  /** An explicit `--config PATH`; a missing file is an error. */
  configPath?: string;
  /** The default file, read only when it exists. */
  defaultConfigPath?: string;
  env?: NodeJS.ProcessEnv;
  /** Values from command-line flags, each source named after its flag. */
  flags?: ConfigSource[];
}

const environmentKeys: ReadonlyArray<readonly [string, readonly string[]]> = [
  ['REDIS_URL', ['redis', 'url']],
  ['LORA_REDIS_PREFIX', ['redis', 'prefix']],
  ['LORA_STORE', ['store', 'url']],
  ['LORA_S3_ENDPOINT', ['store', 's3', 'endpoint']],
  ['AWS_REGION', ['store', 's3', 'region']],
  ['LORA_LOG_LEVEL', ['log', 'level']],
  ['LORA_BACKEND', ['model', 'backend']],
  ['LORA_MODEL_CACHE', ['model', 'cacheDir']],
  ['HF_ENDPOINT', ['model', 'hubEndpoint']],
];

/** The configuration the environment sets, one source per variable. AWS credentials stay with the SDK's chain. */
export function environmentSources(env: NodeJS.ProcessEnv): ConfigSource[] {
  const sources: ConfigSource[] = [];
  for (const [variable, path] of environmentKeys) {
    const value = env[variable];
    if (value === undefined || value === '') continue;
    const values: Record<string, unknown> = {};
    setPath(values, path, value);
    sources.push({ name: variable, values });
  }
  return sources;
}

/** Sets a nested value, creating the objects on the way. */
export function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = target;
  for (const segment of path.slice(0, -1)) {
    const next = node[segment];
    if (next === null || typeof next !== 'object') node[segment] = {};
    node = node[segment] as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Deep-merges `layer` into `target`, remembering which source set each leaf. */
function mergeLayer(
  target: Record<string, unknown>,
  layer: Record<string, unknown>,
  sourceName: string,
  origins: Map<string, string>,
  prefix = '',
): void {
  for (const [key, value] of Object.entries(layer)) {
    if (value === undefined) continue;
    const path = prefix === '' ? key : `${prefix}.${key}`;
    if (isPlainObject(value) && isPlainObject(target[key])) {
      mergeLayer(target[key] as Record<string, unknown>, value, sourceName, origins, path);
    } else {
      target[key] = isPlainObject(value) ? structuredClone(value) : value;
      origins.set(path, sourceName);
    }
  }
}

function originOf(path: string, origins: Map<string, string>): string | undefined {
  for (let candidate = path; candidate !== ''; candidate = candidate.slice(0, Math.max(0, candidate.lastIndexOf('.')))) {
    const origin = origins.get(candidate);
    if (origin !== undefined) return origin;
    if (!candidate.includes('.')) break;
  }
  return undefined;
}

/** Merges sources (later wins) and validates; every bad key is reported with its source. */
export function resolveConfig(sources: readonly ConfigSource[]): LoraConfig {
  const merged: Record<string, unknown> = {};
  const origins = new Map<string, string>();
  for (const source of sources) mergeLayer(merged, source.values, source.name, origins);
  const parsed = loraConfig.safeParse(merged);
  if (parsed.success) return parsed.data;
  const issues: ValidationIssue[] = fromZodIssues(parsed.error.issues, merged).map((issue) => {
    const origin = originOf(issue.path, origins);
    return origin === undefined ? issue : { ...issue, message: `${issue.message} (from ${origin})` };
  });
  throw new ConfigError(`invalid configuration:\n${formatIssues('config', issues)}`, issues);
}

async function readConfigFile(path: string, required: boolean): Promise<ConfigSource | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (!required && (error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ConfigError(`config file ${path}: cannot be read (${(error as Error).message}); pass an existing file to --config`);
  }
  let values: unknown;
  try {
    values = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`config file ${path}: must be JSON, ${(error as Error).message}`);
  }
  if (!isPlainObject(values)) {
    throw new ConfigError(`config file ${path}: must hold a JSON object, got ${Array.isArray(values) ? 'an array' : typeof values}`);
  }
  return { name: path, values };
}

/** Loads configuration: defaults < lora.config.json (or --config) < environment < flags. */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<LoraConfig> {
  const sources: ConfigSource[] = [];
  const file =
    options.configPath !== undefined
      ? await readConfigFile(options.configPath, true)
      : options.defaultConfigPath !== undefined
        ? await readConfigFile(options.defaultConfigPath, false)
        : undefined;
  if (file !== undefined) sources.push(file);
  sources.push(...environmentSources(options.env ?? {}), ...(options.flags ?? []));
  return resolveConfig(sources);
}
