import type { Command } from 'commander';
import { registryAliases } from '../../adapters/index.js';
import { withContext } from './cli-context.js';
import { printJson, printTable } from './output.js';

const version = (value: number | null): string => (value === null ? '-' : `v${value}`);

/** `lora registry …`: the adapter registry's Redis state against the store's ledger, which is the truth. */
export function registerRegistryCommand(program: Command): void {
  const registry = program.command('registry').description("the adapter registry's aliases and version numbers in Redis: check them against the store, rebuild them after Redis lost data");

  registry
    .command('check')
    .description("compare every adapter's aliases and sequence in Redis with what the store's ledger says; exit 1 when they differ")
    .option('--json', 'print JSON')
    .action(
      withContext(async (context, options: { json?: boolean }) => {
        const { adapters } = await context.runtime();
        const checks = await adapters.check();
        const differences = checks.flatMap((check) => check.differences);
        if (differences.length > 0) process.exitCode = 1;
        if (options.json) return printJson({ consistent: differences.length === 0, differences, names: checks });
        if (differences.length === 0) {
          process.stdout.write(`Redis matches the store's ledger for ${checks.length} adapter name${checks.length === 1 ? '' : 's'}\n`);
          return;
        }
        printTable(
          ['ADAPTER', 'FIELD', 'REDIS', 'LEDGER'],
          differences.map((difference) => [difference.name, difference.field, formatField(difference.field, difference.redis), formatField(difference.field, difference.ledger)]),
        );
        process.stdout.write('run `lora registry rebuild` to restore what the ledger says\n');
      }),
    );

  registry
    .command('rebuild')
    .description("restore every adapter's aliases and sequence in Redis from the store's versions and ledger (after Redis lost its data); run it with no promotions in flight")
    .option('--json', 'print JSON')
    .action(
      withContext(async (context, options: { json?: boolean }) => {
        const { adapters } = await context.runtime();
        const restores = await adapters.rebuild();
        if (options.json) return printJson({ names: restores });
        printTable(
          ['ADAPTER', 'SEQUENCE', ...registryAliases.map((alias) => alias.toUpperCase()), 'CHANGED'],
          restores.map((restore) => [
            restore.name,
            String(restore.restored.sequence ?? 0),
            ...registryAliases.map((alias) => version(restore.restored.aliases[alias])),
            restore.changed.map((change) => `${change.field} ${formatField(change.field, change.redis)}→${formatField(change.field, change.ledger)}`).join(', ') || '-',
          ]),
        );
      }),
    );
}

function formatField(field: string, value: number | null): string {
  return field === 'sequence' ? String(value ?? '-') : version(value);
}
