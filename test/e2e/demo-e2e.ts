// `npm run e2e`: the newcomer's path, checked. Clones this repository's committed state into a temporary folder,
// runs `npm ci` and `npm run demo` there as a newcomer would (default store, local Redis), then checks the summary the
// demo prints and the artifacts it leaves: dataset version, PEFT adapter folder, eval report JSON and HTML, registry
// ledger. Exits 1 on the first failed check; prints how long each step took.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

const started = Date.now();
const seconds = () => ((Date.now() - started) / 1000).toFixed(0);
let failures = 0;

function check(description: string, condition: boolean, detail = ''): void {
  process.stdout.write(`${condition ? 'PASS' : 'FAIL'} ${description}${condition || detail === '' ? '' : `: ${detail}`}\n`);
  if (!condition) failures += 1;
}

function step(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): string {
  process.stdout.write(`[${seconds()} s] $ ${command} ${args.join(' ')}\n`);
  const result = spawnSync(command, args, { cwd, env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (result.status !== 0) {
    process.stdout.write(result.stdout ?? '');
    process.stderr.write(result.stderr ?? '');
    throw new Error(`${command} ${args.join(' ')} exited with ${result.status}`);
  }
  return result.stdout;
}

const workspace = mkdtempSync(join(tmpdir(), 'lora-e2e-'));
const clone = join(workspace, 'lora');
const prefix = `e2e${randomBytes(4).toString('hex')}`;
try {
  execFileSync('git', ['clone', '--quiet', process.cwd(), clone]);
  step('npm', ['ci', '--no-audit', '--no-fund', '--prefer-offline'], clone);
  const output = step('npm', ['run', '--silent', 'demo'], clone, { LORA_REDIS_PREFIX: prefix, LORA_LOG_LEVEL: 'warn' });
  const demoSeconds = Number(seconds());
  process.stdout.write(output.split('\n').filter((line) => /^(run |  \w+:|artifacts:)/.test(line)).join('\n') + '\n');

  // The summary.
  const runId = /^run (run-[0-9a-f]{16}(?:-r\d+)?): completed$/m.exec(output)?.[1];
  check('the run completed', runId !== undefined);
  check('the summary names the dataset version', /curate: dataset ds-[0-9a-f]{16}: 239 records kept, 2 rejected/.test(output));
  check('the summary reports the trained adapter', /train: LoRA adapter on builtin:tiny \((wasm|cpu|tensorflow)\): \d+ steps/.test(output));
  const evalLine = /eval: (WIN|NON_INFERIOR|LOSE|INCONCLUSIVE);.*accuracy (\d\.\d{3}) vs (\d\.\d{3}).*cost per 1,000 requests \$(\S+) vs \$(\S+) \(ratio (\S+)\); report (file:\S+report\.html)/.exec(output);
  check('the summary gives the quality of both sides, their cost per 1,000 requests, the verdict and the report', evalLine !== null, output);
  check('the summary names the version registered', /register: support-triage@v\d+ /.test(output));
  check('one request was answered through lora serve', /router: POST http:\/\/127\.0\.0\.1:\d+\/v1\/chat\/completions \{model: "support-triage"\} → support-triage@v\d+ answered/.test(output) || /router: skipped/.test(output));

  // The artifacts.
  const store = join(clone, '.lora');
  const datasets = join(store, 'datasets', 'support-triage');
  const version = existsSync(datasets) ? readdirSync(datasets).find((name) => name.startsWith('ds-')) : undefined;
  check('the dataset version has its manifest and card', version !== undefined && existsSync(join(datasets, version, 'manifest.json')) && existsSync(join(datasets, version, 'card.md')));
  const adapter = join(store, 'runs', runId ?? 'missing', 'adapter');
  check('the adapter is a PEFT folder', ['adapter_config.json', 'adapter_model.safetensors', 'README.md'].every((file) => existsSync(join(adapter, file))));
  if (existsSync(join(adapter, 'adapter_config.json'))) {
    const config = JSON.parse(readFileSync(join(adapter, 'adapter_config.json'), 'utf8')) as Record<string, unknown>;
    check('adapter_config.json is PEFT LoRA for a causal LM', config.peft_type === 'LORA' && config.task_type === 'CAUSAL_LM' && Array.isArray(config.target_modules));
  }
  const reportHtml = evalLine?.[7]?.replace(/^file:\/\//, '');
  check('the HTML report exists and is self-contained', reportHtml !== undefined && existsSync(reportHtml) && !/(src|href)="https?:/.test(readFileSync(reportHtml, 'utf8')));
  const reportJson = reportHtml?.replace(/report\.html$/, 'report.json');
  if (reportJson !== undefined && existsSync(reportJson)) {
    const report = JSON.parse(readFileSync(reportJson, 'utf8')) as { schemaVersion: number; n: number; verdict: string; priceCatalogVersion: string };
    check('the JSON report has a schema version, n, a verdict and the price catalog version', report.schemaVersion === 1 && report.n > 0 && report.verdict === evalLine?.[1] && report.priceCatalogVersion.length > 0);
  } else check('the JSON report exists', false);
  const ledger = join(store, 'registry', 'adapters', 'support-triage', 'ledger');
  const entries = existsSync(ledger) ? readdirSync(ledger).map((file) => JSON.parse(readFileSync(join(ledger, file), 'utf8')) as { action: string }) : [];
  check('the registry ledger records the registration and the evaluation', entries.some((entry) => entry.action === 'registered') && entries.some((entry) => entry.action === 'evaluated'));
  check('the demo ran in under 10 minutes', demoSeconds < 600, `${demoSeconds} s`);
  process.stdout.write(`demo: ${demoSeconds} s in all (clone and npm ci included)\n`);
} catch (error) {
  check('the newcomer path ran', false, (error as Error).message);
} finally {
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } catch {
    // A private Redis (started by the demo under the clone) goes away with the folder.
  } finally {
    redis.disconnect();
  }
  rmSync(workspace, { recursive: true, force: true });
}
process.stdout.write(failures === 0 ? 'e2e: all checks passed\n' : `e2e: ${failures} check(s) failed\n`);
process.exitCode = failures === 0 ? 0 : 1;
