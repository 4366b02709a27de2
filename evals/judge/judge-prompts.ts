// What the judge is asked: one answer to grade, or two to compare, each with the task, the reference and the rubric.
// Pure text; the replies are read in judge-replies.ts.

/** One eval item as the judge sees it: the conversation, the reference reply and both sides' answers. */
export interface JudgedItem {
  id: string;
  messages: readonly { role: string; content: string }[];
  reference: string;
  candidate: string;
  baseline: string;
}

/** A chat message sent to the judge. */
export interface JudgeMessage {
  role: 'system' | 'user';
  content: string;
}

function conversation(item: JudgedItem): string {
  return item.messages.map((message) => `${message.role}: ${message.content}`).join('\n');
}

/**
 * The messages that ask the judge to grade one answer from 1 to 10; its last line must read `Score: N`.
 * @example singleAnswerMessages(item, item.candidate, 'Correct and concise; the label must match exactly.')
 */
export function singleAnswerMessages(item: JudgedItem, answer: string, rubricText: string): JudgeMessage[] {
  const system = [
    'You grade one answer to a task against the rubric below, using the reference answer as the standard.',
    'Reason briefly, then end your reply with a last line of the form "Score: N", where N is a whole number',
    'from 1 (useless) to 10 (as good as the reference), with nothing after it.',
    '',
    'Rubric:',
    rubricText,
  ].join('\n');
  const user = [`<prompt>\n${conversation(item)}\n</prompt>`, `<reference>\n${item.reference}\n</reference>`, `<answer>\n${answer}\n</answer>`].join('\n');
  return [
    { role: 'system', content: system },
    { role: 'user', content: user },
  ];
}

/**
 * The messages that ask the judge which of two answers is better; its last line must read `Verdict: A`,
 * `Verdict: B` or `Verdict: tie`. The caller asks twice with the answers swapped, since judges favour a position.
 */
export function pairwiseMessages(item: JudgedItem, answerA: string, answerB: string, rubricText: string): JudgeMessage[] {
  const system = [
    'You compare two answers to the same task against the rubric below, using the reference answer as the standard.',
    'The order of the answers says nothing about their quality. Reason briefly, then end your reply with a last line',
    'that reads "Verdict: A", "Verdict: B" or "Verdict: tie", with nothing after it.',
    '',
    'Rubric:',
    rubricText,
  ].join('\n');
  const user = [
    `<prompt>\n${conversation(item)}\n</prompt>`,
    `<reference>\n${item.reference}\n</reference>`,
    `<answer_a>\n${answerA}\n</answer_a>`,
    `<answer_b>\n${answerB}\n</answer_b>`,
  ].join('\n');
  return [
    { role: 'system', content: system },
    { role: 'user', content: user },
  ];
}
