import { Option, type Command, InvalidArgumentError } from 'commander';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from '../../core/index.js';
import { LanguageModel, listModels, loadModelFolder, parameterCount, pullModel, resolveModel, storeModelPrefix } from '../../adapters/index.js';
import { withContext, type CliContext } from './cli-context.js';
import { printJson, printTable } from './output.js';
import { openProgress } from './progress-bar.js';

function integer(minimum: number) {
  return (value: string): number => {
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < minimum) throw new InvalidArgumentError(`must be an integer of at least ${minimum}, got "${value}"`);
    return parsed;
  };
}

function fraction(maximum: number) {
  return (value: string): number => {
    const parsed = Number(value);
    if (!Number.isFinite(parsed) || parsed < 0 || parsed > maximum) throw new InvalidArgumentError(`must be a number from 0 to ${maximum}, got "${value}"`);
    return parsed;
  };
}

const readJsonFile = async (folder: string): Promise<unknown> => JSON.parse(await readFile(join(folder, 'config.json'), 'utf8'));

async function resolveForContext(context: CliContext, name: string) {
  const config = await context.config();
  return resolveModel(name, { store: await context.store(), cacheDir: config.model.cacheDir });
}

interface GenerateOptions {
  prompt: string;
  raw?: boolean;
  system?: string;
  maxTokens: number;
  temperature: number;
  topP: number;
  seed: number;
  stop?: string[];
  backend?: string;
  json?: boolean;
}

