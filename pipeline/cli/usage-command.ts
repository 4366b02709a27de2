import { Option, type Command } from 'commander';
import { UsageError } from '../../core/index.js';
import { ApiKeyStore, summariseUsage, UsageLog, usageGroupings, type UsageGrouping, type UsageTotals } from '../../router/index.js';
import { withContext } from './cli-context.js';
import { printJson, printTable } from './output.js';

function parseSince(text: string | undefined): Date | undefined {
  if (text === undefined) return undefined;
  const since = new Date(text);
  if (Number.isNaN(since.getTime())) throw new UsageError(`--since must be an ISO time such as 2026-12-01 or 2026-12-01T09:00:00Z, got ${JSON.stringify(text)}`);
  return since;
}

/** USD as people read it: known costs summed, with how many requests had no price. */
function formatUsd(totals: UsageTotals): string {
  const known = totals.usd === null ? 'unknown' : `$${totals.usd.toFixed(6)}`;
  return totals.unpricedRequests > 0 && totals.usd !== null ? `${known} (+${totals.unpricedRequests} unpriced)` : known;
}

/** `lora usage`: requests, tokens and USD the router recorded, summed by model or by API key. */
export function registerUsageCommand(program: Command): void {
  program
    .command('usage')
    .description('sum the requests, tokens and cost the router recorded, by model or by API key')
    .option('--since <time>', 'only requests from this ISO time on')
    .addOption(new Option('--by <grouping>', 'group by').choices(usageGroupings).default('model'))
    .option('--json', 'print JSON')
    .action(
      withContext(async (context, options: { since?: string; by: UsageGrouping; json?: boolean }) => {
        const since = parseSince(options.since);
        const runtime = await context.runtime();
        const prefix = runtime.config.redis.prefix;
        const keyNames = new Map((await new ApiKeyStore(runtime.connection, prefix).list()).map((record) => [record.id, record.name]));
        const records = [];
        for await (const record of new UsageLog(runtime.connection, prefix).read({ since })) records.push(record);
        const summary = summariseUsage(records, options.by, keyNames);
        if (options.json) return printJson({ since: since?.toISOString() ?? null, ...summary });
        const row = (totals: UsageTotals) => [totals.group, String(totals.requests), String(totals.promptTokens), String(totals.completionTokens), formatUsd(totals)];
        printTable([options.by === 'model' ? 'MODEL' : 'KEY', 'REQUESTS', 'PROMPT TOKENS', 'COMPLETION TOKENS', 'USD'], [...summary.groups.map(row), row(summary.total)]);
      }),
    );
}
