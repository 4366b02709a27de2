// Curation throughput and memory: generates synthetic records with planted duplicates, near-duplicates
// and PII, curates them, and prints records per second end to end and per step, and peak RSS.
// It measures the code users run: `dist/`, compiled first, in a fresh process per run, so that each
// peak RSS is the curation's own (and worker threads load JavaScript, not TypeScript through tsx).
import { spawnSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, open, rm, stat, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { syntheticChatLines } from './synthetic-chat.js';

const root = resolve(import.meta.dirname, '..');

async function generate(path: string, records: number): Promise<void> {
  const output = createWriteStream(path);
  for (const line of syntheticChatLines(records, { exactDuplicates: 0.02, nearDuplicates: 0.03, pii: 0.05 })) {
    if (!output.write(`${line}\n`)) await once(output, 'drain');
  }
  output.end();
  await once(output, 'close');
  // On disk before the clock starts: otherwise the kernel writes the fresh input back during the first run.
  const file = await open(path, 'r+');
  try {
    await file.datasync();
  } finally {
    await file.close();
  }
}

/** Compiles the project into `dist/` (`npm run build`), so that the runs measure the shipped code. */
function build(): void {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`tsc -p tsconfig.build.json failed with exit code ${result.status}`);
}

/** The child: curates one file with the compiled code and prints what happened as JSON. */
const runner = `
const [datasetsUrl, coreUrl, input, store, workers] = process.argv.slice(2);
const { createReadStream, statSync } = await import('node:fs');
const { curateDataset, curationConfig } = await import(datasetsUrl);
const { FileStore } = await import(coreUrl);
const bytes = statSync(input).size;
const rssBefore = process.memoryUsage().rss;
const started = performance.now();
const outcome = await curateDataset({
  name: 'bench',
  source: { uri: input, bytes, open: async () => createReadStream(input, { highWaterMark: 1 << 20 }) },
  config: curationConfig.parse({}),
  store: new FileStore(store),
  workers: workers === 'auto' ? 'auto' : Number(workers),
});
const seconds = (performance.now() - started) / 1000;
process.stdout.write(JSON.stringify({ seconds, bytes, rssBefore, maxRss: process.resourceUsage().maxRSS * 1024, workers: outcome.workers, counts: outcome.manifest.counts, pii: outcome.manifest.pii, timings: outcome.timings }));
`;

interface RunResult {
  seconds: number;
  bytes: number;
  rssBefore: number;
  maxRss: number;
  workers: number;
  counts: Record<string, number>;
  pii: Record<string, number>;
  timings: Record<string, number>;
}

function curateInChild(runnerPath: string, input: string, store: string, workers: string): RunResult {
  const urls = ['dist/datasets/index.js', 'dist/core/index.js'].map((path) => pathToFileURL(join(root, path)).href);
  // Plain node, without the loader tsx put in NODE_OPTIONS for this process: the child runs compiled JavaScript.
  const env = { ...process.env, NODE_OPTIONS: '' };
  const child = spawnSync(process.execPath, [runnerPath, ...urls, input, store, workers], { encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24 });
  if (child.status !== 0) throw new Error(`the curation run failed with exit code ${child.status}`);
  return JSON.parse(child.stdout) as RunResult;
}

function report(records: number, result: RunResult): void {
  const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
  const { counts, timings } = result;
  const rate = (ms: number | undefined) => `${((ms ?? 0) / 1000).toFixed(2)} s (${ms ? (records / (ms / 1000)).toFixed(0) : '∞'}/s)`;
  process.stdout.write(
    `${records.toLocaleString('en')} records (${mib(result.bytes)} MiB), ${result.workers} workers: ${(records / result.seconds).toFixed(0)} records/s end to end (${result.seconds.toFixed(1)} s), peak RSS ${mib(result.maxRss)} MiB (${mib(result.rssBefore)} MiB before curating)\n`,
  );
  process.stdout.write(
    `  removed: ${counts.invalid} invalid, ${counts.filtered} filtered, ${counts.exactDuplicates} exact and ${counts.nearDuplicates} near duplicates, ${counts.decontaminated} decontaminated; kept ${counts.kept}; PII ${JSON.stringify(result.pii)}\n`,
  );
  const threads = result.workers === 0 ? 'the main thread' : `${result.workers} worker threads, time summed over them`;
  process.stdout.write(`  pass 1, per-record steps on ${threads}: parse ${rate(timings.parse)}, normalize ${rate(timings.normalize)}, pii ${rate(timings.pii)}, quality ${rate(timings.quality)}, keys and hashes ${rate(timings.hashing)}\n`);
  process.stdout.write(`  pass 1, in order on the main thread: exact dedupe and keeping ${rate(timings.exactDedupe)}, near dedupe ${rate(timings.nearDedupe)}; pass 1 wall time ${rate(timings.read)}\n`);
  process.stdout.write(`  pass 2: splits and test n-grams ${rate(timings.split)}, decontamination and split files ${rate(timings.decontaminate)}; store ${rate(timings.write)}\n`);
}

/**
 * `npm run bench -- curate [--records N] [--workers auto|N]`. Without --records: 100,000 records on
 * the main thread alone and with workers (the ratio is the parallel speed-up), then 1,000,000 with
 * workers (ten times the input: peak RSS shows whether memory stays bounded).
 */
export async function benchCurate(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { records: { type: 'string' }, workers: { type: 'string' } } });
  const workers = values.workers ?? 'auto';
  const runs: Array<[number, string]> = values.records !== undefined ? [[Number(values.records), workers]] : [[100_000, '0'], [100_000, workers], [1_000_000, workers]];
  process.stdout.write(`curate benchmark: synthetic chat records of ~500 characters (2% exact, 3% near duplicates, 5% with PII), node ${process.version}; compiling dist/ first\n`);
  build();
  const folder = await mkdtemp(join(tmpdir(), 'lora-curate-bench-'));
  const runnerPath = join(folder, 'curate-runner.mjs');
  await writeFile(runnerPath, runner);
  try {
    for (const [records, threads] of runs) {
      const input = join(folder, `input-${records}.jsonl`);
      if (!(await stat(input).catch(() => undefined))) await generate(input, records);
      const store = join(folder, `store-${records}-${threads}`);
      report(records, curateInChild(runnerPath, input, store, threads));
      await rm(store, { recursive: true, force: true });
    }
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}
