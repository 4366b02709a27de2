import { Command, CommanderError, Option } from 'commander';
import { LoraError, isRedisConnectionLoss, logLevels } from '../../core/index.js';
import { registerDatasetsCommand } from './datasets-command.js';
import { registerAdaptersCommand } from './adapters-command.js';
import { registerEvalsCommand } from './evals-command.js';
import { registerJobsCommand } from './jobs-command.js';
import { registerModelsCommand } from './models-command.js';
import { registerRegistryCommand } from './registry-command.js';
import { registerRunCommand } from './run-command.js';
import { registerTrainCommand } from './train-command.js';
import { registerWorkerCommand } from './worker-command.js';
import { registerServeCommand } from './serve-command.js';
import { registerKeysCommand } from './keys-command.js';
import { registerUsageCommand } from './usage-command.js';

/** The `lora` program with every command group registered. */
export function createProgram(): Command {
  const program = new Command('lora')
    .description('turn large-model API calls into cheap, specialised LoRA adapters, and prove when that is worth it')
    .version('0.1.0')
    .option('--config <path>', 'config file (default: ./lora.config.json when present)')
    .option('--redis-url <url>', 'Redis URL (env REDIS_URL)')
    .option('--store <url>', 'artifact store, file://PATH or s3://BUCKET/PREFIX (env LORA_STORE)')
    .addOption(new Option('--log-level <level>', 'log level (env LORA_LOG_LEVEL)').choices(logLevels))
    .showHelpAfterError('(add --help for usage)')
    // Global options go before the command (`lora --config x.json datasets curate ... --config curation.yaml`),
    // so that a command may have options of its own with the same name.
    .enablePositionalOptions()
    .exitOverride();
  program.configureHelp({ showGlobalOptions: true });
  registerJobsCommand(program);
  registerDatasetsCommand(program);
  registerModelsCommand(program);
  registerAdaptersCommand(program);
  registerRegistryCommand(program);
  registerTrainCommand(program);
  registerEvalsCommand(program);
  registerWorkerCommand(program);
  registerRunCommand(program);
  registerServeCommand(program);
  registerKeysCommand(program);
  registerUsageCommand(program);
  for (const command of program.commands) command.exitOverride();
  return program;
}

/** Runs the CLI: results on stdout, one clear line on stderr for errors; exit 2 for usage and config errors, 1 for failures. */
export async function main(argv: string[]): Promise<number> {
  const program = createProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 || error.code === 'commander.helpDisplayed' || error.code === 'commander.version' ? 0 : 2;
    }
    if (error instanceof LoraError) {
      process.stderr.write(`error: ${error.message}\n`);
      return error.exitCode;
    }
    if (isRedisConnectionLoss(error)) {
      process.stderr.write(`error: lost the connection to Redis (${(error as Error).message}); check that it is running and retry\n`);
      return 1;
    }
    process.stderr.write(`error: ${(error as Error).message ?? String(error)}\n`);
    if (process.env.LORA_DEBUG) process.stderr.write(`${(error as Error).stack ?? ''}\n`);
    else process.stderr.write('(this looks like a bug in lora; set LORA_DEBUG=1 for a stack trace and report it)\n');
    return 1;
  }
}
