// Reading the judge's last line. Strict on purpose: a reply that does not end in the asked-for line is unparsable
// and its item goes unscored, rather than guessed at from numbers or letters elsewhere in the text.

/** Which answer a pairwise reply prefers, by position. */
export type PairwiseVerdict = 'A' | 'B' | 'tie';

function lastLine(text: string): string | undefined {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .at(-1);
}

const scoreLine = /^score:\s*(\d{1,2})$/i;
const verdictLine = /^verdict:\s*(a|b|tie)$/i;

/**
 * The 1–10 score on a reply's last line (`Score: 7`), or null when the last line is not exactly that form or the
 * number is out of range.
 * @example parseScoreReply('Matches the reference.\nScore: 9') // 9
 */
export function parseScoreReply(text: string): number | null {
  const match = scoreLine.exec(lastLine(text) ?? '');
  if (!match) return null;
  const score = Number(match[1]);
  return score >= 1 && score <= 10 ? score : null;
}

/** A 1–10 score as a metric value in [0, 1]: 1 → 0, 10 → 1. */
export function scoreToUnit(score: number): number {
  return (score - 1) / 9;
}

/**
 * The verdict on a reply's last line (`Verdict: A`, `Verdict: B`, `Verdict: tie`, any case), or null.
 * @example parsePairwiseReply('B repeats the question.\nVerdict: A') // 'A'
 */
export function parsePairwiseReply(text: string): PairwiseVerdict | null {
  const match = verdictLine.exec(lastLine(text) ?? '');
  if (!match) return null;
  const verdict = match[1]!.toLowerCase();
  return verdict === 'tie' ? 'tie' : verdict === 'a' ? 'A' : 'B';
}
