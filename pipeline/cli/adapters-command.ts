import { Option, type Command } from 'commander';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readAll, UsageError, type ArtifactStore } from '../../core/index.js';
import { createHash } from 'node:crypto';
import { adapterName, loadModelFolder, mergeAdapter, readPeftFolder, resolveModel, writeFolderAtomically, writeMergedFolder, writePeftFolder, type AdapterVersion } from '../../adapters/index.js';
import { withContext } from './cli-context.js';
import { formatTime, printJson, printTable } from './output.js';

/** `lora adapters show --json`: the contract scripts rely on. */
export function adapterJson(version: AdapterVersion): unknown {
  return {
    name: version.name,
    version: version.version,
    reference: `${version.name}@v${version.version}`,
    aliases: version.aliases,
    artifact: version.artifact,
    baseModel: version.baseModel,
    dataset: version.dataset,
    hyperparameters: version.hyperparameters,
    metrics: version.metrics,
    eval: { reportId: version.eval?.reportId ?? null, verdict: version.eval?.verdict ?? null, gatePassed: version.eval?.gatePassed ?? null, baseline: version.eval?.baseline ?? null },
    backend: version.backend,
    runId: version.runId,
    createdBy: version.createdBy,
    createdAt: version.createdAt,
  };
}

/** The files of a PEFT folder; our own manifest stays in the store. */
const peftFiles = new Set(['adapter_config.json', 'adapter_model.safetensors', 'README.md']);

async function downloadPrefix(store: ArtifactStore, prefix: string, folder: string): Promise<string[]> {
  await mkdir(folder, { recursive: true });
  const names: string[] = [];
  for await (const object of store.list(prefix)) {
    const name = object.key.slice(prefix.length);
    if (!peftFiles.has(name)) continue;
    await writeFile(join(folder, name), await readAll(await store.get(object.key)));
    names.push(name);
  }
  return names.sort();
}

