import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileStore, InputError, readAll } from '../../core/index.js';
import { curateDataset, curationConfig, type DatasetInput } from '../../datasets/index.js';

const system = 'You are a support triage assistant. Reply with one category.';
const chat = (user: string, assistant: string, label?: string) =>
  JSON.stringify({ messages: [{ role: 'system', content: system }, { role: 'user', content: user }, { role: 'assistant', content: assistant }], ...(label === undefined ? {} : { label }) });

const pii = {
  email: 'maria.lopez@example.com',
  phone: '+1 (415) 555-0182',
  card: '4111 1111 1111 1111',
  aws: 'AKIAIOSFODNN7EXAMPLE',
  apiKey: 'sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z',
  bearer: 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
  ip: '203.0.113.42',
};
const benchmarkQuestion = 'a train leaves the station at nine in the morning travelling at sixty miles per hour towards the city';

/**
 * 200 distinct support tickets from sentence pools and a seeded generator. Each carries a clause of
 * ten words drawn from a vocabulary, so no two tickets are near-duplicates or share 13 words by accident.
 */
function realisticRecords(): string[] {
  let state = 12345;
  const random = () => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
  const pools = {
    billing: [
      ['Hello,', 'Hi team,', 'Good morning,', 'Quick question:', 'Urgent:', 'Hey there,'],
      ['I was charged twice for the Pro plan', 'my invoice shows a price I never agreed to', 'the annual discount was not applied', 'a refund I was promised never arrived', 'my card was declined although it is valid', 'I need a VAT invoice for the last quarter'],
      ['after I upgraded on the website.', 'even though I cancelled last month.', 'and the support chat was closed.', 'which has happened two months in a row now.', 'and our finance team is asking about it.', 'right after the renewal email came in.'],
      ['Can you sort this out?', 'Please fix it before Friday.', 'What are my options?', 'Thanks in advance for checking.', 'I would appreciate a quick reply.'],
    ],
    bug: [
      ['Hi,', 'Hello support,', 'FYI:', 'Not sure, but', 'Reporting a problem:', 'Hey,'],
      ['the export button does nothing', 'the app crashes when it starts', 'search returns nothing for accented words', 'charts render blank in dark mode', 'uploads larger than a few megabytes fail', 'notifications arrive twice on my phone'],
      ['since the latest update on Tuesday.', 'in Firefox but not in Chrome.', 'on every device we have tried.', 'only for users in our Berlin office.', 'whenever the page has more than fifty rows.', 'after I changed my language settings.'],
      ['Steps to reproduce are attached.', 'Is there a workaround?', 'This blocks our weekly reporting.', 'Happy to share a screen recording.', 'Let me know if you need logs.'],
    ],
    account: [
      ['Hello,', 'Hi there,', 'Good afternoon,', 'Help please:', 'Dear support,', 'Hey,'],
      ['the password reset email never arrives', 'I lost the phone with my two-factor codes', 'I want to merge my two accounts', 'ownership of our workspace must move to a colleague', 'I cannot change the email address on my profile', 'please delete my account and all data'],
      ['and I have checked the spam folder twice.', 'because I am leaving the company soon.', 'which locks me out of every project.', 'as our company switched domains.', 'since the old address no longer exists.', 'before the end of this month.'],
      ['How do I proceed?', 'Thank you for your help.', 'Please confirm once it is done.', 'Which documents do you need from me?', 'I am available all day for a call.'],
    ],
    shipping: [
      ['Hi,', 'Hello,', 'Good evening,', 'A question about my order:', 'Hey team,', 'Dear customer service,'],
      ['my parcel has been in transit for twelve days', 'the package arrived with a broken corner', 'tracking says delivered but nothing came', 'I need to change the delivery address', 'the courier left a note but no parcel', 'express shipping took longer than standard'],
      ['and the tracking page has not changed since Monday.', 'while I am travelling next week.', 'although I paid for next-day delivery.', 'and the neighbours have not seen it either.', 'which is the second time this year.', 'even though the order confirmation looked fine.'],
      ['Could you look into it?', 'What should I do now?', 'Please send a replacement.', 'Can I get a refund for shipping?', 'Thanks for sorting this out.'],
    ],
  } as const;
  const vocabulary = (
    'account address after again agent answer april arrive asked august basket battery before billing blue box broken browser ' +
    'budget button cable calendar camera card cart change charge chat check city client code colleague company computer contract ' +
    'courier customer daily damaged data december delivery desk device discount document download email error evening export ' +
    'family february field file finance folder friday garden gift green guest holiday home hotel invoice january july june kitchen ' +
    'label laptop letter licence login march market may meeting message mobile monday month morning network night november number ' +
    'october office order package page parcel partner password payment phone photo plan printer profile project quarter receipt ' +
    'refund report saturday screen september server service setting shipment shop sister software spring store street summer ' +
    'sunday supplier system tablet team thursday ticket tuesday update upload user village warehouse wednesday week weekend window winter'
  ).split(' ');
  const seen = new Set<string>();
  const lines: string[] = [];
  const labels = Object.keys(pools) as Array<keyof typeof pools>;
  while (lines.length < 200) {
    const label = labels[lines.length % labels.length]!;
    // Random words between the template parts keep any run of shared words under 13.
    const [opener, problem, detail, closing] = pools[label].map((pool) => pick(pool));
    const clause = () => Array.from({ length: 5 }, () => pick(vocabulary)).join(' ');
    const text = `${opener} ${problem} (${clause()}) ${detail} (${clause()}) ${closing}`;
    if (seen.has(text)) continue;
    seen.add(text);
    lines.push(chat(`${text} Order ${10_000 + lines.length * 37}.`, label, label));
  }
  return lines;
}

