import { Option, type Command } from 'commander';
import { spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readAll, UsageError, type ArtifactStore } from '../../core/index.js';
import { resolveDataset } from '../../datasets/index.js';
import { evaluateAdapter, evalReport, renderReportHtml, renderReportMarkdown, reportKeys, rubric, type EvalReport } from '../../evals/index.js';
import { loadDocument } from '../load-spec.js';
import { withContext } from './cli-context.js';
import { printJson, printTable } from './output.js';
import { openProgress } from './progress-bar.js';

const money = (value: number | null) => (value === null ? 'unknown' : `$${value < 0.01 ? value.toPrecision(3) : value.toFixed(4)}`);
const range = (ci: [number, number]) => `[${ci[0].toFixed(3)}, ${ci[1].toFixed(3)}]`;

/** The report as `lora evals show --json` prints it: everything but the per-item table. */
export function reportJson(report: EvalReport): unknown {
  const { items: _items, ...rest } = report;
  return rest;
}

/** The terminal summary of a report. */
export function printReport(report: EvalReport, storeUrl: string): void {
  process.stdout.write(`eval ${report.id}: ${report.verdict}, gate ${report.gate.passed ? 'passed' : 'not passed'} — ${report.adapter} vs ${report.baselineSpec} on ${report.dataset} (n = ${report.n}, margin ${report.margin})\n`);
  printTable(
    ['METRIC', 'CANDIDATE', 'BASELINE', 'DIFFERENCE', 'VERDICT', 'McNEMAR p'],
    report.metrics.map((metric) => [
      metric.metric,
      `${report.candidate.quality[metric.metric]!.mean.toFixed(3)} ${range(report.candidate.quality[metric.metric]!.ci)}`,
      `${report.baseline.quality[metric.metric]!.mean.toFixed(3)} ${range(report.baseline.quality[metric.metric]!.ci)}`,
      `${metric.difference.mean.toFixed(3)} ${range(metric.difference.ci)}`,
      metric.itemsToDecide === null ? metric.verdict : `${metric.verdict} (~${metric.itemsToDecide} items would decide)`,
      metric.mcnemar === null ? '-' : metric.mcnemar.pValue.toPrecision(3),
    ]),
  );
  printTable(
    ['SIDE', 'PER 1K REQUESTS', 'PER 1M TOKENS', 'LATENCY p50/p95 ms', 'TOKENS in/out', 'PRICED BY'],
    (['candidate', 'baseline'] as const).map((side) => {
      const value = report[side];
      return [`${side}: ${value.model}`, money(value.cost.usdPer1kRequests), money(value.cost.usdPer1MTokens), `${value.latencyMs.p50.toFixed(0)}/${value.latencyMs.p95.toFixed(0)}`, `${value.usage.promptTokens}/${value.usage.completionTokens}`, value.cost.basis];
    }),
  );
  process.stdout.write(`cost ratio (candidate / baseline per request): ${report.costRatio === null ? 'unknown' : report.costRatio.toFixed(3)}; price catalog ${report.priceCatalogVersion}\n`);
  for (const reason of report.gate.reasons) process.stdout.write(`  gate: ${reason}\n`);
  process.stdout.write(`report: ${storeUrl.replace(/\/$/, '')}/${reportKeys(report.id).html}\n`);
}

async function readReport(store: ArtifactStore, id: string): Promise<EvalReport> {
  const value = await store.readJson(reportKeys(id).json);
  if (value === undefined) throw new UsageError(`eval ${JSON.stringify(id)} does not exist in ${store.url}; see \`lora evals list\``, { code: 'eval-not-found' });
  return evalReport.parse(value);
}

