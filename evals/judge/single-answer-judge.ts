import type { RubricJudge } from '../rubric.js';
import { askJudge, forEachItem, type JudgeCallContext, type JudgeReply } from './judge-calls.js';
import { singleAnswerMessages, type JudgedItem } from './judge-prompts.js';
import { parseScoreReply, scoreToUnit } from './judge-replies.js';

/** Each side's answers graded alone: per item a value in [0, 1], or null where the reply could not be read. */
export interface SingleAnswerJudgement {
  candidate: (number | null)[];
  baseline: (number | null)[];
  /** Item indices with at least one unreadable reply. */
  unparsableItems: number[];
  /** Replies that could not be read. */
  unparsable: number;
  replies: JudgeReply[];
}

/**
 * Asks the judge to grade the candidate's and the baseline's answer to every item on its own, from 1 to 10 against
 * the rubric text; a score s becomes the metric value (s − 1) / 9. An unreadable reply gives null, never 0.
 */
export async function judgeSingleAnswers(context: JudgeCallContext, items: readonly JudgedItem[], config: RubricJudge): Promise<SingleAnswerJudgement> {
  const candidate: (number | null)[] = new Array(items.length).fill(null);
  const baseline: (number | null)[] = new Array(items.length).fill(null);
  const replies: JudgeReply[] = [];
  const request = (answer: string, item: JudgedItem) => ({
    messages: singleAnswerMessages(item, answer, config.rubricText),
    maxTokens: config.maxTokens,
    temperature: config.temperature,
    seed: config.seed,
  });
  await forEachItem(items.length, context, async (index) => {
    const item = items[index]!;
    const [own, theirs] = await Promise.all([
      askJudge(context, index, 'single-candidate', request(item.candidate, item)),
      askJudge(context, index, 'single-baseline', request(item.baseline, item)),
    ]);
    replies.push(own, theirs);
    const ownScore = parseScoreReply(own.response.text);
    const theirScore = parseScoreReply(theirs.response.text);
    candidate[index] = ownScore === null ? null : scoreToUnit(ownScore);
    baseline[index] = theirScore === null ? null : scoreToUnit(theirScore);
  });
  const unparsableItems = items.map((_, index) => index).filter((index) => candidate[index] === null || baseline[index] === null);
  const unparsable = candidate.filter((value) => value === null).length + baseline.filter((value) => value === null).length;
  return { candidate, baseline, unparsableItems, unparsable, replies };
}
