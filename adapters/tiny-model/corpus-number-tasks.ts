import { fillTemplate } from './corpus-template.js';
import { corpusWords } from './corpus-words.js';
import { frameTask, type ConversationGenerator } from './corpus-task-frame.js';
import type { SeededRandom } from '../../core/index.js';

/** A question and its numeric answer. */
interface Sum {
  question: string;
  answer: number;
}

const countables = ['apples', 'pens', 'books', 'cups', 'stamps', 'tickets', 'boxes', 'chairs', 'eggs', 'plants'];

function addition(random: SeededRandom): Sum {
  const [a, b] = [random.int(random.chance(0.8) ? 100 : 1000), random.int(100)];
  const question = random.pick([`What is ${a} + ${b}?`, `What is ${a} plus ${b}?`, `Add ${a} and ${b}.`, `${a} + ${b} =`, `Calculate ${a} + ${b}.`]);
  return { question, answer: a + b };
}

function subtraction(random: SeededRandom): Sum {
  const b = random.int(100);
  const a = b + random.int(100);
  const question = random.pick([`What is ${a} - ${b}?`, `What is ${a} minus ${b}?`, `Subtract ${b} from ${a}.`, `${a} - ${b} =`]);
  return { question, answer: a - b };
}

function multiplication(random: SeededRandom): Sum {
  const [a, b] = [1 + random.int(12), 1 + random.int(12)];
  const question = random.pick([`What is ${a} times ${b}?`, `What is ${a} x ${b}?`, `Multiply ${a} by ${b}.`, `${a} * ${b} =`]);
  return { question, answer: a * b };
}

function wordProblem(random: SeededRandom): Sum {
  const [a, b] = [2 + random.int(30), 1 + random.int(12)];
  const things = random.pick(countables);
  const style = random.int(3);
  if (style === 0) {
    return { question: fillTemplate(random, `{firstName} has ${a} ${things} and buys ${b} more. How many ${things} does {firstName} have now?`), answer: a + b };
  }
  if (style === 1) {
    const given = Math.min(a, b);
    return { question: fillTemplate(random, `{firstName} had ${a} ${things} and gave ${given} to {firstName2}. How many are left?`), answer: a - given };
  }
  const perBox = 1 + random.int(12);
  return { question: `A crate holds ${perBox} ${things}. How many ${things} are in ${b} crates?`, answer: perBox * b };
}

function comparison(random: SeededRandom): Sum {
  const [a, b] = [random.int(1000), random.int(1000)];
  const larger = random.chance(0.5);
  return { question: `Which is ${larger ? 'larger' : 'smaller'}, ${a} or ${b}?`, answer: larger ? Math.max(a, b) : Math.min(a, b) };
}

function nextInSequence(random: SeededRandom): Sum {
  const [start, step] = [random.int(50), 1 + random.int(10)];
  const terms = Array.from({ length: 4 }, (_, i) => start + i * step);
  return { question: `What number comes next: ${terms.join(', ')}?`, answer: start + 4 * step };
}

const makers = [addition, addition, subtraction, multiplication, wordProblem, wordProblem, comparison, nextInSequence];

/** Small arithmetic and number questions answered with the number alone. */
export const arithmeticTask: ConversationGenerator = (random) => {
  const sum = random.pick(makers)(random);
  const instruction = random.pick(['', '', 'Answer with a number only.', 'Reply with just the result.', 'Give only the final number.']);
  return frameTask(random, { instruction, input: sum.question, answer: String(sum.answer) });
};

/** The neighbour of an item in a cyclic list, such as the day after Sunday. */
function neighbour(list: readonly string[], item: string, offset: 1 | -1): string {
  return list[(list.indexOf(item) + offset + list.length) % list.length] as string;
}

/** Days of the week and months of the year: what comes after or before. */
export const calendarTask: ConversationGenerator = (random) => {
  const list = random.chance(0.5) ? corpusWords.weekday : corpusWords.month;
  const kind = list === corpusWords.weekday ? 'day' : 'month';
  const item = random.pick(list);
  const after = random.chance(0.6);
  const question = after
    ? random.pick([`What ${kind} comes after ${item}?`, `Which ${kind} follows ${item}?`])
    : random.pick([`What ${kind} comes before ${item}?`, `Which ${kind} is just before ${item}?`]);
  const instruction = random.pick(['', 'Answer with one word.']);
  return frameTask(random, { instruction, input: question, answer: neighbour(list, item, after ? 1 : -1) });
};
