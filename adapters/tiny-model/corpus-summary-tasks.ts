import { fillTemplates } from './corpus-template.js';
import { frameTask, type ConversationGenerator } from './corpus-task-frame.js';

/** A message made of a few sentences, and the one-line summary that a template makes of it. */
interface SummaryScenario {
  sentences: readonly string[];
  summary: string;
}

const scenarios: readonly SummaryScenario[] = [
  {
    sentences: ['I bought a {product} on {date} (order {order}).', 'It stopped working after {numberWord} days.', 'I would like my money back, please.'],
    summary: '{firstName} wants a refund for a faulty {product} from order {order}.',
  },
  {
    sentences: ['I ordered a {product} on {date}, order {order}.', 'The website promised delivery within {numberWord} days.', 'Nothing has come so far.'],
    summary: '{firstName} is still waiting for the {product} from order {order}.',
  },
  {
    sentences: ['The {officeThing} planned for {weekday} is moving to {weekday2} at {hour}.', 'It will take place in the {city} office.', 'Please update your calendars.'],
    summary: 'The {officeThing} moves from {weekday} to {weekday2} at {hour}.',
  },
  {
    sentences: ['I am moving to {city} at the end of {month}.', 'Please send order {order} to my new address instead.', 'The old address will not work after that.'],
    summary: '{firstName} asks to send order {order} to a new address in {city}.',
  },
  {
    sentences: ['I have not been able to open my account since {weekday}.', 'The reset link in your email says it has expired.', 'I tried {numberWord} times.'],
    summary: '{firstName} cannot sign in because the reset link has expired.',
  },
  {
    sentences: ['The {product} I bought from {company} is {goodAdjective}.', 'I use it every day.', 'Thank you for the quick delivery.'],
    summary: '{firstName} is happy with the {product} from {company}.',
  },
  {
    sentences: ['Tomorrow will be {weather} in {city}.', 'Temperatures will reach about {number} degrees {timeOfDay}.', 'Take a jacket if you go out late.'],
    summary: 'Tomorrow will be {weather} in {city}.',
  },
  {
    sentences: ['Our team lunch is on {weekday} at {hour}.', 'We will meet at the {place} near the office.', 'Please tell {firstName} if you cannot come.'],
    summary: 'Team lunch on {weekday} at {hour} at the {place}.',
  },
  {
    sentences: ['Since this morning the {softwareThing} {softwareFault}.', 'This happens on my {device} and on my colleague\'s too.', 'We need it for a client demo on {weekday}.'],
    summary: 'The {softwareThing} {softwareFault} and is needed by {weekday}.',
  },
  {
    sentences: ['Please cancel my subscription at the end of {month}.', 'We no longer need the service.', 'Send the final invoice to this address.'],
    summary: '{firstName} wants to cancel the subscription at the end of {month}.',
  },
];

const summaryInstructions = [
  'Summarize the message in one sentence.',
  'Write a one-line summary.',
  'Give a short summary of the email.',
  'Sum this up in a single sentence.',
  'Summarise the note briefly.',
];

/** A short email built from a scenario, with an optional greeting and signature; the answer is its template summary. */
export const summaryTask: ConversationGenerator = (random) => {
  const scenario = random.pick(scenarios);
  const withLetter = random.chance(0.6);
  const body = scenario.sentences.join(' ');
  const message = withLetter ? `{greeting},\n\n${body}\n\n{signOff},\n{firstName}` : `${body} ({firstName})`;
  const [text, summary] = fillTemplates(random, [message, scenario.summary]) as [string, string];
  return frameTask(random, { instruction: random.pick(summaryInstructions), input: text, answer: summary });
};
