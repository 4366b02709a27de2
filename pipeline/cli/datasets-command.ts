import { Option, type Command } from 'commander';
import {
  curateDataset,
  curationConfig,
  datasetName,
  diffDatasets,
  listDatasets,
  resolveDataset,
  splitLines,
  splitNames,
  type CurationConfig,
  type DatasetManifest,
  type SplitName,
} from '../../datasets/index.js';
import { UsageError, fromZodIssues, formatIssues } from '../../core/index.js';
import { loadDocument } from '../load-spec.js';
import { withContext } from './cli-context.js';
import { formatTime, printJson, printTable } from './output.js';
import { openProgress } from './progress-bar.js';

/** `lora datasets curate --json`: the contract scripts rely on. */
export function curationJson(manifest: DatasetManifest, created: boolean, manifestKey: string): unknown {
  const { counts } = manifest;
  return {
    id: manifest.id,
    name: manifest.name,
    created,
    manifestKey,
    counts: {
      input: counts.input,
      invalid: counts.invalid,
      exactDuplicates: counts.exactDuplicates,
      nearDuplicates: counts.nearDuplicates,
      filtered: counts.filtered,
      piiDropped: counts.piiDropped,
      decontaminated: counts.decontaminated,
      kept: counts.kept,
    },
    pii: manifest.pii,
    splits: { train: manifest.splits.train.records, validation: manifest.splits.validation.records, test: manifest.splits.test.records },
    issues: manifest.issues.map((issue) => ({ line: issue.line ?? null, code: issue.code, path: issue.path, message: issue.message })),
  };
}

function printManifest(manifest: DatasetManifest): void {
  const { counts } = manifest;
  process.stdout.write(`dataset ${manifest.name}@${manifest.id}, curated ${manifest.createdAt} from ${manifest.source.uri}\n`);
  printTable(
    ['STEP', 'RECORDS'],
    (['input', 'invalid', 'filtered', 'piiDropped', 'exactDuplicates', 'nearDuplicates', 'decontaminated', 'kept'] as const).map((step) => [step, String(counts[step])]),
  );
  if (Object.keys(manifest.pii).length > 0) process.stdout.write(`PII: ${Object.entries(manifest.pii).map(([type, count]) => `${type} ${count}`).join(', ')}\n`);
  printTable(
    ['SPLIT', 'RECORDS', 'TOKENS p50', 'p95', 'max', 'LABELS'],
    splitNames.map((name) => {
      const split = manifest.splits[name];
      return [name, String(split.records), String(split.tokens.p50), String(split.tokens.p95), String(split.tokens.max), Object.entries(split.labels).map(([label, count]) => `${label}:${count}`).join(' ')];
    }),
  );
  for (const issue of manifest.issues.slice(0, 5)) process.stdout.write(`  line ${issue.line ?? '?'}: ${issue.code} ${issue.path === '' ? '' : `"${issue.path}" `}${issue.message}\n`);
}

/** Validates the name given with `--name`. */
function parseName(name: string): string {
  const parsed = datasetName.safeParse(name);
  if (!parsed.success) throw new UsageError(`--name ${formatIssues('', fromZodIssues(parsed.error.issues, name)).replace(/^: /, '')}`);
  return parsed.data;
}

interface CurateOptions {
  name: string;
  config?: string;
  format?: string;
  pii?: string;
  maxInvalid?: string;
  benchmark?: string[];
  workers?: string;
  json?: boolean;
}

/** The `--workers` flag: `auto` or a whole number of threads (0 prepares records on the main thread). */
function parseWorkers(value: string | undefined): number | 'auto' {
  if (value === undefined || value === 'auto') return 'auto';
  if (!/^\d+$/.test(value)) throw new UsageError(`--workers must be "auto" or a whole number of threads such as 2, got ${JSON.stringify(value)}`);
  return Number(value);
}

/** The curation settings: the `--config` file, then the flags that override it. */
async function curationSettings(options: CurateOptions): Promise<CurationConfig> {
  const base = options.config === undefined ? {} : await loadDocument(curationConfig, options.config, 'curation config');
  const overrides: Record<string, unknown> = { ...base };
  if (options.format !== undefined) overrides.format = options.format;
  if (options.pii !== undefined) overrides.pii = { ...(base as CurationConfig).pii, mode: options.pii };
  if (options.maxInvalid !== undefined) overrides.maxInvalid = /^\d+$/.test(options.maxInvalid) ? Number(options.maxInvalid) : options.maxInvalid;
  if (options.benchmark !== undefined) overrides.decontamination = { ...(base as CurationConfig).decontamination, benchmarks: options.benchmark };
  const parsed = curationConfig.safeParse(overrides);
  if (!parsed.success) throw new UsageError(`invalid curation settings:\n${formatIssues('flags', fromZodIssues(parsed.error.issues, overrides))}`);
  return parsed.data;
}

