import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { FileStore } from '../../../core/index.js';
import {
  createOpenAiCompatibleProvider,
  evalReport,
  findPrice,
  loadPriceCatalog,
  responseCachePrefix,
  rubric,
  runEval,
  type ChatProvider,
  type EvalInputItem,
  type EvalReport,
  type RunEvalInput,
} from '../../../evals/index.js';
import { combineOrders, judgeCallKey, parsePairwiseReply, parseScoreReply } from '../../../evals/judge/index.js';
import { completionBody, sendJson, startChatCompletionsServer, type ChatCompletionsServer, type ReceivedRequest } from '../providers/chat-completions-server.js';

// Ten questions. The candidate is right on 0–5, the baseline on 0, 1, 6 and 7; neither on 8 and 9.
const cities = ['paris', 'rome', 'madrid', 'berlin', 'vienna', 'lisbon', 'oslo', 'prague', 'dublin', 'athens'];
/** The candidate's answer to item 8, which the judge says it cannot grade. */
const ungradable = 'mumble';
const candidateAnswers = cities.map((city, index) => (index <= 5 ? city : index === 8 ? ungradable : 'london'));
const baselineAnswers = cities.map((city, index) => ([0, 1, 6, 7].includes(index) ? city : 'london'));
/** Items where the judge picks answer A whatever it says, as a position-biased judge does. */
const biasedItems = [4, 9];

const items: EvalInputItem[] = cities.map((city, index) => ({
  id: `item-${index}`,
  messages: [
    { role: 'system', content: 'Answer with the name of a city, in lower case.' },
    { role: 'user', content: `Question ${index}: which capital is this about?` },
  ],
  reference: city,
}));

/** Tokens the judge server bills per call. */
const judgeUsage = { prompt: 100, completion: 10, cached: 0 };

/** The text inside `<tag>…</tag>` of a judge prompt. */
function between(text: string, tag: string): string {
  const match = new RegExp(`<${tag}>\\n([\\s\\S]*?)\\n</${tag}>`).exec(text);
  if (!match) throw new Error(`the judge prompt has no <${tag}> block: ${text}`);
  return match[1]!;
}

/** What the test judge read from one request. */
function readJudgeRequest(request: ReceivedRequest) {
  const user = (request.body.messages as { role: string; content: string }[]).find((message) => message.role === 'user')!.content;
  const index = Number(/Question (\d+):/.exec(between(user, 'prompt'))![1]);
  const reference = between(user, 'reference');
  if (user.includes('<answer_a>')) return { kind: 'pairwise' as const, index, reference, a: between(user, 'answer_a'), b: between(user, 'answer_b') };
  return { kind: 'single' as const, index, reference, answer: between(user, 'answer') };
}

/**
 * A judge on loopback: it scores an answer 9 when it equals the reference and 3 otherwise, prefers the answer equal
 * to the reference (a tie when both or neither are), says "A" on the biased items whatever the order, and cannot
 * grade the answer "mumble". With `garbled`, no reply ends in the requested line.
 */
async function judgeServer(options: { garbled?: boolean } = {}): Promise<ChatCompletionsServer> {
  return startChatCompletionsServer((request, response) => {
    const read = readJudgeRequest(request);
    let reply: string;
    if (options.garbled) reply = 'Both answers look fine to me.';
    else if (read.kind === 'single') {
      reply = read.answer === ungradable ? 'I cannot make sense of this answer.' : `The answer ${read.answer === read.reference ? 'matches' : 'misses'} the reference.\nScore: ${read.answer === read.reference ? 9 : 3}`;
    } else if (biasedItems.includes(read.index)) reply = 'The first answer reads better.\nVerdict: A';
    else {
      const aRight = read.a === read.reference;
      const bRight = read.b === read.reference;
      reply = `Compared with the reference.\nVerdict: ${aRight === bRight ? 'tie' : aRight ? 'A' : 'B'}`;
    }
    sendJson(response, 200, completionBody(reply, judgeUsage));
  });
}

/** A side that answers from a fixed table, by the question number in the last message. */
function tableProvider(id: string, answers: readonly string[]): ChatProvider {
  return {
    id,
    endpoint: 'table:',
    model: id,
    async complete(request) {
      const index = Number(/Question (\d+):/.exec(request.messages.at(-1)!.content)![1]);
      return { text: answers[index]!, usage: { promptTokens: 20, cachedPromptTokens: 0, completionTokens: 2 }, latencyMs: 1, cached: false, finishReason: 'stop' };
    },
  };
}

const rubricText = 'The answer must name the same city as the reference.';

