import { canonicalRecord, splitLines, type DatasetManifest } from '../datasets/index.js';
import type { ArtifactStore, Logger } from '../core/index.js';
import type { BackendPreference, ChatMessage, LanguageModel } from '../adapters/index.js';
import { createLocalModelProvider, loadStoredAdapter } from './local/local-model-provider.js';
import { loadPriceCatalog } from './pricing/index.js';
import { createBaselineProvider, parseBaselineSpec, ResponseCache, type ProvidersConfig, type RecordedItem } from './providers/index.js';
import type { EvalReport } from './report/eval-report.js';
import { renderReportHtml } from './report/report-html.js';
import { renderReportMarkdown } from './report/report-markdown.js';
import type { Rubric } from './rubric.js';
import { evalId, runEval, type CostBasis, type EvalInputItem, type EvalParticipant } from './run-eval.js';

/** The adapter version to evaluate, as the registry or the train stage knows it. */
export interface AdapterUnderTest {
  reference: string;
  artifactKey: string;
  artifactSha256: string;
  baseModel: string;
  trainingLoss: EvalReport['trainingLoss'];
}

/** What `evaluateAdapter` needs besides the adapter. */
export interface EvaluateAdapterOptions {
  store: ArtifactStore;
  adapter: AdapterUnderTest;
  dataset: DatasetManifest;
  baselineSpec: string;
  rubric: Rubric;
  backend: BackendPreference;
  cacheDir: string;
  /** Few-shot examples the `fewshot:base` baseline is prompted with. */
  fewShot?: number;
  /** Named OpenAI-compatible providers (`NAME:MODEL` baselines), from config `evals.providers`. */
  providers?: ProvidersConfig;
  env?: Record<string, string | undefined>;
  log?: Logger;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

/** Where a report lives in the store. */
export function reportKeys(id: string): { json: string; html: string; markdown: string } {
  return { json: `evals/${id}/report.json`, html: `evals/${id}/report.html`, markdown: `evals/${id}/report.md` };
}

/**
 * A recorded baseline answer in a record's metadata, as production logs hold it:
 * `metadata.recorded = {text, usage: {prompt_tokens, completion_tokens, cached_tokens?}, model?}`.
 */
function recordedOf(metadata: Record<string, unknown> | undefined): RecordedItem['recordedResponse'] | undefined {
  const recorded = metadata?.recorded as { text?: unknown; usage?: { prompt_tokens?: unknown; completion_tokens?: unknown; cached_tokens?: unknown } } | undefined;
  if (recorded === undefined || typeof recorded.text !== 'string') return undefined;
  const usage = recorded.usage;
  const counts = usage !== undefined && typeof usage.prompt_tokens === 'number' && typeof usage.completion_tokens === 'number'
    ? { promptTokens: usage.prompt_tokens, completionTokens: usage.completion_tokens, cachedPromptTokens: typeof usage.cached_tokens === 'number' ? usage.cached_tokens : 0 }
    : undefined;
  return { text: recorded.text, usage: counts };
}

async function readItems(store: ArtifactStore, manifest: DatasetManifest, split: 'test' | 'validation' | 'train', limit?: number): Promise<{ items: EvalInputItem[]; records: ChatMessage[][]; recorded: RecordedItem[] }> {
  const items: EvalInputItem[] = [];
  const records: ChatMessage[][] = [];
  const recorded: RecordedItem[] = [];
  for await (const line of splitLines(store, manifest, split)) {
    const record = canonicalRecord.parse(JSON.parse(line));
    const last = record.messages.length - 1;
    if (record.messages[last]?.role !== 'assistant') continue;
    records.push(record.messages);
    const item = { id: `${split}-${items.length + 1}`, messages: record.messages.slice(0, last), reference: record.messages[last]!.content, label: record.label };
    items.push(item);
    const response = recordedOf(record.metadata);
    if (response !== undefined) recorded.push({ id: item.id, messages: item.messages, recordedResponse: response });
    if (limit !== undefined && items.length >= limit) break;
  }
  return { items, records, recorded };
}

/** Few-shot turns from training records: one per label first, so the prompt shows every answer it may give. */
function fewShotTurns(records: ChatMessage[][], count: number): ChatMessage[] {
  const chosen: ChatMessage[][] = [];
  const seen = new Set<string>();
  for (const record of records) {
    const answer = record[record.length - 1]!.content;
    if (seen.has(answer)) continue;
    seen.add(answer);
    chosen.push(record);
    if (chosen.length >= count) break;
  }
  for (const record of records) {
    if (chosen.length >= count) break;
    if (!chosen.includes(record)) chosen.push(record);
  }
  return chosen.flatMap((record) => record.filter((message) => message.role !== 'system'));
}

function computeBasis(rubric: Rubric): CostBasis {
  return rubric.cost.usdPer1MTokens !== undefined ? { kind: 'tokens', usdPer1MTokens: rubric.cost.usdPer1MTokens } : { kind: 'compute', usdPerHour: rubric.cost.usdPerComputeHour };
}

/**
 * Evaluates a stored adapter on a dataset version's test split against a baseline and stores the
 * report as JSON, HTML and Markdown. `fewshot:base` is the offline baseline: the same base model
 * prompted with examples from the training split, priced like the adapter (measured compute time).
 */
export async function evaluateAdapter(options: EvaluateAdapterOptions): Promise<{ report: EvalReport; keys: ReturnType<typeof reportKeys> }> {
  const { store, rubric, dataset } = options;
  const split = dataset.splits.test.records > 0 ? 'test' : 'validation';
  const { items } = await readItems(store, dataset, split, rubric.maxItems);
  if (items.length === 0) throw new Error(`dataset ${dataset.name}@${dataset.id} has no test or validation items to evaluate on`);
  const id = evalId({ adapter: options.adapter.reference, artifactSha256: options.adapter.artifactSha256, dataset: `${dataset.name}@${dataset.id}`, baselineSpec: options.baselineSpec, rubric });
  const { model, adapter } = await loadStoredAdapter({ store, key: options.adapter.artifactKey, baseModel: options.adapter.baseModel, cacheDir: options.cacheDir, backend: options.backend, log: options.log });
  try {
    const candidate: EvalParticipant = {
      provider: createLocalModelProvider({ id: options.adapter.reference, description: `LoRA adapter ${options.adapter.reference} on ${options.adapter.baseModel}, in process (${model.backend.name})`, model, adapter }),
      description: `LoRA adapter ${options.adapter.reference} on ${options.adapter.baseModel}, in process (${model.backend.name})`,
      cost: computeBasis(rubric),
    };
    const baseline = await baselineParticipant(options, model, dataset);
    const report = await runEval({
      id,
      store,
      items,
      candidate,
      baseline,
      rubric,
      catalog: loadPriceCatalog(),
      adapter: options.adapter.reference,
      dataset: `${dataset.name}@${dataset.id}`,
      baselineSpec: options.baselineSpec,
      trainingLoss: options.adapter.trainingLoss,
      signal: options.signal,
      log: options.log,
      onProgress: options.onProgress,
    });
    const keys = reportKeys(id);
    await store.writeJson(keys.json, report);
    await store.put(keys.html, renderReportHtml(report));
    await store.put(keys.markdown, renderReportMarkdown(report));
    return { report, keys };
  } finally {
    adapter.dispose();
    model.dispose();
  }
}

async function baselineParticipant(options: EvaluateAdapterOptions, model: LanguageModel, dataset: DatasetManifest): Promise<EvalParticipant> {
  const spec = options.baselineSpec;
  if (spec === 'fewshot:base' || spec.startsWith('fewshot:base:')) {
    const count = spec === 'fewshot:base' ? (options.fewShot ?? 4) : Number(spec.slice('fewshot:base:'.length));
    const { records } = await readItems(options.store, dataset, 'train', 200);
    const turns = fewShotTurns(records, count);
    const description = `offline baseline: the base model ${options.adapter.baseModel} without the adapter, prompted with ${count} examples from the training split (${model.backend.name}); priced by measured compute like the adapter`;
    return {
      provider: createLocalModelProvider({ id: `fewshot:${options.adapter.baseModel}`, description, model, fewShot: turns }),
      description,
      cost: computeBasis(options.rubric),
    };
  }
  const parsed = parseBaselineSpec(spec, { providers: options.providers });
  const recordedItems = parsed.kind === 'recorded' ? (await readItems(options.store, dataset, dataset.splits.test.records > 0 ? 'test' : 'validation', options.rubric.maxItems)).recorded : undefined;
  const provider = createBaselineProvider(parsed, { cache: new ResponseCache(options.store), env: options.env ?? process.env, log: options.log, recordedItems });
  const reference = options.rubric.cost.baselinePrice ?? (parsed.kind === 'named' ? `${parsed.provider}:${parsed.model}` : `${parsed.kind}:${parsed.model}`);
  const description = parsed.kind === 'recorded' ? 'recorded baseline: the responses and token usage stored with each dataset record' : `${provider.id} at ${provider.endpoint}`;
  return { provider, description, cost: { kind: 'catalog', reference } };
}
