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
import { aliasesFromHash, compareStates, replayLedger, type RegistryDifference, type RegistryState } from './registry-rebuild.js';

/** The latest evaluation of a version against its baseline. */
export interface VersionEval {
  reportId: string;
  verdict: string;
  gatePassed: boolean;
  baseline: string;
  at: string;
}

/** A version with the aliases it carries now and its latest evaluation. */
export interface AdapterVersion extends AdapterVersionRecord {
  aliases: RegistryAlias[];
  eval: VersionEval | null;
}

/** One name's Redis state next to the state its ledger implies, and where they differ. */
export interface RegistryCheck {
  name: string;
  redis: RegistryState;
  ledger: RegistryState;
  differences: RegistryDifference[];
}

/** What `rebuild` wrote for one name, and which values that changed in Redis. */
export interface RegistryRestore {
  name: string;
  restored: RegistryState;
  changed: RegistryDifference[];
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

  /** Registers a new immutable version and makes it the name's `candidate` (unless a newer one already is). */
  async register(input: NewAdapterVersion): Promise<AdapterVersion> {
    const name = parseName(input.name);
    const version = await this.allocateVersion(name);
    const record = adapterVersionRecord.parse({ ...input, schemaVersion: 1, name, version, createdBy: input.createdBy ?? currentActor(), createdAt: new Date().toISOString() });
    await this.store.writeJson(versionKey(name, version), record);
    const keys = this.keys(name);
    // Only a newer version takes the alias, so concurrent registrations end with the highest one as candidate.
    // A crash before the ledger entry below leaves Redis's candidate ahead of the ledger; `lora registry check` reports it.
    const previous = (await this.redis.eval(raiseAliasScript, 1, keys.aliases, 'candidate', String(version))) as string | null;
    await this.redis.sadd(keys.names, name);
    const from = previous === null ? null : Number(previous);
    await this.appendLedger({ name, action: 'registered', version, alias: from !== null && from > version ? null : 'candidate', from, reason: null, evalReportId: null, actor: record.createdBy });
    return { ...record, aliases: await this.aliasesOf(name, version), eval: null };
  }

  /** Records an evaluation of a version (immutable, one record per report) and notes it in the ledger. */
  async recordEval(reference: string, evaluation: Omit<VersionEval, 'at'>): Promise<void> {
    const version = await this.show(reference);
    const at = new Date().toISOString();
    await this.store.writeJson(`registry/adapters/${version.name}/evals/v${String(version.version).padStart(6, '0')}/${evaluation.reportId}.json`, { ...evaluation, at });
    await this.appendLedger({ name: version.name, action: 'evaluated', version: version.version, alias: null, from: null, reason: `${evaluation.verdict} against ${evaluation.baseline}; gate ${evaluation.gatePassed ? 'passed' : 'not passed'}`, evalReportId: evaluation.reportId, actor: currentActor() });
  }

  /**
   * Moves `alias` (production or staging) to a version. Refuses unless its latest eval passed the
   * gate, or `force` comes with a reason. Two promotions at the same moment: exactly one wins, the
   * other gets a conflict error (a Redis compare-and-set on the alias).
   */
  async promote(reference: string, alias: 'production' | 'staging', options: { force?: boolean; reason?: string; actor?: string } = {}): Promise<{ version: AdapterVersion; from: number | null }> {
    const version = await this.show(reference);
    if (options.force && !options.reason) throw new UsageError('--force needs --reason: say why the gate is overridden', { code: 'promotion-reason-missing' });
    if (!options.force) {
      if (version.eval === null) throw new LoraError(`${version.name}@v${version.version} has no evaluation; run \`lora evals run\` first, or --force with a reason`, { code: 'promotion-refused', exitCode: 1 });
      if (!version.eval.gatePassed) {
        throw new LoraError(`${version.name}@v${version.version} did not pass its gate (${version.eval.verdict}, report ${version.eval.reportId}); promotion refused`, { code: 'promotion-refused', exitCode: 1 });
      }
    }
    const keys = this.keys(version.name);
    // The alias moves before the ledger entry is written, so that a promotion that loses the race
    // leaves no entry. A crash between the two leaves Redis ahead of the ledger: `lora registry check`
    // reports the alias, and `lora registry rebuild` returns it to the ledger's version.
    const expected = await this.redis.hget(keys.aliases, alias);
    const swapped = (await this.redis.eval(compareAndSetScript, 1, keys.aliases, alias, expected ?? '', String(version.version))) as number;
    if (swapped !== 1) throw new LoraError(`${alias} of ${version.name} changed while promoting ${version.name}@v${version.version}; look again and retry`, { code: 'promotion-conflict', exitCode: 1 });
    const from = expected === null ? null : Number(expected);
    await this.appendLedger({ name: version.name, action: 'promoted', version: version.version, alias, from, reason: options.reason ?? null, evalReportId: version.eval?.reportId ?? null, actor: options.actor ?? currentActor() });
    return { version: await this.show(`${version.name}@v${version.version}`), from };
  }

