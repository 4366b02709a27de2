// An LLM judge for evals: single-answer grading and pairwise comparison in both orders, saved per item.
// Internal, not exported: the saved-call store format and the worker pool.
export { runJudge, judgeScoreMetric, judgePairwiseMetric, type RunJudgeInput, type JudgeOutcome } from './run-judge.js';
export { judgeSingleAnswers, type SingleAnswerJudgement } from './single-answer-judge.js';
export { judgePairwise, combineOrders, type PairwiseJudgement, type PairwiseItem, type PairwiseOutcome } from './pairwise-judge.js';
export { compareJudgeScores, type JudgeMetricScores, type JudgeMetricResult, type JudgeComparisonSettings, type Estimate } from './judge-comparison.js';
export { singleAnswerMessages, pairwiseMessages, type JudgedItem, type JudgeMessage } from './judge-prompts.js';
export { parseScoreReply, parsePairwiseReply, scoreToUnit, type PairwiseVerdict } from './judge-replies.js';
export { judgeCallKey, type JudgeCallName, type JudgeCallContext, type JudgeReply } from './judge-calls.js';
export { createJudgeProvider } from './judge-provider.js';
