import type { Command } from 'commander';
import { ApiKeyStore } from '../../router/index.js';
import { withContext, type CliContext } from './cli-context.js';
import { formatTime, printJson, printTable } from './output.js';

async function keyStore(context: CliContext): Promise<ApiKeyStore> {
  const runtime = await context.runtime();
  return new ApiKeyStore(runtime.connection, runtime.config.redis.prefix);
}

/** `lora keys …`: API keys of the router. Only a key's sha256 is stored; the key is printed once, at creation. */
export function registerKeysCommand(program: Command): void {
  const keys = program.command('keys').description("the router's API keys: create, list and revoke");

  keys
    .command('create')
    .description('create an API key; it is printed once and cannot be shown again')
    .argument('<name>', 'a name for the key, such as the service that uses it')
    .option('--json', 'print JSON')
    .action(
      withContext(async (context, name: string, options: { json?: boolean }) => {
        const { key, record } = await (await keyStore(context)).create(name);
        if (options.json) return printJson({ name: record.name, id: record.id, key, createdAt: record.createdAt });
        process.stdout.write(`${key}\n`);
        process.stderr.write(`created key "${record.name}" (${record.id}); store it now: it is not shown again\n`);
      }),
    );

  keys
    .command('list')
    .description('list keys, active and revoked (never the keys themselves)')
    .option('--json', 'print JSON')
    .action(
      withContext(async (context, options: { json?: boolean }) => {
        const records = await (await keyStore(context)).list();
        if (options.json) return printJson(records.map(({ name, id, createdAt, revokedAt }) => ({ name, id, createdAt, revoked: revokedAt !== null, revokedAt })));
        printTable(
          ['NAME', 'ID', 'CREATED', 'REVOKED'],
          records.map((record) => [record.name, record.id, formatTime(Date.parse(record.createdAt)), record.revokedAt === null ? '-' : formatTime(Date.parse(record.revokedAt))]),
        );
      }),
    );

  keys
    .command('revoke')
    .description('revoke the active key with this name; its next request gets 401')
    .argument('<name>', 'key name')
    .option('--json', 'print JSON')
    .action(
      withContext(async (context, name: string, options: { json?: boolean }) => {
        const record = await (await keyStore(context)).revoke(name);
        if (options.json) return printJson({ name: record.name, id: record.id, revokedAt: record.revokedAt });
        process.stdout.write(`revoked key "${record.name}" (${record.id})\n`);
      }),
    );
}