/** `lora evals …`: evaluate adapters against a baseline, and read the reports. */
export function registerEvalsCommand(program: Command): void {
  const evals = program.command('evals').description('evaluate adapters against a baseline model on a cost and quality rubric');

  evals
    .command('run')
    .description("evaluate an adapter version on a dataset version's test split against a baseline, and record the verdict on the version")
    .requiredOption('--adapter <adapter>', 'NAME@vN, NAME@alias or NAME')
    .requiredOption('--dataset <dataset>', 'curated dataset: NAME (newest version) or NAME@ID')
    .option('--baseline <provider:model>', 'fewshot:base (offline), openai:MODEL (OPENAI_BASE_URL, OPENAI_API_KEY), recorded', 'fewshot:base')
    .option('--rubric <file>', 'rubric (YAML or JSON): metrics, weights, thresholds, margin, cost target')
    .option('--json', 'print the report as JSON')
    .action(
      withContext(async (context, options: { adapter: string; dataset: string; baseline: string; rubric?: string; json?: boolean }) => {
        const config = await context.config();
        const runtime = await context.runtime();
        const version = await runtime.adapters.show(options.adapter);
        const manifest = await resolveDataset(runtime.store, options.dataset);
        const settings = options.rubric === undefined ? rubric.parse({}) : await loadDocument(rubric, options.rubric, 'rubric');
        const progress = openProgress(`eval ${version.name}@v${version.version}`);
        let outcome;
        try {
          outcome = await evaluateAdapter({
            store: runtime.store,
            adapter: {
              reference: `${version.name}@v${version.version}`,
              artifactKey: version.artifact.key,
              artifactSha256: version.artifact.sha256,
              baseModel: version.baseModel.name,
              trainingLoss: null,
            },
            dataset: manifest,
            baselineSpec: options.baseline,
            rubric: settings,
            backend: config.model.backend,
            cacheDir: config.model.cacheDir,
            providers: config.evals.providers,
            log: await context.log(),
            onProgress: (done, total) => progress.update(done / total, `${done}/${total} answers`),
          });
        } finally {
          progress.stop();
        }
        const { report } = outcome;
        await runtime.adapters.recordEval(`${version.name}@v${version.version}`, { reportId: report.id, verdict: report.verdict, gatePassed: report.gate.passed, baseline: options.baseline });
        if (options.json) return printJson(reportJson(report));
        printReport(report, runtime.store.url);
      }),
    );

  evals
    .command('list')
    .description('list eval reports, newest first')
    .option('--json', 'print JSON')
    .action(
      withContext(async (context, options: { json?: boolean }) => {
        const store = await context.store();
        const reports: EvalReport[] = [];
        for await (const object of store.list('evals/')) {
          if (object.key.endsWith('/report.json')) reports.push(evalReport.parse(await store.readJson(object.key)));
        }
        reports.sort((left, right) => right.createdAt.localeCompare(left.createdAt));
        if (options.json) return printJson(reports.map((report) => ({ id: report.id, verdict: report.verdict, gatePassed: report.gate.passed, adapter: report.adapter, dataset: report.dataset, baseline: report.baselineSpec, n: report.n, createdAt: report.createdAt })));
        printTable(['EVAL', 'VERDICT', 'GATE', 'ADAPTER', 'BASELINE', 'DATASET', 'N', 'CREATED'], reports.map((report) => [report.id, report.verdict, report.gate.passed ? 'passed' : 'not passed', report.adapter, report.baselineSpec, report.dataset, String(report.n), report.createdAt]));
      }),
    );

  evals
    .command('show')
    .description('show an eval report')
    .argument('<id>', 'eval id (ev-…)')
    .option('--json', 'print the report as JSON')
    .addOption(new Option('--format <format>', 'print the report as Markdown or self-contained HTML').choices(['md', 'html']))
    .option('--open', 'write the HTML report to a temporary file and open it in a browser')
    .action(
      withContext(async (context, id: string, options: { json?: boolean; format?: 'md' | 'html'; open?: boolean }) => {
        const store = await context.store();
        const report = await readReport(store, id);
        if (options.open) {
          const folder = await mkdtemp(join(tmpdir(), 'lora-report-'));
          const path = join(folder, `${report.id}.html`);
          await writeFile(path, renderReportHtml(report));
          const opener = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'start' : 'xdg-open';
          spawn(opener, [path], { detached: true, stdio: 'ignore' }).on('error', () => undefined).unref();
          process.stdout.write(`${path}\n`);
          return;
        }
        if (options.json) return printJson(reportJson(report));
        if (options.format === 'html') return void process.stdout.write((await readAll(await store.get(reportKeys(id).html))).toString('utf8'));
        if (options.format === 'md') return void process.stdout.write(renderReportMarkdown(report));
        printReport(report, store.url);
      }),
    );

  evals
    .command('compare')
    .description('compare eval reports side by side')
    .argument('<ids...>', 'two or more eval ids')
    .option('--json', 'print JSON')
    .action(
      withContext(async (context, ids: string[], options: { json?: boolean }) => {
        const store = await context.store();
        const reports = await Promise.all(ids.map((id) => readReport(store, id)));
        const metrics = [...new Set(reports.flatMap((report) => report.metrics.map((metric) => metric.metric)))];
        const rows = reports.map((report) => ({
          id: report.id,
          adapter: report.adapter,
          baseline: report.baselineSpec,
          verdict: report.verdict,
          quality: Object.fromEntries(metrics.map((metric) => [metric, report.candidate.quality[metric]?.mean ?? null])),
          candidateUsdPer1kRequests: report.candidate.cost.usdPer1kRequests,
          baselineUsdPer1kRequests: report.baseline.cost.usdPer1kRequests,
          costRatio: report.costRatio,
        }));
        if (options.json) return printJson(rows);
        printTable(
          ['EVAL', 'ADAPTER', 'BASELINE', 'VERDICT', ...metrics.map((metric) => metric.toUpperCase()), 'PER 1K (CANDIDATE)', 'RATIO'],
          rows.map((row) => [row.id, row.adapter, row.baseline, row.verdict, ...metrics.map((metric) => (row.quality[metric] === null ? '-' : row.quality[metric]!.toFixed(3))), money(row.candidateUsdPer1kRequests), row.costRatio === null ? 'unknown' : row.costRatio.toFixed(3)]),
        );
      }),
    );
}
