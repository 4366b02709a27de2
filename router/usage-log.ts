import type { Redis } from 'ioredis';
import { usageRecord, type UsageRecord } from './usage-contracts.js';

/** How many records the stream keeps, about; older ones are trimmed. */
const defaultMaxRecords = 1_000_000;

/** Usage records in a Redis stream (`PREFIX:lora:usage`), appended by routers and summed by `lora usage`. */
export class UsageLog {
  readonly key: string;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    private readonly maxRecords = defaultMaxRecords,
  ) {
    this.key = `${prefix}:lora:usage`;
  }

  /** Appends one record. */
  async append(record: UsageRecord): Promise<void> {
    await this.redis.xadd(this.key, 'MAXLEN', '~', String(this.maxRecords), '*', 'record', JSON.stringify(usageRecord.parse(record)));
  }

  /** Every record since `since` (by the stream's own time), oldest first, read in pages. */
  async *read(options: { since?: Date; pageSize?: number } = {}): AsyncGenerator<UsageRecord> {
    let start = options.since === undefined ? '-' : `${options.since.getTime()}-0`;
    const pageSize = options.pageSize ?? 1000;
    for (;;) {
      const page = await this.redis.xrange(this.key, start, '+', 'COUNT', pageSize);
      for (const [, fields] of page) {
        const index = fields.indexOf('record');
        if (index !== -1) yield usageRecord.parse(JSON.parse(fields[index + 1] as string));
      }
      if (page.length < pageSize) return;
      start = `(${page[page.length - 1]![0]}`;
    }
  }
}