/** `lora models …`: list, show, pull from a Hugging Face-style hub, and generate. */
export function registerModelsCommand(program: Command): void {
  const models = program.command('models').description('base models: the built-in tiny model and Hugging Face checkpoints pulled into the store');

  models
    .command('list')
    .description('list the models that can be named in a job spec')
    .option('--json', 'print JSON')
    .action(
      withContext(async (context, options: { json?: boolean }) => {
        const rows = await listModels(await context.store(), readJsonFile);
        if (options.json) return printJson(rows);
        printTable(['NAME', 'ARCHITECTURE', 'PARAMETERS', 'SOURCE'], rows.map((row) => [row.name, row.architecture, row.parameters.toLocaleString('en-US'), row.source]));
      }),
    );

  models
    .command('show')
    .description("show a model's architecture, shape, tokenizer and files")
    .argument('<name>', 'builtin:tiny, ORG/NAME pulled into the store, or a local model folder')
    .option('--json', 'print JSON')
    .action(
      withContext(async (context, name: string, options: { json?: boolean }) => {
        const resolved = await resolveForContext(context, name);
        const folder = await loadModelFolder(resolved.folder);
        const { config } = folder;
        const summary = {
          name: resolved.name,
          architecture: config.architecture,
          parameters: parameterCount(config),
          source: resolved.source,
          builtin: resolved.builtin,
          sha256: folder.sha256,
          config: {
            vocabSize: config.vocabSize,
            hiddenSize: config.hiddenSize,
            intermediateSize: config.intermediateSize,
            layers: config.numLayers,
            attentionHeads: config.numHeads,
            keyValueHeads: config.numKvHeads,
            headDim: config.headDim,
            ropeTheta: config.ropeTheta,
            ropeScaling: config.ropeScaling,
            maxPositionEmbeddings: config.maxPositionEmbeddings,
            tieWordEmbeddings: config.tieWordEmbeddings,
            attentionBias: config.attentionBias,
          },
          chatTemplate: typeof (folder.tokenizerConfig as { chat_template?: unknown } | undefined)?.chat_template === 'string',
          files: folder.files,
        };
        if (options.json) return printJson(summary);
        printTable(
          ['FIELD', 'VALUE'],
          [
            ['name', summary.name],
            ['architecture', summary.architecture],
            ['parameters', summary.parameters.toLocaleString('en-US')],
            ['source', summary.source],
            ['sha256', summary.sha256],
            ...Object.entries(summary.config).map(([key, value]) => [key, JSON.stringify(value)]),
            ['chat template', summary.chatTemplate ? 'yes' : 'no'],
            ['files', summary.files.join(', ')],
          ],
        );
      }),
    );

  models
    .command('pull')
    .description('download a model folder from a Hugging Face-style hub into the store (resumable; HF_TOKEN is sent when set)')
    .argument('<repo>', 'ORG/NAME')
    .option('--revision <revision>', 'branch, tag or commit', 'main')
    .option('--json', 'print JSON')
    .action(
      withContext(async (context, repo: string, options: { revision: string; json?: boolean }) => {
        const config = await context.config();
        const progress = openProgress(`pull ${repo}`);
        try {
          const pulled = await pullModel({
            repo,
            revision: options.revision,
            endpoint: config.model.hubEndpoint,
            token: process.env.HF_TOKEN || undefined,
            store: await context.store(),
            prefix: storeModelPrefix(repo),
            cacheDir: join(config.model.cacheDir, '.downloads'),
            onProgress: ({ file, receivedBytes, totalBytes }) => progress.update(totalBytes ? receivedBytes / totalBytes : 0, `${file}: ${(receivedBytes / 1e6).toFixed(1)} MB`),
          });
          progress.stop();
          if (options.json) return printJson({ ...pulled, prefix: storeModelPrefix(repo) });
          printTable(['FILE', 'BYTES', 'SHA256'], pulled.files.map((file) => [file.name, String(file.size), file.sha256]));
          process.stdout.write(`pulled ${repo}@${pulled.sha ?? pulled.revision} into ${storeModelPrefix(repo)}\n`);
        } finally {
          progress.stop();
        }
      }),
    );

  models
    .command('generate')
    .description("answer a prompt with a model: as a user message through its chat template, or as raw text with --raw")
    .argument('<name>', 'builtin:tiny, ORG/NAME pulled into the store, or a local model folder')
    .requiredOption('--prompt <text>', 'the prompt')
    .option('--raw', 'complete the prompt as raw text instead of a chat message')
    .option('--system <text>', 'a system message before the prompt')
    .option('--max-tokens <n>', 'most tokens to generate', integer(1), 64)
    .option('--temperature <t>', '0 is greedy', fraction(5), 0)
    .option('--top-p <p>', 'nucleus sampling mass', fraction(1), 1)
    .option('--seed <n>', 'sampling seed', integer(0), 0)
    .option('--stop <text...>', 'stop sequences')
    .addOption(new Option('--backend <name>', 'tensor backend (default: config model.backend)').choices(['auto', 'tensorflow', 'wasm', 'cpu']))
    .option('--json', 'print JSON')
    .action(
      withContext(async (context, name: string, options: GenerateOptions) => {
        const config = await context.config();
        const resolved = await resolveForContext(context, name);
        const model = await LanguageModel.load(resolved.folder, { name: resolved.name, backend: (options.backend ?? config.model.backend) as 'auto', log: await context.log() });
        const settings = { maxTokens: options.maxTokens, temperature: options.temperature, topP: options.topP, seed: options.seed, stop: options.stop };
        let results;
        if (options.raw) results = await model.complete([options.prompt], settings);
        else {
          if (model.tokenizer.chatTemplate === undefined) {
            throw new UsageError(`model "${resolved.name}" has no chat template; use --raw to complete the prompt as text`, { code: 'chat-template-missing' });
          }
          const messages = [...(options.system === undefined ? [] : [{ role: 'system', content: options.system }]), { role: 'user', content: options.prompt }];
          results = await model.chat([messages], settings);
        }
        const result = results[0]!;
        const output = { model: resolved.name, text: result.text, finishReason: result.finishReason, usage: result.usage, backend: model.backend.name };
        model.dispose();
        if (options.json) return printJson(output);
        process.stdout.write(`${result.text}\n`);
        process.stderr.write(`[${output.backend}] ${result.usage.prompt_tokens} prompt + ${result.usage.completion_tokens} completion tokens, finish: ${result.finishReason}\n`);
      }),
    );
}
