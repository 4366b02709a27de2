import type { RubricJudge } from '../rubric.js';
import { askJudge, forEachItem, type JudgeCallContext, type JudgeReply } from './judge-calls.js';
import { pairwiseMessages, type JudgedItem } from './judge-prompts.js';
import { parsePairwiseReply, type PairwiseVerdict } from './judge-replies.js';

/** How an item came out for the candidate. */
export type PairwiseOutcome = 'win' | 'tie' | 'loss';

/** One item compared in both orders. */
export interface PairwiseItem {
  /** The verdict with the candidate as answer A, and with it as answer B; null where the reply could not be read. */
  candidateFirst: PairwiseVerdict | null;
  baselineFirst: PairwiseVerdict | null;
  /** Null when either reply could not be read. */
  outcome: PairwiseOutcome | null;
  /** Both replies read, and they prefer different answers (a tie in one order and a preference in the other included). */
  inconsistent: boolean;
}

/** Every item compared in both orders, with the candidate's per-item value: 1 win, 0.5 tie, 0 loss, null unread. */
export interface PairwiseJudgement {
  items: PairwiseItem[];
  candidate: (number | null)[];
  unparsableItems: number[];
  unparsable: number;
  replies: JudgeReply[];
}

const outcomeValue: Record<PairwiseOutcome, number> = { win: 1, tie: 0.5, loss: 0 };

/**
 * The outcome of one item from its two verdicts: a preference both orders agree on is a win or a loss for the
 * candidate; an agreed tie, or two orders that disagree, is a tie.
 * @example combineOrders('A', 'B') // { outcome: 'win', inconsistent: false }: the candidate won in both positions
 */
export function combineOrders(candidateFirst: PairwiseVerdict | null, baselineFirst: PairwiseVerdict | null): Pick<PairwiseItem, 'outcome' | 'inconsistent'> {
  if (candidateFirst === null || baselineFirst === null) return { outcome: null, inconsistent: false };
  const preferred = (verdict: PairwiseVerdict, candidatePosition: 'A' | 'B'): 'candidate' | 'baseline' | 'tie' =>
    verdict === 'tie' ? 'tie' : verdict === candidatePosition ? 'candidate' : 'baseline';
  const first = preferred(candidateFirst, 'A');
  const second = preferred(baselineFirst, 'B');
  if (first !== second) return { outcome: 'tie', inconsistent: true };
  return { outcome: first === 'candidate' ? 'win' : first === 'baseline' ? 'loss' : 'tie', inconsistent: false };
}

/**
 * Asks the judge for every item which answer is better, twice: with the candidate's answer as A and as B,
 * so that a judge who favours a position shows up as inconsistency instead of as a win for one side.
 */
export async function judgePairwise(context: JudgeCallContext, items: readonly JudgedItem[], config: RubricJudge): Promise<PairwiseJudgement> {
  const results: PairwiseItem[] = new Array(items.length);
  const replies: JudgeReply[] = [];
  const request = (item: JudgedItem, answerA: string, answerB: string) => ({
    messages: pairwiseMessages(item, answerA, answerB, config.rubricText),
    maxTokens: config.maxTokens,
    temperature: config.temperature,
    seed: config.seed,
  });
  await forEachItem(items.length, context, async (index) => {
    const item = items[index]!;
    const [first, second] = await Promise.all([
      askJudge(context, index, 'pairwise-candidate-first', request(item, item.candidate, item.baseline)),
      askJudge(context, index, 'pairwise-baseline-first', request(item, item.baseline, item.candidate)),
    ]);
    replies.push(first, second);
    const candidateFirst = parsePairwiseReply(first.response.text);
    const baselineFirst = parsePairwiseReply(second.response.text);
    results[index] = { candidateFirst, baselineFirst, ...combineOrders(candidateFirst, baselineFirst) };
  });
  const unread = (verdict: PairwiseVerdict | null) => (verdict === null ? 1 : 0);
  return {
    items: results,
    candidate: results.map((result) => (result.outcome === null ? null : outcomeValue[result.outcome])),
    unparsableItems: results.flatMap((result, index) => (result.outcome === null ? [index] : [])),
    unparsable: results.reduce((sum, result) => sum + unread(result.candidateFirst) + unread(result.baselineFirst), 0),
    replies,
  };
}