/** `lora datasets …`: curate, list, show, diff and export dataset versions. */
export function registerDatasetsCommand(program: Command): void {
  const datasets = program.command('datasets').description('curate training data into versioned datasets');

  datasets
    .command('curate')
    .description('validate, normalise, scrub PII, dedupe, decontaminate and split a dataset into a new version in the store')
    .argument('<source>', 'a local file, s3://BUCKET/KEY or store:KEY (OpenAI chat JSONL, Alpaca, prompt/completion JSONL, CSV or TSV)')
    .requiredOption('--name <name>', 'the dataset name')
    .option('--config <file>', 'curation settings (YAML or JSON)')
    .addOption(new Option('--format <format>', 'input format (detected by default)').choices(curationConfig.shape.format.unwrap().options))
    .addOption(new Option('--pii <mode>', 'replace PII with typed placeholders, drop records that have any, or leave it').choices(['replace', 'drop', 'off']))
    .option('--max-invalid <limit>', 'fail when more records than this are invalid: a count or a percentage (5%)')
    .option('--benchmark <file...>', 'benchmark files whose n-grams training records must not share')
    .option('--workers <count>', 'threads for the per-record steps: auto (one per core for inputs over 4 MB) or a number; the result is the same', 'auto')
    .option('--json', 'print the outcome as JSON')
    .action(
      withContext(async (context, source: string, options: CurateOptions) => {
        const name = parseName(options.name);
        const config = await curationSettings(options);
        const workers = parseWorkers(options.workers);
        const open = await context.sourceOpener();
        const opened = await open(source);
        const progress = openProgress(`curate ${name}`);
        try {
          const outcome = await curateDataset({
            name,
            source: { uri: source, bytes: opened.bytes, open: async () => opened.stream },
            benchmarks: config.decontamination.benchmarks.map((uri) => ({ uri, open: async () => (await open(uri)).stream })),
            config,
            store: await context.store(),
            workers,
            onProgress: (update) => progress.update(update.fraction, `${update.phase}: ${update.records} records`),
          });
          progress.stop();
          if (options.json) return printJson(curationJson(outcome.manifest, outcome.created, outcome.manifestKey));
          printManifest(outcome.manifest);
          process.stdout.write(`${outcome.created ? 'stored' : 'already stored'} ${(await context.store()).url}/${outcome.manifestKey}\n`);
        } finally {
          progress.stop();
        }
      }),
    );

  datasets
    .command('list')
    .description('list dataset versions, newest first')
    .option('--json', 'print JSON')
    .action(
      withContext(async (context, options: { json?: boolean }) => {
        const manifests = await listDatasets(await context.store());
        if (options.json) return printJson(manifests.map((manifest) => ({ id: manifest.id, name: manifest.name, createdAt: manifest.createdAt, counts: manifest.counts, source: manifest.source.uri })));
        if (manifests.length === 0) return void process.stdout.write('no datasets\n');
        printTable(
          ['NAME', 'ID', 'CREATED', 'KEPT', 'INPUT', 'SOURCE'],
          manifests.map((manifest) => [manifest.name, manifest.id, formatTime(Date.parse(manifest.createdAt)), String(manifest.counts.kept), String(manifest.counts.input), manifest.source.uri]),
        );
      }),
    );

  datasets
    .command('show')
    .description('show a dataset version (the newest when no @ID is given)')
    .argument('<ref>', 'NAME or NAME@ID')
    .option('--json', 'print the manifest as JSON')
    .action(
      withContext(async (context, reference: string, options: { json?: boolean }) => {
        const manifest = await resolveDataset(await context.store(), reference);
        if (options.json) printJson(manifest);
        else printManifest(manifest);
      }),
    );

  datasets
    .command('diff')
    .description('compare two dataset versions: settings, counts, and records added and removed per split')
    .argument('<a>', 'NAME or NAME@ID')
    .argument('<b>', 'NAME or NAME@ID')
    .option('--json', 'print JSON')
    .action(
      withContext(async (context, first: string, second: string, options: { json?: boolean }) => {
        const store = await context.store();
        const diff = await diffDatasets(store, await resolveDataset(store, first), await resolveDataset(store, second));
        if (options.json) return printJson(diff);
        process.stdout.write(`${diff.from} → ${diff.to}\n`);
        for (const change of diff.config) process.stdout.write(`  config ${change.path}: ${JSON.stringify(change.from)} → ${JSON.stringify(change.to)}\n`);
        for (const change of diff.counts) process.stdout.write(`  ${change.step}: ${change.from} → ${change.to}\n`);
        printTable(
          ['SPLIT', 'FROM', 'TO', 'ADDED', 'REMOVED'],
          splitNames.map((name) => [name, String(diff.splits[name].from), String(diff.splits[name].to), String(diff.splits[name].added), String(diff.splits[name].removed)]),
        );
      }),
    );

  datasets
    .command('export')
    .description('print one split of a dataset version as JSONL on stdout')
    .argument('<ref>', 'NAME or NAME@ID')
    .addOption(new Option('--split <split>', 'which split').choices(splitNames).default('train'))
    .action(
      withContext(async (context, reference: string, options: { split: SplitName }) => {
        const store = await context.store();
        const manifest = await resolveDataset(store, reference);
        for await (const line of splitLines(store, manifest, options.split)) {
          if (!process.stdout.write(`${line}\n`)) await new Promise((resolve) => process.stdout.once('drain', resolve));
        }
      }),
    );
}