describe('dataset curation', () => {
  let folder: string;
  let inputPath: string;
  let benchmarkPath: string;
  const input = (path: string): DatasetInput => ({ uri: path, open: async () => createReadStream(path) });

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'lora-curate-'));
    const lines = realisticRecords();
    lines.push(lines[3]!); // exact duplicate
    lines.push(lines[8]!.replace(/"content":"([^"]*)","/, (_match, text: string) => `"content":"${text.replace(/ /g, '   ')}","`)); // whitespace only: an exact duplicate once normalised
    const original = (JSON.parse(lines[1]!) as { messages: Array<{ content: string }> }).messages[1]!.content;
    lines.push(chat(`${original.toUpperCase().replace('THE', 'the whole')}  `, 'bug', 'bug')); // case, spacing and a word: a near duplicate
    lines.push(chat(`Please email me at ${pii.email} or call ${pii.phone}; my card is ${pii.card}.`, 'billing', 'billing'));
    lines.push(chat(`Our deploy logs show ${pii.aws} and ${pii.apiKey} from ${pii.ip}, header ${pii.bearer}.`, 'account', 'account'));
    lines.push(chat(`Quiz time: ${benchmarkQuestion}, when does it arrive?`, 'bug', 'bug')); // contaminated
    lines.push(chat('Is this a real ticket?', '...', 'bug')); // degenerate response
    lines.push('{"messages": [{"role": "user", "content": "hi"}, {"role": "bot", "content": "billing"}]}');
    lines.push('{"messages": [');
    inputPath = join(folder, 'tickets.jsonl');
    await writeFile(inputPath, `${lines.join('\n')}\n`);
    benchmarkPath = join(folder, 'benchmark.jsonl');
    await writeFile(benchmarkPath, `${JSON.stringify({ prompt: `Word problem: ${benchmarkQuestion}.`, completion: 'At noon.' })}\n`);
  });

  afterAll(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  async function curate(storeName: string, overrides: Record<string, unknown> = {}, threads: { workers?: number; blockBytes?: number } = {}) {
    const store = new FileStore(join(folder, storeName));
    const config = curationConfig.parse({ split: { train: 0.8, validation: 0.1, test: 0.1 }, decontamination: { benchmarks: [benchmarkPath] }, ...overrides });
    const outcome = await curateDataset({ name: 'tickets', source: input(inputPath), benchmarks: [input(benchmarkPath)], config, store, ...threads });
    return { store, outcome };
  }

  it('gives the same version, counts, issues and examples on worker threads as on the main thread', async () => {
    const inline = await curate('store-inline', {}, { workers: 0 });
    // Small blocks, so that many of them are in flight across both workers at once.
    const parallel = await curate('store-workers', {}, { workers: 2, blockBytes: 2048 });
    expect(inline.outcome.workers).toBe(0);
    expect(parallel.outcome.workers).toBe(2);
    const { createdAt: _inlineTime, ...inlineManifest } = inline.outcome.manifest;
    const { createdAt: _parallelTime, ...parallelManifest } = parallel.outcome.manifest;
    expect(parallelManifest).toEqual(inlineManifest);
    expect(inlineManifest.counts).toMatchObject({ invalid: 2, exactDuplicates: 2, nearDuplicates: 1, decontaminated: 2 });
    expect(inlineManifest.nearDuplicateExamples).toHaveLength(1);
  });

  it('reports what each step removed and keeps the rest', async () => {
    const { outcome } = await curate('store-a');
    const { counts } = outcome.manifest;
    // Decontamination drops the record that quotes the benchmark, and one that shares 13 words with a test record by chance.
    expect(counts).toMatchObject({ input: 209, invalid: 2, filtered: 1, exactDuplicates: 2, nearDuplicates: 1, decontaminated: 2, kept: 201 });
    expect(outcome.manifest.filteredBy).toEqual({ 'degenerate-response': 1 });
    expect(outcome.manifest.issuesByCode).toEqual(expect.objectContaining({ 'unknown-role': 1 }));
    expect(outcome.manifest.issues[0]).toMatchObject({ line: 208, path: 'messages[1].role' });
    expect(outcome.manifest.nearDuplicateExamples).toHaveLength(1);
    expect(outcome.manifest.splits.train.records + outcome.manifest.splits.validation.records + outcome.manifest.splits.test.records).toBe(201);
  });

  it('leaves no planted PII in any output file and counts each type', async () => {
    const { store, outcome } = await curate('store-b');
    expect(outcome.manifest.pii).toMatchObject({ EMAIL: 1, PHONE: 1, CREDIT_CARD: 1, AWS_ACCESS_KEY: 1, API_KEY: 1, BEARER_TOKEN: 1, IP_ADDRESS: 1 });
    const everything: string[] = [];
    for await (const object of store.list('')) everything.push((await readAll(await store.get(object.key))).toString());
    const text = everything.join('\n');
    for (const value of Object.values(pii)) expect(text).not.toContain(value.replace(/^Bearer /, ''));
    expect(text).not.toContain('travelling at sixty miles per hour');
    expect(text).toContain('<EMAIL>');
  });

  it('keeps splits disjoint by prompt and stratified by label', async () => {
    const { store, outcome } = await curate('store-c');
    const promptsBySplit = new Map<string, Set<string>>();
    for (const split of ['train', 'validation', 'test'] as const) {
      const lines = (await readAll(await store.get(outcome.manifest.splits[split].key))).toString().trim().split('\n');
      promptsBySplit.set(split, new Set(lines.map((line) => (JSON.parse(line) as { messages: Array<{ content: string }> }).messages[1]!.content.toLowerCase().replace(/\s+/g, ' '))));
    }
    const [train, validation, test] = [...promptsBySplit.values()];
    for (const prompt of test!) expect(train!.has(prompt) || validation!.has(prompt)).toBe(false);
    for (const prompt of validation!) expect(train!.has(prompt)).toBe(false);
    const labels = outcome.manifest.splits.test.labels;
    expect(Object.keys(labels).sort()).toEqual(['account', 'billing', 'bug', 'shipping']);
  });

  it('gives the same version id when the same input is curated again with the same settings', async () => {
    const first = await curate('store-d');
    const again = await curate('store-d');
    expect(again.outcome.manifest.id).toBe(first.outcome.manifest.id);
    expect(again.outcome.created).toBe(false);
    const other = await curate('store-d', { pii: { mode: 'drop' } });
    expect(other.outcome.manifest.id).not.toBe(first.outcome.manifest.id);
    expect(other.outcome.manifest.counts.piiDropped).toBe(2);
  });

  it('stores a dataset card with the counts and a length histogram', async () => {
    const { store, outcome } = await curate('store-e');
    const card = (await readAll(await store.get(outcome.manifest.cardKey))).toString();
    expect(card).toContain(`# Dataset tickets (${outcome.manifest.id})`);
    expect(card).toContain('| near duplicates | 1 |');
    expect(card).toMatch(/## Length of training records \(tokens\)\n\n```\n\s+\d+-\d+ █+ +\d+\n/);
  });

  it('fails when more records are invalid than allowed, naming the first problem', async () => {
    const error = await curate('store-f', { maxInvalid: 1 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toContain('2 of 209 records are invalid, more than maxInvalid 1; first: line 208');
  });

  it('reads Alpaca records as well as OpenAI chat', async () => {
    const alpaca = join(folder, 'alpaca.jsonl');
    await writeFile(alpaca, `${JSON.stringify({ instruction: 'Classify this ticket', input: 'My refund never came', output: 'billing' })}\n${JSON.stringify({ instruction: 'Classify this ticket', input: 'The app crashes on start', output: 'bug' })}\n`);
    const store = new FileStore(join(folder, 'store-g'));
    const outcome = await curateDataset({ name: 'alpaca', source: input(alpaca), config: curationConfig.parse({}), store });
    expect(outcome.manifest.counts.kept).toBe(2);
    expect(outcome.manifest.source.format).toBe('auto');
    const contents = await Promise.all((['train', 'validation', 'test'] as const).map((split) => readFile(join(folder, 'store-g', ...outcome.manifest.splits[split].key.split('/')), 'utf8')));
    const records = contents.join('').trim().split('\n').map((line) => JSON.parse(line) as { messages: Array<{ role: string; content: string }> });
    expect(records.map((record) => record.messages[0])).toContainEqual({ role: 'user', content: 'Classify this ticket\n\nMy refund never came' });
    expect(records.map((record) => record.messages[1])).toContainEqual({ role: 'assistant', content: 'bug' });
  });
});
