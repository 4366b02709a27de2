import { registryAliases, type LedgerEntry, type RegistryAlias } from './registry-contracts.js';

/** The version each alias of one name points at; null where it points at none. */
export type AliasVersions = Record<RegistryAlias, number | null>;

/** What Redis holds for one adapter name: the version sequence (null when the key is missing) and the aliases. */
export interface RegistryState {
  sequence: number | null;
  aliases: AliasVersions;
}

/** One value on which Redis and the store's ledger disagree. */
export interface RegistryDifference {
  name: string;
  field: 'sequence' | RegistryAlias;
  redis: number | null;
  ledger: number | null;
  message: string;
}

/** Every alias pointing at no version. */
export function noAliases(): AliasVersions {
  return { candidate: null, staging: null, production: null, archived: null };
}

/** The aliases as a Redis hash stores them (alias → version number as text). */
export function aliasesFromHash(hash: Record<string, string>): AliasVersions {
  const aliases = noAliases();
  for (const alias of registryAliases) if (hash[alias] !== undefined) aliases[alias] = Number(hash[alias]);
  return aliases;
}

/**
 * The state the store implies for one name: the ledger replayed oldest first, and a sequence no
 * lower than any version the store or the ledger knows, so that no number is handed out twice.
 */
export function replayLedger(entries: readonly LedgerEntry[], highestStoredVersion: number): RegistryState & { sequence: number } {
  const aliases = noAliases();
  let sequence = highestStoredVersion;
  for (const entry of entries) {
    sequence = Math.max(sequence, entry.version);
    switch (entry.action) {
      case 'registered':
        // As `register` does it: only a newer version takes the candidate alias.
        if (aliases.candidate === null || aliases.candidate < entry.version) aliases.candidate = entry.version;
        break;
      case 'promoted':
        if (entry.alias !== null) aliases[entry.alias] = entry.version;
        break;
      case 'rolled-back':
        aliases[entry.alias ?? 'production'] = entry.version;
        break;
      case 'archived':
        aliases.archived = entry.version;
        break;
      case 'evaluated':
        break;
    }
  }
  return { sequence, aliases };
}

/**
 * Where Redis differs from the ledger's state. A sequence above the highest known version is not a
 * difference: numbers taken by registrations that never finished are skipped, never reused.
 */
export function compareStates(name: string, redis: RegistryState, ledger: RegistryState): RegistryDifference[] {
  const differences: RegistryDifference[] = [];
  const highest = ledger.sequence ?? 0;
  if (highest > 0 && (redis.sequence === null || redis.sequence < highest)) {
    differences.push({
      name,
      field: 'sequence',
      redis: redis.sequence,
      ledger: highest,
      message: `sequence of ${name} must be at least ${highest} (the highest version in the store), Redis has ${redis.sequence ?? 'none'}; run \`lora registry rebuild\``,
    });
  }
  for (const alias of registryAliases) {
    const inRedis = redis.aliases[alias];
    const inLedger = ledger.aliases[alias];
    if (inRedis === inLedger) continue;
    differences.push({
      name,
      field: alias,
      redis: inRedis,
      ledger: inLedger,
      message: `${alias} of ${name} is ${describe(inLedger)} in the ledger, Redis has ${describe(inRedis)}; run \`lora registry rebuild\` to restore the ledger's`,
    });
  }
  return differences;
}

function describe(version: number | null): string {
  return version === null ? 'none' : `v${version}`;
}
