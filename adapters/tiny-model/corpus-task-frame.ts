import type { ChatmlMessage } from './corpus-chatml.js';
import type { SeededRandom } from '../../core/index.js';

/** Makes one generated conversation: system prompt optional, then user and assistant turns. */
export type ConversationGenerator = (random: SeededRandom) => ChatmlMessage[];

/** A question asked after the first answer, about the same input. */
export interface FollowUp {
  question: string;
  answer: string;
}

/** A task instance before it is framed as a conversation. */
export interface TaskInstance {
  /** Empty when the input is a plain question that needs no instruction. */
  instruction: string;
  input: string;
  answer: string;
  followUps?: readonly FollowUp[];
}

const personas = [
  'You are a helpful assistant.',
  'You are a concise assistant. Answer briefly.',
  'You are a careful assistant. Give only the answer.',
  'You help people with short, exact answers.',
  'You are an assistant for a small business.',
];

/** Labels inline, the way people write options in prompts: `a, b, or c`, `a, b or c`, `a | b | c`. */
function inlineOptions(style: number, labels: readonly string[]): string {
  if (style === 3) return labels.join(' | ');
  if (style === 2 || labels.length < 2) return labels.join(', ');
  const last = labels[labels.length - 1] as string;
  return `${labels.slice(0, -1).join(', ')}${style === 0 && labels.length > 2 ? ',' : ''} or ${last}`;
}

/**
 * Puts `labels` where `template` says `{options}`: inline in one of several styles, or as a bullet
 * list on their own lines, when the text before ends with a colon or question mark.
 *
 * @example
 * insertOptions(random, 'Reply with one label: {options}.', ['a', 'b']); // 'Reply with one label: a or b.'
 */
export function insertOptions(random: SeededRandom, template: string, labels: readonly string[]): string {
  const [before = '', after = ''] = template.split('{options}');
  const afterColon = /[:?]\s*$/.test(before);
  // Mid-sentence ("Is this review {options}?") only reads well with "or".
  const style = afterColon ? random.int(5) : random.int(2);
  if (style === 4) {
    const rest = after.replace(/^[.?]?\s*/, '');
    const list = labels.map((label) => `- ${label}`).join('\n');
    return `${before.trimEnd()}\n${list}${rest === '' ? '' : `\n${rest}`}`;
  }
  return `${before}${inlineOptions(style % 4, labels)}${after}`;
}

/**
 * Frames a task as a conversation in one of several layouts people use: the instruction as the
 * system prompt, or inside the user turn (before or after the input) under a generic persona or none.
 */
export function frameTask(random: SeededRandom, task: TaskInstance): ChatmlMessage[] {
  const layout = random.int(10);
  const messages: ChatmlMessage[] = [];
  if (task.instruction === '') {
    if (layout < 4) messages.push({ role: 'system', content: random.pick(personas) });
    messages.push({ role: 'user', content: task.input });
  } else if (layout < 5) {
    messages.push({ role: 'system', content: task.instruction }, { role: 'user', content: task.input });
  } else {
    if (layout < 7) messages.push({ role: 'system', content: random.pick(personas) });
    const content = layout === 9 ? `${task.input}\n\n${task.instruction}` : `${task.instruction}\n\n${task.input}`;
    messages.push({ role: 'user', content });
  }
  messages.push({ role: 'assistant', content: task.answer });
  for (const followUp of task.followUps ?? []) {
    messages.push({ role: 'user', content: followUp.question }, { role: 'assistant', content: followUp.answer });
  }
  return messages;
}
