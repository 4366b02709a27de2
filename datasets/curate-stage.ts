import { createInterface } from 'node:readline';
import { Transform } from 'node:stream';
import { createHash } from 'node:crypto';
import { InputError, putBlob, type StageContext, type StageDefinition, type ValidationIssue } from '../core/index.js';
import { parseChatLine } from './chat-record.js';
import { curateParams, curateResult, type CurateParams, type CurateResult, type DatasetManifest } from './curate-contracts.js';

const firstIssuesKept = 20;

/** The store key a `store:KEY` source names; local paths are uploaded when the run is submitted. */
function sourceKey(source: string): string {
  if (!source.startsWith('store:')) {
    throw new InputError(`dataset source ${JSON.stringify(source)} must be a store key (store:KEY) by the time a worker reads it; submit the run with \`lora jobs submit\`, which uploads local files`, {
      code: 'source-not-in-store',
    });
  }
  return source.slice('store:'.length);
}

/** Whether `rejected` of `read` records exceeds the tolerated count or share. */
function exceedsMaxInvalid(rejected: number, read: number, limit: CurateParams['maxInvalid']): boolean {
  if (typeof limit === 'number') return rejected > limit;
  return read > 0 && (rejected / read) * 100 > Number.parseFloat(limit);
}

/**
 * The curate stage, first version: streams an OpenAI chat JSONL source line by line, keeps the valid
 * records, counts and reports the rejected ones, and stores a content-addressed dataset version with
 * its manifest. Deduplication, PII scrubbing and splits come with the dataset-curation issue.
 */
async function curate(input: { params: CurateParams }, context: StageContext): Promise<CurateResult> {
  const { params } = input;
  const key = sourceKey(params.source);
  const head = await context.store.head(key);
  if (head === undefined) throw new InputError(`dataset source ${params.source} does not exist in the store ${context.store.url}`, { code: 'source-missing' });

  const sourceHash = createHash('sha256');
  let bytesRead = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      sourceHash.update(chunk);
      bytesRead += chunk.length;
      callback(null, chunk);
    },
  });
  const lines = createInterface({ input: (await context.store.get(key)).pipe(counter), crlfDelay: Infinity });
  const kept: string[] = [];
  const issuesByCode: Record<string, number> = {};
  const firstIssues: ValidationIssue[] = [];
  let read = 0;
  let lineNumber = 0;
  for await (const text of lines) {
    lineNumber += 1;
    if (context.signal.aborted) throw new InputError('curation cancelled', { code: 'cancelled' });
    if (text.trim() === '') continue;
    read += 1;
    const outcome = parseChatLine(text, lineNumber);
    if ('record' in outcome) {
      kept.push(JSON.stringify(outcome.record));
    } else {
      const first = outcome.issues[0]!;
      issuesByCode[first.code] = (issuesByCode[first.code] ?? 0) + 1;
      if (firstIssues.length < firstIssuesKept) firstIssues.push(first);
    }
    if (read % 1000 === 0) await context.progress({ fraction: head.size === 0 ? 1 : bytesRead / head.size, message: `${read} records read` });
  }
  const rejected = read - kept.length;
  context.log.info({ read, kept: kept.length, rejected, issuesByCode }, 'dataset validated');
  if (kept.length === 0) throw new InputError(`dataset ${params.source} has no valid records (${rejected} rejected; first: ${firstIssues[0]?.message ?? 'empty file'})`, { code: 'dataset-empty', issues: firstIssues });
  if (exceedsMaxInvalid(rejected, read, params.maxInvalid)) {
    throw new InputError(`dataset ${params.source}: ${rejected} of ${read} records are invalid, more than maxInvalid ${params.maxInvalid}; first: line ${firstIssues[0]?.line}: ${firstIssues[0]?.message}`, {
      code: 'too-many-invalid',
      issues: firstIssues,
    });
  }

  const train = await putBlob(context.store, `${kept.join('\n')}\n`);
  const version = `ds-${train.sha256.slice(0, 16)}`;
  const manifest: DatasetManifest = {
    schemaVersion: 1,
    version,
    createdAt: new Date().toISOString(),
    source: { uri: params.source, sha256: sourceHash.digest('hex'), bytes: bytesRead },
    format: 'openai-chat',
    counts: { read, kept: kept.length, rejected },
    issuesByCode,
    firstIssues: firstIssues.map((issue) => ({ line: issue.line ?? 0, path: issue.path, code: issue.code, message: issue.message })),
    splits: { train: { key: train.key, sha256: train.sha256, records: kept.length, bytes: train.size } },
  };
  const manifestKey = `datasets/${version}/manifest.json`;
  await context.store.writeJson(manifestKey, manifest);
  await context.progress({ fraction: 1, message: `${kept.length} records kept, ${rejected} rejected` });
  return { schemaVersion: 1, datasetVersion: version, manifestKey, records: kept.length, rejected };
}

/** The `curate` stage. */
export const curateStage: StageDefinition<CurateParams, undefined, CurateResult> = {
  name: 'curate',
  params: curateParams,
  result: curateResult,
  process: curate,
};