/** `lora adapters …`: the registry's versions, and their export as PEFT folders or merged models. */
export function registerAdaptersCommand(program: Command): void {
  const adapters = program.command('adapters').description('trained adapters in the registry: list, show, history and export');

  adapters
    .command('list')
    .description('list registered adapter versions, newest first')
    .option('--name <name>', 'only this adapter name')
    .option('--json', 'print JSON')
    .action(
      withContext(async (context, options: { name?: string; json?: boolean }) => {
        const { adapters: registry } = await context.runtime();
        const versions = await registry.list(options.name);
        if (options.json) return printJson(versions.map(adapterJson));
        printTable(
          ['ADAPTER', 'ALIASES', 'BASE MODEL', 'DATASET', 'VAL LOSS', 'CREATED'],
          versions.map((version) => [
            `${version.name}@v${version.version}`,
            version.aliases.join(',') || '-',
            version.baseModel.name,
            `${version.dataset.name}@${version.dataset.version}`,
            typeof version.metrics.bestValidationLoss === 'number' ? version.metrics.bestValidationLoss.toFixed(3) : '-',
            formatTime(Date.parse(version.createdAt)),
          ]),
        );
      }),
    );

  adapters
    .command('show')
    .description('show one adapter version')
    .argument('<adapter>', 'NAME (its production version, else the newest), NAME@vN or NAME@alias')
    .option('--json', 'print JSON')
    .action(
      withContext(async (context, reference: string, options: { json?: boolean }) => {
        const { adapters: registry } = await context.runtime();
        const version = await registry.show(reference);
        if (options.json) return printJson(adapterJson(version));
        printTable(
          ['FIELD', 'VALUE'],
          [
            ['adapter', `${version.name}@v${version.version}`],
            ['aliases', version.aliases.join(', ') || '-'],
            ['artifact', `${version.artifact.uri} (sha256 ${version.artifact.sha256})`],
            ['base model', `${version.baseModel.name} (sha256 ${version.baseModel.sha256})`],
            ['dataset', `${version.dataset.name}@${version.dataset.version}`],
            ['backend', version.backend],
            ['run', version.runId ?? '-'],
            ['metrics', JSON.stringify(version.metrics)],
            ['created', `${version.createdAt} by ${version.createdBy}`],
          ],
        );
      }),
    );

  adapters
    .command('history')
    .description("an adapter name's ledger: every registration and alias change")
    .argument('<name>', 'adapter name')
    .option('--json', 'print JSON')
    .action(
      withContext(async (context, name: string, options: { json?: boolean }) => {
        const { adapters: registry } = await context.runtime();
        const entries = await registry.history(name);
        if (options.json) return printJson(entries);
        printTable(
          ['WHEN', 'ACTION', 'VERSION', 'ALIAS', 'FROM', 'BY', 'REASON'],
          entries.map((entry) => [entry.at, entry.action, `v${entry.version}`, entry.alias ?? '-', entry.from === null ? '-' : `v${entry.from}`, entry.actor, entry.reason ?? '-']),
        );
      }),
    );

  adapters
    .command('promote')
    .description("point production (or staging) at a version; refused unless its eval passed the gate, or --force with --reason")
    .argument('<adapter>', 'NAME@vN')
    .addOption(new Option('--to <alias>', 'the alias to move').choices(['production', 'staging']).default('production'))
    .option('--force', 'promote although the gate did not pass (needs --reason)')
    .option('--reason <text>', 'why; recorded in the ledger')
    .option('--json', 'print JSON')
    .action(
      withContext(async (context, reference: string, options: { to: 'production' | 'staging'; force?: boolean; reason?: string; json?: boolean }) => {
        const { adapters: registry } = await context.runtime();
        const { version, from } = await registry.promote(reference, options.to, { force: options.force, reason: options.reason });
        if (options.json) return printJson({ adapter: `${version.name}@v${version.version}`, alias: options.to, from: from === null ? null : `${version.name}@v${from}` });
        process.stdout.write(`${version.name}@v${version.version} is now ${options.to}${from === null ? '' : ` (was v${from})`}\n`);
      }),
    );

  adapters
    .command('rollback')
    .description('return production to the previous production version')
    .argument('<name>', 'adapter name')
    .option('--reason <text>', 'why; recorded in the ledger')
    .option('--json', 'print JSON')
    .action(
      withContext(async (context, name: string, options: { reason?: string; json?: boolean }) => {
        const { adapters: registry } = await context.runtime();
        const { from, to } = await registry.rollback(name, { reason: options.reason });
        if (options.json) return printJson({ name, from: `${name}@v${from}`, to: `${name}@v${to}` });
        process.stdout.write(`${name}: production is back at v${to} (was v${from})\n`);
      }),
    );

  adapters
    .command('import')
    .description('register a PEFT adapter trained elsewhere as a new candidate version, after checking it against its base model')
    .argument('<dir>', 'a PEFT folder: adapter_config.json and adapter_model.safetensors')
    .requiredOption('--name <adapter>', 'adapter name in the registry')
    .requiredOption('--base <model>', 'its base model: builtin:tiny, a pulled ORG/NAME, or a local model folder')
    .option('--json', 'print JSON')
    .action(
      withContext(async (context, dir: string, options: { name: string; base: string; json?: boolean }) => {
        const name = adapterName.safeParse(options.name);
        if (!name.success) throw new UsageError(`--name must be lowercase letters, digits and "-", got ${JSON.stringify(options.name)}`);
        const runtime = await context.runtime();
        const config = await context.config();
        const base = await resolveModel(options.base, { store: runtime.store, cacheDir: config.model.cacheDir });
        const loaded = await loadModelFolder(base.folder);
        const peft = await readPeftFolder(dir, loaded.config);
        // Stored in our own canonical form (PEFT's names, float32), under a content-addressed key.
        const scratch = await mkdtemp(join(tmpdir(), 'lora-import-'));
        try {
          const folder = join(scratch, 'peft');
          await writePeftFolder(folder, {
            adapter: { tensors: peft.tensors, settings: peft.settings, config: loaded.config },
            baseModelName: base.name,
            card: { title: `${name.data} (imported from ${dir})`, description: peft.ignoredKeys.length > 0 ? `Ignored adapter_config.json keys: ${peft.ignoredKeys.join(', ')}` : undefined },
          });
          const weights = await readFile(join(folder, 'adapter_model.safetensors'));
          const sha256 = createHash('sha256').update(weights).digest('hex');
          const key = `imports/${sha256.slice(0, 16)}/`;
          for (const file of await readdir(folder)) await runtime.store.put(`${key}${file}`, await readFile(join(folder, file)));
          const version = await runtime.adapters.register({
            name: name.data,
            artifact: { uri: `${runtime.store.url.replace(/\/$/, '')}/${key}`, key, sha256 },
            baseModel: { name: base.name, sha256: loaded.sha256 },
            dataset: { name: 'imported', version: peft.baseModelName ?? 'unknown' },
            hyperparameters: { lora: peft.settings, importedFrom: dir, ignoredKeys: peft.ignoredKeys },
            metrics: {},
            backend: 'none',
            runId: null,
          });
          if (options.json) return printJson({ ...(adapterJson(version) as object), ignoredKeys: peft.ignoredKeys });
          process.stdout.write(`registered ${version.name}@v${version.version} (candidate) from ${dir}${peft.ignoredKeys.length > 0 ? `; ignored keys: ${peft.ignoredKeys.join(', ')}` : ''}\n`);
        } finally {
          await rm(scratch, { recursive: true, force: true });
        }
      }),
    );

  adapters
    .command('export')
    .description('write an adapter version to a folder: as a PEFT adapter (PEFT, vLLM, LoRAX) or merged into its base model')
    .argument('<adapter>', 'NAME, NAME@vN or NAME@alias')
    .addOption(new Option('--format <format>', 'peft: adapter_config.json + adapter_model.safetensors; merged: a full model folder').choices(['peft', 'merged']).default('peft'))
    .requiredOption('--out <dir>', 'folder to write (must not exist or be empty)')
    .option('--json', 'print JSON')
    .action(
      withContext(async (context, reference: string, options: { format: 'peft' | 'merged'; out: string; json?: boolean }) => {
        const runtime = await context.runtime();
        const version = await runtime.adapters.show(reference);
        const config = await context.config();
        const existing = await readdir(options.out).catch(() => []);
        if (existing.length > 0) throw new UsageError(`--out ${options.out} is not empty; choose a new folder`, { code: 'folder-exists' });
        if (options.format === 'peft') {
          let files: string[] = [];
          await writeFolderAtomically(options.out, async (scratch) => void (files = await downloadPrefix(runtime.store, version.artifact.key, scratch)), true);
          if (files.length === 0) throw new UsageError(`adapter ${reference}: no files under ${version.artifact.uri}`, { code: 'adapter-artifact-missing' });
          if (options.json) return printJson({ adapter: `${version.name}@v${version.version}`, format: 'peft', out: options.out, files });
          process.stdout.write(`wrote ${files.join(', ')} to ${options.out}\n`);
          return;
        }
        const base = await resolveModel(version.baseModel.name, { store: runtime.store, cacheDir: config.model.cacheDir });
        const scratch = await mkdtemp(join(tmpdir(), 'lora-export-'));
        try {
          await downloadPrefix(runtime.store, version.artifact.key, scratch);
          const loaded = await loadModelFolder(base.folder);
          if (loaded.sha256 !== version.baseModel.sha256) {
            throw new UsageError(`adapter ${reference} was trained on ${version.baseModel.name} with sha256 ${version.baseModel.sha256}, but that model is now ${loaded.sha256}`, { code: 'base-model-changed' });
          }
          const peft = await readPeftFolder(scratch, loaded.config);
          const merged = mergeAdapter(loaded.weights, loaded.config, peft.settings, peft.tensors);
          await writeMergedFolder(options.out, base.folder, merged, { replace: true });
          if (options.json) return printJson({ adapter: `${version.name}@v${version.version}`, format: 'merged', out: options.out, baseModel: version.baseModel.name });
          process.stdout.write(`wrote ${version.name}@v${version.version} merged into ${version.baseModel.name} to ${options.out}\n`);
        } finally {
          await rm(scratch, { recursive: true, force: true });
        }
      }),
    );
}
