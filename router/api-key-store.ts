import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { LoraError, UsageError, sha256Hex } from '../core/index.js';
import { apiKeyName, apiKeyPrefix, apiKeyRecord, type ApiKeyRecord } from './api-key-contracts.js';

/** Adds a record under its hash unless an active key already has the name; returns 1 when added. */
const createScript = `
for _, value in ipairs(redis.call('HVALS', KEYS[1])) do
  local record = cjson.decode(value)
  if record.name == ARGV[3] and record.revokedAt == cjson.null then return 0 end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1`;

/**
 * API keys in Redis (hash `PREFIX:lora:keys`): the field is the key's sha256, the value its record. The key itself
 * is returned once, by `create`, and never stored.
 */
export class ApiKeyStore {
  private readonly hashKey: string;

  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.hashKey = `${prefix}:lora:keys`;
  }

  /** Makes a new key for `name`; refused while another active key has that name. */
  async create(name: string, now = new Date()): Promise<{ key: string; record: ApiKeyRecord }> {
    const parsed = apiKeyName.safeParse(name);
    if (!parsed.success) throw new UsageError(`key name ${JSON.stringify(name)} ${parsed.error.issues[0]?.message ?? 'is invalid'}`, { code: 'key-name-invalid' });
    const key = `${apiKeyPrefix}${randomBytes(32).toString('base64url')}`;
    const record: ApiKeyRecord = { schemaVersion: 1, id: `key_${randomBytes(8).toString('hex')}`, name: parsed.data, createdAt: now.toISOString(), revokedAt: null };
    const added = (await this.redis.eval(createScript, 1, this.hashKey, sha256Hex(key), JSON.stringify(record), record.name)) as number;
    if (added !== 1) throw new LoraError(`an active key named "${name}" exists; revoke it first with \`lora keys revoke ${name}\`, or choose another name`, { code: 'key-exists' });
    return { key, record };
  }

  /** Every key, active and revoked, oldest first. */
  async list(): Promise<ApiKeyRecord[]> {
    const values = await this.redis.hvals(this.hashKey);
    return values.map((value) => apiKeyRecord.parse(JSON.parse(value))).sort((left, right) => left.createdAt.localeCompare(right.createdAt) || left.name.localeCompare(right.name));
  }

  /** Revokes the active key named `name`; its requests get 401 from the next one on. */
  async revoke(name: string, now = new Date()): Promise<ApiKeyRecord> {
    const entries = await this.redis.hgetall(this.hashKey);
    for (const [hash, value] of Object.entries(entries)) {
      const record = apiKeyRecord.parse(JSON.parse(value));
      if (record.name !== name || record.revokedAt !== null) continue;
      const revoked = { ...record, revokedAt: now.toISOString() };
      await this.redis.hset(this.hashKey, hash, JSON.stringify(revoked));
      return revoked;
    }
    throw new LoraError(`no active key is named "${name}"; see \`lora keys list\``, { code: 'key-not-found' });
  }

  /** The record of an active key, or undefined for an unknown or revoked one. One HGET. */
  async verify(key: string): Promise<ApiKeyRecord | undefined> {
    if (!key.startsWith(apiKeyPrefix)) return undefined;
    const value = await this.redis.hget(this.hashKey, sha256Hex(key));
    if (value === null) return undefined;
    const record = apiKeyRecord.parse(JSON.parse(value));
    return record.revokedAt === null ? record : undefined;
  }
}
