import { randomBytes } from 'node:crypto';
import { userInfo } from 'node:os';
import type { Redis } from 'ioredis';
import { LoraError, UsageError, type ArtifactStore } from '../../core/index.js';
import {
  adapterName,
  adapterVersionRecord,
  ledgerEntry,
  parseAdapterReference,
  registryAliases,
  type AdapterVersionRecord,
  type LedgerEntry,
  type RegistryAlias,
} from './registry-contracts.js';

/** A version with the aliases it carries now. */
export interface AdapterVersion extends AdapterVersionRecord {
  aliases: RegistryAlias[];
}

/** What registering a new version needs; the version number is allocated by the registry. */
export type NewAdapterVersion = Omit<AdapterVersionRecord, 'schemaVersion' | 'version' | 'createdAt' | 'createdBy'> & { createdBy?: string };

const versionKey = (name: string, version: number) => `registry/adapters/${name}/versions/v${String(version).padStart(6, '0')}.json`;

/** The person or service acting, for the ledger: `LORA_ACTOR`, else the OS user. */
export function currentActor(): string {
  if (process.env.LORA_ACTOR) return process.env.LORA_ACTOR;
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

/**
 * The adapter registry. Versions and ledger entries are immutable records in the store (the
 * durable truth); Redis allocates version numbers atomically and holds the aliases, so that many
 * workers on many machines register and promote without stepping on each other.
 */
export class AdapterRegistry {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly store: ArtifactStore,
  ) {}

  private keys(name: string) {
    return { sequence: `${this.prefix}:lora:registry:${name}:sequence`, aliases: `${this.prefix}:lora:registry:${name}:aliases`, names: `${this.prefix}:lora:registry:names` };
  }

  /** Registers a new immutable version and makes it the name's `candidate`. */
  async register(input: NewAdapterVersion): Promise<AdapterVersion> {
    const name = adapterName.parse(input.name);
    const keys = this.keys(name);
    // After Redis lost its data the sequence restarts from what the store already holds.
    if ((await this.redis.exists(keys.sequence)) === 0) await this.redis.setnx(keys.sequence, await this.highestStoredVersion(name));
    const version = await this.redis.incr(keys.sequence);
    const record = adapterVersionRecord.parse({ ...input, schemaVersion: 1, name, version, createdBy: input.createdBy ?? currentActor(), createdAt: new Date().toISOString() });
    await this.store.writeJson(versionKey(name, version), record);
    await this.appendLedger({ name, action: 'registered', version, alias: 'candidate', from: await this.aliasVersion(name, 'candidate'), reason: null, evalReportId: null, actor: record.createdBy });
    await this.redis.multi().hset(keys.aliases, 'candidate', String(version)).sadd(keys.names, name).exec();
    return { ...record, aliases: await this.aliasesOf(name, version) };
  }

  /** Every version, of one name or all, newest first within a name. */
  async list(name?: string): Promise<AdapterVersion[]> {
    const names = name === undefined ? await this.names() : [adapterName.parse(name)];
    const versions: AdapterVersion[] = [];
    for (const each of names) {
      const aliases = await this.redis.hgetall(this.keys(each).aliases);
      const records: AdapterVersionRecord[] = [];
      for await (const object of this.store.list(`registry/adapters/${each}/versions/`)) {
        records.push(adapterVersionRecord.parse(await this.store.readJson(object.key)));
      }
      records.sort((left, right) => right.version - left.version);
      for (const record of records) versions.push({ ...record, aliases: aliasesFrom(aliases, record.version) });
    }
    return versions;
  }

  /** One version by `NAME`, `NAME@vN` or `NAME@alias` (`NAME` alone means its production version, else the newest). */
  async show(reference: string): Promise<AdapterVersion> {
    const parsed = parseAdapterReference(reference);
    const name = adapterName.safeParse(parsed.name);
    if (!name.success || Number.isNaN(parsed.version)) {
      throw new UsageError(`adapter "${reference}" must be NAME, NAME@vN or NAME@${registryAliases.join('|')}`, { code: 'adapter-reference-invalid' });
    }
    let version: number | null = parsed.version ?? null;
    if (version === null) {
      version = await this.aliasVersion(name.data, parsed.alias ?? 'production');
      if (version === null && parsed.alias === undefined) version = (await this.highestStoredVersion(name.data)) || null;
      if (version === null) throw new LoraError(`adapter ${reference} has no ${parsed.alias ?? 'version'}; see \`lora adapters list --name ${name.data}\``, { code: 'adapter-not-found', exitCode: 1 });
    }
    const value = await this.store.readJson(versionKey(name.data, version));
    if (value === undefined) throw new LoraError(`adapter ${name.data}@v${version} is not registered; see \`lora adapters list --name ${name.data}\``, { code: 'adapter-not-found', exitCode: 1 });
    const record = adapterVersionRecord.parse(value);
    return { ...record, aliases: await this.aliasesOf(name.data, version) };
  }

  /** The ledger of a name, oldest first. */
  async history(name: string): Promise<LedgerEntry[]> {
    const entries: LedgerEntry[] = [];
    for await (const object of this.store.list(`registry/adapters/${adapterName.parse(name)}/ledger/`)) entries.push(ledgerEntry.parse(await this.store.readJson(object.key)));
    return entries.sort((left, right) => left.at.localeCompare(right.at));
  }

  /** Adds an immutable ledger entry; keys sort by time so a listing is the history in order. */
  async appendLedger(entry: Omit<LedgerEntry, 'schemaVersion' | 'at'>): Promise<LedgerEntry> {
    const at = new Date().toISOString();
    const full = ledgerEntry.parse({ ...entry, schemaVersion: 1, at });
    await this.store.writeJson(`registry/adapters/${entry.name}/ledger/${at.replace(/[:.]/g, '-')}-${randomBytes(4).toString('hex')}.json`, full);
    return full;
  }

  /** The version an alias points at, or null. */
  async aliasVersion(name: string, alias: RegistryAlias): Promise<number | null> {
    const value = await this.redis.hget(this.keys(name).aliases, alias);
    return value === null ? null : Number(value);
  }

  private async aliasesOf(name: string, version: number): Promise<RegistryAlias[]> {
    return aliasesFrom(await this.redis.hgetall(this.keys(name).aliases), version);
  }

  private async names(): Promise<string[]> {
    const names = new Set(await this.redis.smembers(this.keys('').names));
    // Names only the store knows (Redis lost them) are listed too.
    for await (const object of this.store.list('registry/adapters/')) {
      const match = /^registry\/adapters\/([^/]+)\//.exec(object.key);
      if (match !== null) names.add(match[1] as string);
    }
    return [...names].sort();
  }

  private async highestStoredVersion(name: string): Promise<number> {
    let highest = 0;
    for await (const object of this.store.list(`registry/adapters/${name}/versions/`)) {
      const match = /\/v(\d+)\.json$/.exec(object.key);
      if (match !== null) highest = Math.max(highest, Number(match[1]));
    }
    return highest;
  }
}

function aliasesFrom(aliases: Record<string, string>, version: number): RegistryAlias[] {
  return registryAliases.filter((alias) => aliases[alias] === String(version));
}
