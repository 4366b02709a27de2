// Curation throughput and memory: generates synthetic records with planted duplicates, near-duplicates
// and PII, curates them, and prints records per second end to end and per step, and peak RSS.
// By default it runs twice, on inputs ten times apart, each in a fresh process so that peak RSS is its own.
import { spawnSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createReadStream } from 'node:fs';
import { FileStore } from '../core/index.js';
import { curateDataset, curationConfig } from '../datasets/index.js';
import { syntheticChatLines } from './synthetic-chat.js';

async function generate(path: string, records: number): Promise<void> {
  const output = createWriteStream(path);
  for (const line of syntheticChatLines(records, { exactDuplicates: 0.02, nearDuplicates: 0.03, pii: 0.05 })) {
    if (!output.write(`${line}\n`)) await once(output, 'drain');
  }
  output.end();
  await once(output, 'close');
}

async function runOnce(records: number, workers: number | 'auto'): Promise<void> {
  const folder = await mkdtemp(join(tmpdir(), 'lora-curate-bench-'));
  try {
    const input = join(folder, 'input.jsonl');
    await generate(input, records);
    const { size } = await stat(input);
    const rssBefore = process.memoryUsage().rss;
    const started = performance.now();
    const outcome = await curateDataset({
      name: 'bench',
      source: { uri: input, bytes: size, open: async () => createReadStream(input, { highWaterMark: 1 << 20 }) },
      config: curationConfig.parse({}),
      store: new FileStore(join(folder, 'store')),
      workers,
    });
    const seconds = (performance.now() - started) / 1000;
    const { counts } = outcome.manifest;
    const peakMiB = process.resourceUsage().maxRSS / 1024;
    process.stdout.write(
      `${records.toLocaleString('en')} records (${(size / 2 ** 20).toFixed(0)} MiB), ${outcome.workers} workers: ${(records / seconds).toFixed(0)} records/s end to end (${seconds.toFixed(1)} s), peak RSS ${peakMiB.toFixed(0)} MiB (${(rssBefore / 2 ** 20).toFixed(0)} MiB before curating)\n`,
    );
    process.stdout.write(
      `  removed: ${counts.invalid} invalid, ${counts.filtered} filtered, ${counts.exactDuplicates} exact and ${counts.nearDuplicates} near duplicates, ${counts.decontaminated} decontaminated; kept ${counts.kept}; PII ${JSON.stringify(outcome.manifest.pii)}\n`,
    );
    const rate = (ms: number) => `${(ms / 1000).toFixed(2)} s (${ms > 0 ? (records / (ms / 1000)).toFixed(0) : '∞'}/s)`;
    const { parse, normalize, pii, quality, hashing, exactDedupe, nearDedupe, read, split, decontaminate, write } = outcome.timings;
    const threads = outcome.workers === 0 ? 'the main thread' : `${outcome.workers} worker threads, time summed over them`;
    process.stdout.write(`  pass 1, per-record steps on ${threads}: parse ${rate(parse)}, normalize ${rate(normalize)}, pii ${rate(pii)}, quality ${rate(quality)}, keys and hashes ${rate(hashing)}
`);
    process.stdout.write(`  pass 1, in order on the main thread: exact dedupe and keeping ${rate(exactDedupe)}, near dedupe ${rate(nearDedupe)}; pass 1 wall time ${rate(read)}
`);
    process.stdout.write(`  pass 2: splits and test n-grams ${rate(split)}, decontamination and split files ${rate(decontaminate)}; store ${rate(write)}
`);
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

/**
 * `npm run bench -- curate [--records N] [--workers auto|N]`. Without --records: 100,000 records on
 * the main thread alone and with workers (the ratio is the parallel speed-up), then 1,000,000 with
 * workers, each in a fresh process so that peak RSS is its own.
 */
export async function benchCurate(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { records: { type: 'string' }, workers: { type: 'string' } } });
  const workers = values.workers === undefined || values.workers === 'auto' ? 'auto' : Number(values.workers);
  if (values.records !== undefined) return runOnce(Number(values.records), workers);
  process.stdout.write(`curate benchmark: synthetic chat records of ~500 characters (2% exact, 3% near duplicates, 5% with PII), node ${process.version}\n`);
  for (const [records, threads] of [[100_000, '0'], [100_000, values.workers ?? 'auto'], [1_000_000, values.workers ?? 'auto']] as const) {
    const child = spawnSync(process.execPath, [...process.execArgv, process.argv[1]!, 'curate', '--records', String(records), '--workers', threads], { stdio: 'inherit' });
    if (child.status !== 0) throw new Error(`the ${records}-record run failed with exit code ${child.status}`);
  }
}
