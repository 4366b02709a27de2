import { capitalize } from './corpus-template.js';
import { corpusWords, type CorpusWordSlot } from './corpus-words.js';
import { frameTask, type ConversationGenerator } from './corpus-task-frame.js';
import type { SeededRandom } from '../../core/index.js';

/** Word lists whose entries are single plain words, good for list games. */
const listSources: readonly CorpusWordSlot[] = ['color', 'animal', 'sport', 'instrument', 'weekday', 'season', 'weather', 'room', 'city', 'firstName', 'subject', 'transport'];

/** An operation on a word list: its instruction and what it makes of the words. */
interface ListOperation {
  instructions: readonly string[];
  apply: (words: readonly string[]) => string;
}

const byCode = (left: string, right: string) => (left.toLowerCase() < right.toLowerCase() ? -1 : 1);

const listOperations: readonly ListOperation[] = [
  { instructions: ['Repeat these words exactly.', 'Copy the list.'], apply: (words) => words.join(' ') },
  { instructions: ['Write these words in capital letters.', 'Convert the words to uppercase.'], apply: (words) => words.join(' ').toUpperCase() },
  { instructions: ['Write these words in lowercase.', 'Convert the words to lowercase.'], apply: (words) => words.join(' ').toLowerCase() },
  { instructions: ['Reverse the order of these words.', 'List the words backwards, last word first.'], apply: (words) => [...words].reverse().join(' ') },
  { instructions: ['Sort these words alphabetically.', 'Put the words in alphabetical order.'], apply: (words) => [...words].sort(byCode).join(' ') },
  { instructions: ['What is the first word?', 'Give the first word of the list.'], apply: (words) => words[0] as string },
  { instructions: ['What is the last word?', 'Give the last word of the list.'], apply: (words) => words[words.length - 1] as string },
  { instructions: ['How many words are in the list?', 'Count the words.'], apply: (words) => String(words.length) },
  { instructions: ['Join the words with commas.', 'Write the words as a comma-separated list.'], apply: (words) => words.join(', ') },
];

/** Distinct single words from one list, in random letter case for the case-changing tasks. */
function pickWords(random: SeededRandom): string[] {
  const source = corpusWords[random.pick(listSources)].filter((word) => !word.includes(' '));
  const words = random.shuffle(source).slice(0, 3 + random.int(4));
  const casing = random.int(3);
  return words.map((word) => (casing === 0 ? word.toLowerCase() : casing === 1 ? capitalize(word) : word));
}

/** Copy, change case, reverse, sort, count or pick from a short list of words. */
export const wordListTask: ConversationGenerator = (random) => {
  const words = pickWords(random);
  const operation = random.pick(listOperations);
  const separator = random.pick([' ', ', ', '\n']);
  const input = random.chance(0.4) ? `Words: ${words.join(separator)}` : words.join(separator);
  return frameTask(random, { instruction: random.pick(operation.instructions), input, answer: operation.apply(words) });
};

/** Spell a word letter by letter, or count its letters. */
export const spellingTask: ConversationGenerator = (random) => {
  const word = random.pick(pickWords(random)).toLowerCase();
  if (random.chance(0.5)) {
    const separator = random.pick(['-', ' ']);
    const input = random.pick([`Spell the word "${word}" letter by letter.`, `Spell ${word}.`]);
    return frameTask(random, { instruction: '', input, answer: [...word].join(separator) });
  }
  const input = random.pick([`How many letters are in the word "${word}"?`, `Count the letters in ${word}.`]);
  return frameTask(random, { instruction: random.pick(['', 'Answer with a number only.']), input, answer: String(word.length) });
};

const smallTalk: readonly (readonly [string, string])[] = [
  ['Hello!', 'Hello! How can I help you today?'],
  ['Hi', 'Hi! What can I do for you?'],
  ['Good morning', 'Good morning! How can I help?'],
  ['Thanks for your help.', 'You are welcome.'],
  ['Thank you!', 'Happy to help.'],
  ['Can you help me with an order?', 'Yes, of course. What is the order number?'],
  ['Bye', 'Goodbye, have a nice day!'],
  ['Who are you?', 'I am a small assistant that gives short answers.'],
  ['Can you answer in one word?', 'Yes.'],
  ['Are you there?', 'Yes, I am here.'],
];

/** Greetings and thanks with a short, polite reply. */
export const smallTalkTask: ConversationGenerator = (random) => {
  const [input, answer] = random.pick(smallTalk);
  return frameTask(random, { instruction: '', input, answer });
};
