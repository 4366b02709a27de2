import { UsageError } from '../../core/index.js';
import { renderChatml } from './corpus-chatml.js';
import { routingTask, sentimentTask, topicTask } from './corpus-classify-tasks.js';
import { arithmeticTask, calendarTask } from './corpus-number-tasks.js';
import { generateProse } from './corpus-prose.js';
import { extractionTask, yesNoTask } from './corpus-record-tasks.js';
import { summaryTask } from './corpus-summary-tasks.js';
import type { ConversationGenerator } from './corpus-task-frame.js';
import { smallTalkTask, spellingTask, wordListTask } from './corpus-word-tasks.js';
import { SeededRandom } from '../../core/index.js';

/** What {@link generateCorpus} makes. */
export interface CorpusOptions {
  seed: number;
  /** How many documents to generate. */
  documents: number;
  /** The share of plain prose documents; the rest are chat conversations. Defaults to 0.2. */
  proseShare?: number;
}

/** Conversation kinds and their relative weights: mostly "answer with one of the listed options" and extraction. */
const conversationKinds: readonly (readonly [ConversationGenerator, number])[] = [
  [sentimentTask, 12],
  [topicTask, 14],
  [routingTask, 12],
  [extractionTask, 14],
  [yesNoTask, 8],
  [summaryTask, 8],
  [arithmeticTask, 10],
  [calendarTask, 3],
  [wordListTask, 10],
  [spellingTask, 4],
  [smallTalkTask, 2],
];

const totalWeight = conversationKinds.reduce((sum, [, weight]) => sum + weight, 0);

function pickConversationKind(random: SeededRandom): ConversationGenerator {
  let ticket = random.next() * totalWeight;
  for (const [generate, weight] of conversationKinds) {
    ticket -= weight;
    if (ticket < 0) return generate;
  }
  return conversationKinds[0]![0];
}

/**
 * Generates the tiny model's pretraining corpus: ChatML conversations in which an instruction gets a
 * short answer, and plain prose paragraphs ending in `<|endoftext|>`. The same seed gives the same
 * documents. All text comes from this project's own word lists and templates.
 *
 * @example
 * const documents = generateCorpus({ seed: 7, documents: 10_000 });
 */
export function generateCorpus(options: CorpusOptions): string[] {
  const proseShare = options.proseShare ?? 0.2;
  if (!Number.isInteger(options.documents) || options.documents < 0) {
    throw new UsageError(`corpus documents must be a non-negative integer, got ${options.documents}`);
  }
  if (!(proseShare >= 0 && proseShare <= 1)) throw new UsageError(`corpus proseShare must be between 0 and 1, got ${proseShare}`);
  const random = new SeededRandom(options.seed);
  const documents: string[] = [];
  for (let index = 0; index < options.documents; index += 1) {
    documents.push(random.chance(proseShare) ? generateProse(random) : renderChatml(pickConversationKind(random)(random)));
  }
  return documents;
}