function rubricWith(judge: Record<string, unknown> | undefined) {
  return rubric.parse({ metrics: [{ name: 'exact_match' }], bootstrap: { resamples: 500, seed: 3 }, ...(judge === undefined ? {} : { judge: { provider: 'openai:gpt-5.2', rubricText, ...judge } }) });
}

describe('the judge section of a rubric', () => {
  it('is absent unless given, so rubrics and eval ids without a judge stay as they were', () => {
    expect('judge' in rubricWith(undefined)).toBe(false);
  });

  it('defaults to single-answer grading at temperature 0 and seed 0 with weight 1', () => {
    expect(rubricWith({}).judge).toMatchObject({ provider: 'openai:gpt-5.2', temperature: 0, seed: 0, mode: 'single', weight: 1, rubricText });
  });

  it('refuses recorded answers and few-shot baselines as judges, and modes it does not know', () => {
    expect(() => rubricWith({ provider: 'recorded' })).toThrow(/live model/);
    expect(() => rubricWith({ provider: 'fewshot:base' })).toThrow(/live model/);
    expect(() => rubricWith({ mode: 'triple' })).toThrow();
  });
});

describe('reading judge replies', () => {
  it('takes the score from a last line "Score: N" with N from 1 to 10', () => {
    expect(parseScoreReply('Matches the reference.\nScore: 9')).toBe(9);
    expect(parseScoreReply('score: 10\n\n')).toBe(10);
    expect(parseScoreReply('Score:1')).toBe(1);
  });

  it('reads no score from a reply whose last line is anything else, rather than guessing', () => {
    for (const reply of ['Score: 0', 'Score: 11', 'Score: 7.5', 'I would give it a 7', 'Score: 8\nHope this helps', '', 'Score: seven']) {
      expect(parseScoreReply(reply), reply).toBeNull();
    }
  });

  it('takes the verdict from a last line "Verdict: A|B|tie" in any case, and nothing else', () => {
    expect(parsePairwiseReply('B is vague.\nVerdict: A')).toBe('A');
    expect(parsePairwiseReply('verdict: b')).toBe('B');
    expect(parsePairwiseReply('Verdict: TIE')).toBe('tie');
    expect(parsePairwiseReply('Verdict: A\nbecause it is shorter')).toBeNull();
    expect(parsePairwiseReply('Verdict: both')).toBeNull();
  });

  it('counts a preference both orders agree on as a win or loss, and a disagreement as an inconsistent tie', () => {
    expect(combineOrders('A', 'B')).toEqual({ outcome: 'win', inconsistent: false });
    expect(combineOrders('B', 'A')).toEqual({ outcome: 'loss', inconsistent: false });
    expect(combineOrders('tie', 'tie')).toEqual({ outcome: 'tie', inconsistent: false });
    expect(combineOrders('A', 'A')).toEqual({ outcome: 'tie', inconsistent: true });
    expect(combineOrders('tie', 'B')).toEqual({ outcome: 'tie', inconsistent: true });
    expect(combineOrders(null, 'B')).toEqual({ outcome: null, inconsistent: false });
  });
});