  /** Returns production to the version it held before the current one, as the ledger records it. */
  async rollback(name: string, options: { reason?: string; actor?: string } = {}): Promise<{ from: number; to: number }> {
    const valid = parseName(name);
    const keys = this.keys(valid);
    const current = await this.aliasVersion(valid, 'production');
    if (current === null) throw new LoraError(`${valid} has no production version to roll back`, { code: 'rollback-impossible', exitCode: 1 });
    // The ledger's last move of production must be the one that put the current version there; an
    // earlier promotion of the same version would return production to the wrong place.
    const moves = (await this.history(valid)).filter((entry) => entry.alias === 'production' && (entry.action === 'promoted' || entry.action === 'rolled-back'));
    const last = moves.at(-1);
    if (last?.version !== current) {
      throw new LoraError(`production of ${valid} is v${current} in Redis, but the ledger's last production move is ${last === undefined ? 'none' : `to v${last.version}`}; see \`lora registry check\``, {
        code: 'registry-inconsistent',
        exitCode: 1,
      });
    }
    const previous = last.action === 'promoted' ? last.from : null;
    if (previous === null) throw new LoraError(`${valid}@v${current} has no earlier production version to return to`, { code: 'rollback-impossible', exitCode: 1 });
    // As in `promote`: a crash after this swap and before the ledger entry is reported by `lora registry check`.
    const swapped = (await this.redis.eval(compareAndSetScript, 1, keys.aliases, 'production', String(current), String(previous))) as number;
    if (swapped !== 1) throw new LoraError(`production of ${valid} changed during the rollback; look again and retry`, { code: 'promotion-conflict', exitCode: 1 });
    await this.appendLedger({ name: valid, action: 'rolled-back', version: previous, alias: 'production', from: current, reason: options.reason ?? null, evalReportId: null, actor: options.actor ?? currentActor() });
    return { from: current, to: previous };
  }

  /**
   * A version number no one holds: Redis INCR makes concurrent callers distinct, and a number the
   * store already has (Redis lost data, or came back from an old snapshot) is skipped, never overwritten.
   */
  private async allocateVersion(name: string): Promise<number> {
    const { sequence } = this.keys(name);
    if ((await this.redis.exists(sequence)) === 0) await this.redis.setnx(sequence, await this.highestStoredVersion(name));
    for (;;) {
      const version = await this.redis.incr(sequence);
      if ((await this.store.head(versionKey(name, version))) === undefined) return version;
      const highest = await this.highestStoredVersion(name);
      await this.redis.eval(raiseSequenceScript, 1, sequence, String(highest));
    }
  }

