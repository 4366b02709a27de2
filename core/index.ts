// The shared infrastructure of lora: errors, config, logging, the artifact store, Redis and the stage contract.
// It imports no stage folder and no CLI; everything above it may import it.
export { LoraError, ConfigError, UsageError, InputError, isRetryable, formatIssues, type ValidationIssue, type LoraErrorOptions } from './errors.js';
export { fromZodIssues, formatPath, describeValue } from './zod-issues.js';
export { loraConfig, logLevels, type LoraConfig, type ConfigLayer } from './config-schema.js';
export { loadConfig, resolveConfig, environmentSources, setPath, type ConfigSource, type LoadConfigOptions } from './config.js';
export { createLogger, createTeeLogger, stderrDestination, redactSecrets, type Logger, type LoggerOptions } from './logger.js';
export { readAll } from './streams.js';
export { assertRedisReachable, createRedisConnection, isRedisConnectionLoss, redactRedisUrl, RedisUnreachableError } from './redis.js';
export { resolveRedisTarget, defaultRedisUrl } from './private-redis.js';
export { stageNames, type StageName, type StageProgress, type StageContext, type StageInput, type StageDefinition, type AnyStageDefinition } from './stage.js';
export type { ArtifactStore, ObjectBody, ObjectInfo } from './store/artifact-store.js';
export { StoreError } from './store/store-error.js';
export { assertValidKey, assertValidPrefix } from './store/store-keys.js';
export { FileStore } from './store/file-store.js';
export { S3Store, type S3StoreOptions } from './store/s3-store.js';
export { putBlob, putFileBlob, blobKey, type BlobRef } from './store/blobs.js';
export { openStore } from './store/open-store.js';
export { createSourceOpener, type SourceOpener, type OpenedSource } from './store/open-source.js';
export { sha256Hex, canonicalJson } from './hashing.js';
export { SeededRandom, type SeededRandomState } from './seeded-random.js';