describe('runEval with an LLM judge on loopback', () => {
  let server: ChatCompletionsServer;
  let folder: string;
  let store: FileStore;
  let report: EvalReport;
  const catalog = loadPriceCatalog();
  const cleanups: (() => Promise<void>)[] = [];

  const judgeProvider = (target: ChatCompletionsServer, model = 'gpt-5.2') => createOpenAiCompatibleProvider({ model, baseUrl: target.baseUrl, apiKey: 'test-key', env: {}, retryBaseDelayMs: 10 });

  function input(id: string, overrides: Partial<RunEvalInput> = {}): RunEvalInput {
    return {
      id,
      store,
      items,
      candidate: { provider: tableProvider('table:candidate', candidateAnswers), description: 'the candidate table', cost: { kind: 'tokens', usdPer1MTokens: 0.1 } },
      baseline: { provider: tableProvider('table:baseline', baselineAnswers), description: 'the baseline table', cost: { kind: 'tokens', usdPer1MTokens: 10 } },
      rubric: rubricWith({ mode: 'both', seed: 42 }),
      catalog,
      adapter: 'table:candidate',
      dataset: 'capitals@synthetic',
      baselineSpec: 'table:baseline',
      trainingLoss: null,
      judgeProvider: judgeProvider(server),
      ...overrides,
    };
  }

  beforeAll(async () => {
    server = await judgeServer();
    folder = await mkdtemp(join(tmpdir(), 'lora-judge-'));
    store = new FileStore(folder);
    report = await runEval(input('ev-judged'));
  });

  afterEach(async () => {
    vi.unstubAllEnvs();
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  afterAll(async () => {
    await server?.close();
    await rm(folder, { recursive: true, force: true });
  });

  const judgeScore = (right: boolean) => (right ? 8 / 9 : 2 / 9);

  it('grades each answer alone from 1 to 10 and records (score - 1) / 9 as judge_score on both sides', () => {
    expect(evalReport.parse(report)).toEqual(report);
    report.items.forEach((item, index) => {
      if (index === 8) expect(item.candidate.scores.judge_score).toBeUndefined();
      else expect(item.candidate.scores.judge_score).toBeCloseTo(judgeScore(candidateAnswers[index] === cities[index]), 12);
      expect(item.baseline.scores.judge_score).toBeCloseTo(judgeScore(baselineAnswers[index] === cities[index]), 12);
    });
    expect(report.candidate.quality.judge_score!.mean).toBeCloseTo(2 / 3, 12);
    expect(report.baseline.quality.judge_score!.mean).toBeCloseTo(44 / 90, 12);
  });

  it('counts the unreadable reply and leaves its item out of the paired difference instead of scoring it 0', () => {
    expect(report.judge!.unparsable).toBe(1);
    expect(report.judge!.unparsableItems).toEqual(['item-8']);
    // Over the nine items both sides were scored on: four candidate wins of 6/9 and two losses of 6/9.
    expect(report.difference.judge_score!.mean).toBeCloseTo(4 / 27, 12);
    const comparison = report.metrics.find((metric) => metric.metric === 'judge_score')!;
    expect(comparison).toMatchObject({ weight: 1, binary: false, mcnemar: null, threshold: null });
    expect(comparison.explanation).toContain('n=9');
  });

  it('asks for every item in both orders and reports how often the orders disagreed', () => {
    const pairs = server.requests.slice(0, 40).map(readJudgeRequest).filter((read) => read.kind === 'pairwise');
    expect(pairs).toHaveLength(20);
    for (const [index] of cities.entries()) {
      const asked = pairs.filter((pair) => pair.index === index).map((pair) => [pair.a, pair.b]);
      expect(asked).toEqual(expect.arrayContaining([[candidateAnswers[index], baselineAnswers[index]], [baselineAnswers[index], candidateAnswers[index]]]));
    }
    expect(report.judge!.inconsistencyRate).toBeCloseTo(2 / 10, 12);
    expect(report.judge!.pairwise).toMatchObject({ wins: 3, ties: 5, losses: 2, inconsistent: 2 });
  });

  it('reports the win rate, ties counted half, with a bootstrap interval, and judge_pairwise as 1 - that for the baseline', () => {
    const winRate = report.judge!.pairwise!.winRate!;
    expect(winRate.mean).toBeCloseTo(0.55, 12);
    expect(winRate.ci[0]).toBeLessThan(0.55);
    expect(winRate.ci[1]).toBeGreaterThan(0.55);
    expect(winRate.ci[0]).toBeGreaterThanOrEqual(0);
    expect(winRate.ci[1]).toBeLessThanOrEqual(1);
    expect(report.candidate.quality.judge_pairwise).toEqual(winRate);
    expect(report.baseline.quality.judge_pairwise!.mean).toBeCloseTo(0.45, 12);
    expect(report.items.map((item) => item.candidate.scores.judge_pairwise)).toEqual([0.5, 0.5, 1, 1, 0.5, 1, 0, 0, 0.5, 0.5]);
    expect(report.items.map((item) => item.baseline.scores.judge_pairwise)).toEqual([0.5, 0.5, 0, 0, 0.5, 0, 1, 1, 0.5, 0.5]);
    expect(report.difference.judge_pairwise!.mean).toBeCloseTo(2 * 0.55 - 1, 12);
    expect(report.metrics.map((metric) => metric.metric)).toEqual(['exact_match', 'judge_score', 'judge_pairwise']);
  });

  it('records the judge model, temperature, seed and mode in the report, and sends that temperature and seed', () => {
    expect(report.judge).toMatchObject({ model: 'openai:gpt-5.2', temperature: 0, seed: 42, mode: 'both', calls: 40 });
    expect(server.requests.slice(0, 40).every((request) => request.body.temperature === 0 && request.body.seed === 42 && request.body.model === 'gpt-5.2')).toBe(true);
  });

  it('adds up the judge usage and prices it at the catalog price of the judge model', () => {
    expect(report.judge!.usage).toEqual({ promptTokens: 4000, completionTokens: 400, cachedPromptTokens: 0 });
    const price = findPrice(catalog, 'openai:gpt-5.2')!;
    expect(report.judge!.cost.totalUsd).toBeCloseTo((4000 * price.inputPer1M + 400 * price.outputPer1M) / 1e6, 12);
    expect(report.judge!.cost.basis).toContain(catalog.version);
  });

  it('reruns without a single new judge call and with the same judge section and scores', async () => {
    const before = server.requests.length;

    const again = await runEval(input('ev-judged'));

    expect(server.requests.length).toBe(before);
    expect(again.judge).toEqual(report.judge);
    expect(again.items).toEqual(report.items);
    expect(again.metrics).toEqual(report.metrics);
  });

  it('resumes by asking the judge only for the calls that were not saved', async () => {
    await store.delete(judgeCallKey('ev-judged', 3, 'pairwise-baseline-first'));
    await store.delete(judgeCallKey('ev-judged', 7, 'single-candidate'));
    const before = server.requests.length;

    const resumed = await runEval(input('ev-judged'));

    const asked = server.requests.slice(before).map(readJudgeRequest);
    expect(asked).toHaveLength(2);
    expect(asked).toContainEqual({ kind: 'pairwise', index: 3, reference: cities[3], a: baselineAnswers[3], b: candidateAnswers[3] });
    expect(asked).toContainEqual({ kind: 'single', index: 7, reference: cities[7], answer: candidateAnswers[7] });
    expect(resumed.judge).toEqual(report.judge);
  });

  it('asks again when the judge settings change, since saved calls answer only the request they were made for', async () => {
    const before = server.requests.length;

    const reseeded = await runEval(input('ev-judged', { rubric: rubricWith({ mode: 'single', seed: 43 }) }));

    expect(server.requests.length - before).toBe(20);
    expect(reseeded.judge).toMatchObject({ seed: 43, mode: 'single', calls: 20, inconsistencyRate: null, pairwise: null });
    expect(reseeded.metrics.map((metric) => metric.metric)).toEqual(['exact_match', 'judge_score']);
  });

  it('leaves the report without a judge section when the rubric has no judge', async () => {
    const before = server.requests.length;

    const plain = await runEval(input('ev-judged', { rubric: rubricWith(undefined) }));

    expect(server.requests.length).toBe(before);
    expect('judge' in plain).toBe(false);
    expect(plain.metrics.map((metric) => metric.metric)).toEqual(['exact_match']);
    expect(Object.keys(plain.items[0]!.candidate.scores)).toEqual(['exact_match']);
  });

  it('reports the cost of a judge the catalog has no price for as unknown, never $0', async () => {
    const priced = await runEval(input('ev-unpriced', { rubric: rubricWith({ mode: 'pairwise' }), judgeProvider: judgeProvider(server, 'judge-without-price') }));

    expect(priced.judge!.model).toBe('openai:judge-without-price');
    expect(priced.judge!.cost.totalUsd).toBeNull();
    expect(priced.judge!.cost.basis).toContain('no price for openai:judge-without-price');
  });

  it('fails the gate, and scores no item 0, when no judge reply can be read', async () => {
    const garbled = await judgeServer({ garbled: true });
    cleanups.push(() => garbled.close());

    const unread = await runEval(input('ev-garbled', { rubric: rubricWith({ mode: 'both' }), judgeProvider: judgeProvider(garbled) }));

    expect(unread.judge!.unparsable).toBe(40);
    expect(unread.judge!.unparsableItems).toHaveLength(10);
    expect(unread.judge!.inconsistencyRate).toBeNull();
    expect(unread.judge!.pairwise!.winRate).toBeNull();
    expect(unread.candidate.quality.judge_score).toBeUndefined();
    expect(unread.items.every((item) => item.candidate.scores.judge_score === undefined && item.candidate.scores.judge_pairwise === undefined)).toBe(true);
    expect(unread.gate.passed).toBe(false);
    expect(unread.gate.reasons).toContainEqual(expect.stringContaining('judge_score: no item has a readable judge reply'));
    expect(unread.gate.reasons).toContainEqual(expect.stringContaining('judge_pairwise: no item has a readable judge reply'));
  });

  it('builds the judge from the rubric when none is passed, and keeps its calls in the response cache too', async () => {
    vi.stubEnv('OPENAI_BASE_URL', server.baseUrl);
    vi.stubEnv('OPENAI_API_KEY', 'test-key');
    const before = server.requests.length;

    const built = await runEval(input('ev-built', { rubric: rubricWith({ mode: 'single' }), judgeProvider: undefined }));

    expect(server.requests.length - before).toBe(20);
    expect(built.judge!.model).toBe('openai:gpt-5.2');
    let cached = 0;
    for await (const object of store.list(responseCachePrefix)) if (object.key.endsWith('.json')) cached += 1;
    // Items 0, 1 and 9 have the same answer on both sides, so 20 calls ask 17 distinct questions.
    expect(cached).toBe(17);
  });
});