  /** Every version, of one name or all, newest first within a name. */
  async list(name?: string): Promise<AdapterVersion[]> {
    const names = name === undefined ? await this.names() : [parseName(name)];
    const versions: AdapterVersion[] = [];
    for (const each of names) {
      const aliases = await this.redis.hgetall(this.keys(each).aliases);
      const records: AdapterVersionRecord[] = [];
      for await (const object of this.store.list(`registry/adapters/${each}/versions/`)) {
        records.push(adapterVersionRecord.parse(await this.store.readJson(object.key)));
      }
      records.sort((left, right) => right.version - left.version);
      for (const record of records) versions.push({ ...record, aliases: aliasesFrom(aliases, record.version), eval: await this.latestEval(each, record.version) });
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
    return { ...record, aliases: await this.aliasesOf(name.data, version), eval: await this.latestEval(name.data, version) };
  }

  private async latestEval(name: string, version: number): Promise<VersionEval | null> {
    let latest: VersionEval | null = null;
    for await (const object of this.store.list(`registry/adapters/${name}/evals/v${String(version).padStart(6, '0')}/`)) {
      const value = (await this.store.readJson(object.key)) as VersionEval;
      if (latest === null || value.at > latest.at) latest = value;
    }
    return latest;
  }

  /** The ledger of a name, oldest first; entries of the same millisecond in the order they were written. */
  async history(name: string): Promise<LedgerEntry[]> {
    const entries: Array<{ key: string; entry: LedgerEntry }> = [];
    for await (const object of this.store.list(`registry/adapters/${parseName(name)}/ledger/`)) {
      entries.push({ key: object.key, entry: ledgerEntry.parse(await this.store.readJson(object.key)) });
    }
    // Keys written before the write counter existed (`TIME-RANDOM`) still sort by time; within one millisecond their order is unknown.
    return entries.sort((left, right) => compareText(left.entry.at, right.entry.at) || compareText(left.key, right.key)).map(({ entry }) => entry);
  }

  /** Adds an immutable ledger entry under a key that sorts in write order: `TIME-COUNTER-RANDOM`. */
  async appendLedger(entry: Omit<LedgerEntry, 'schemaVersion' | 'at'>): Promise<LedgerEntry> {
    const stamp = nextLedgerStamp();
    const full = ledgerEntry.parse({ ...entry, schemaVersion: 1, at: stamp.at });
    await this.store.writeJson(`registry/adapters/${entry.name}/ledger/${stamp.key}-${randomBytes(4).toString('hex')}.json`, full);
    return full;
  }

  /** Compares every name's aliases and sequence in Redis with what the store's ledger says. */
  async check(): Promise<RegistryCheck[]> {
    const checks: RegistryCheck[] = [];
    for (const name of await this.names()) {
      const [redis, ledger] = await Promise.all([this.redisState(name), this.ledgerState(name)]);
      checks.push({ name, redis, ledger, differences: compareStates(name, redis, ledger) });
    }
    return checks;
  }

  /**
   * Restores every name's aliases and sequence in Redis from the store, after Redis lost its data:
   * the aliases the ledger replays to, and a sequence no lower than the highest stored version.
   * Aliases Redis has and the ledger does not are removed. Run it with no promotions in flight.
   */
  async rebuild(): Promise<RegistryRestore[]> {
    const restores: RegistryRestore[] = [];
    for (const name of await this.names()) {
      const [previous, ledger] = await Promise.all([this.redisState(name), this.ledgerState(name)]);
      const keys = this.keys(name);
      const aliases = Object.fromEntries(Object.entries(ledger.aliases).filter(([, version]) => version !== null).map(([alias, version]) => [alias, String(version)]));
      const transaction = this.redis.multi().del(keys.aliases);
      if (Object.keys(aliases).length > 0) transaction.hset(keys.aliases, aliases);
      // Raised, never lowered: a registration in flight may hold a number above the highest stored one.
      if (ledger.sequence > 0) transaction.eval(raiseSequenceScript, 1, keys.sequence, String(ledger.sequence));
      transaction.sadd(keys.names, name);
      const replies = await transaction.exec();
      const failure = replies?.find(([error]) => error !== null)?.[0];
      if (replies === null || failure) {
        throw new LoraError(`restoring ${name} in Redis failed${failure ? `: ${failure.message}` : ''}; run \`lora registry rebuild\` again`, { code: 'registry-rebuild-failed', cause: failure });
      }
      const restored: RegistryState = { sequence: Math.max(previous.sequence ?? 0, ledger.sequence), aliases: ledger.aliases };
      restores.push({ name, restored, changed: compareStates(name, previous, ledger) });
    }
    return restores;
  }

  private async redisState(name: string): Promise<RegistryState> {
    const keys = this.keys(name);
    const [sequence, aliases] = await Promise.all([this.redis.get(keys.sequence), this.redis.hgetall(keys.aliases)]);
    return { sequence: sequence === null ? null : Number(sequence), aliases: aliasesFromHash(aliases) };
  }

  private async ledgerState(name: string): Promise<RegistryState & { sequence: number }> {
    return replayLedger(await this.history(name), await this.highestStoredVersion(name));
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

/** The last ledger stamp of this process; see `nextLedgerStamp`. */
let lastStamp = { time: 0, count: 0 };

/**
 * A time and a key part for the next ledger entry, strictly increasing within this process: a
 * counter orders entries of the same millisecond, and a clock that steps back does not reorder
 * them. Redis is not used, so the order survives Redis losing its data.
 */
function nextLedgerStamp(): { at: string; key: string } {
  const now = Date.now();
  lastStamp = now > lastStamp.time ? { time: now, count: 0 } : { time: lastStamp.time, count: lastStamp.count + 1 };
  // Six digits keep keys sortable as text; a millionth entry in one millisecond moves to the next one.
  if (lastStamp.count > 999_999) lastStamp = { time: lastStamp.time + 1, count: 0 };
  const at = new Date(lastStamp.time).toISOString();
  return { at, key: `${at.replace(/[:.]/g, '-')}-${String(lastStamp.count).padStart(6, '0')}` };
}

/** Orders text by code unit, as keys sort in the store, not by locale. */
function compareText(left: string, right: string): number {
  return left < right ? -1 : left > right ? 1 : 0;
}

/** Sets `alias` to the version unless a higher one holds it; returns the version it held before. */
const raiseAliasScript = `
local current = redis.call('HGET', KEYS[1], ARGV[1])
if (not current) or tonumber(current) < tonumber(ARGV[2]) then redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) end
return current`;

/** Sets the alias to ARGV[3] only if it still holds ARGV[2] ('' for none). */
const compareAndSetScript = `
local current = redis.call('HGET', KEYS[1], ARGV[1]) or ''
if current ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
return 1`;

/** Raises a sequence to at least ARGV[1]. */
const raiseSequenceScript = `
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if current < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], ARGV[1]) end
return 1`;

function parseName(name: string): string {
  const parsed = adapterName.safeParse(name);
  if (!parsed.success) throw new UsageError(`adapter name must be lowercase letters, digits and "-", got ${JSON.stringify(name)}`, { code: 'adapter-name-invalid' });
  return parsed.data;
}

function aliasesFrom(aliases: Record<string, string>, version: number): RegistryAlias[] {
  return registryAliases.filter((alias) => aliases[alias] === String(version));
}
