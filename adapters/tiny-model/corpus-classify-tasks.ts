import { proseThemes } from './corpus-prose-templates.js';
import { fillTemplate, fillTemplates } from './corpus-template.js';
import { frameTask, insertOptions, type ConversationGenerator } from './corpus-task-frame.js';
import { ticketClosings, ticketKinds, ticketOpenings } from './corpus-ticket-templates.js';
import type { SeededRandom } from '../../core/index.js';

type Sentiment = 'positive' | 'negative' | 'neutral';

const reviewSentences: Record<Sentiment, readonly string[]> = {
  positive: [
    'The {product} is {goodAdjective} and arrived a day early.',
    'I love this {product}, it is {goodAdjective}.',
    'Really {goodAdjective} service from {company}, thank you!',
    'Five stars. The {product} works perfectly.',
    'Best {product} I have owned, {goodAdjective} and {goodAdjective2}.',
    'The staff in {city} were kind and the {product} is {goodAdjective}.',
    'I would happily buy this {product} again.',
  ],
  negative: [
    'The {product} is {badAdjective} and stopped working after a week.',
    'Very {badAdjective}. I want my money back.',
    'Worst {product} I have bought, {badAdjective} and late.',
    'Nobody answered my emails and the {product} is {badAdjective}.',
    'One star. The {product} arrived {badAdjective} and {badAdjective2}.',
    'I regret buying this {product} from {company}.',
    'Do not buy this, it is {badAdjective}.',
  ],
  neutral: [
    'The {product} arrived on {weekday}. It is a fairly {plainAdjective} {product}.',
    'It does what it says, nothing more and nothing less.',
    'The {product} is {plainAdjective}; not great, not bad.',
    'I ordered the {color} {product} and it came in {color}.',
    'The {product} is about the size I expected.',
    'I have used the {product} for {numberWord} days so far.',
  ],
};

const sentimentLabelSets: readonly Record<Sentiment, string>[] = [
  { positive: 'positive', negative: 'negative', neutral: 'neutral' },
  { positive: 'Positive', negative: 'Negative', neutral: 'Neutral' },
  { positive: 'good', negative: 'bad', neutral: 'mixed' },
  { positive: 'happy', negative: 'unhappy', neutral: 'neutral' },
  { positive: 'POSITIVE', negative: 'NEGATIVE', neutral: 'NEUTRAL' },
  { positive: 'pos', negative: 'neg', neutral: 'neu' },
];

const sentimentInstructions = [
  'Classify the sentiment of the review. Answer with one word: {options}.',
  'Is this review {options}? Reply with the label only.',
  'You label customer feedback. Reply with exactly one of: {options}.',
  'Read the message and say how the customer feels. Options: {options}.',
];

/** A product review labelled positive, negative or (in three-way tasks) neutral. */
export const sentimentTask: ConversationGenerator = (random) => {
  const labels = random.pick(sentimentLabelSets);
  const sentiments: Sentiment[] = random.chance(0.3) ? ['positive', 'negative'] : ['positive', 'negative', 'neutral'];
  const truth = random.pick(sentiments);
  const sentences = random.shuffle(reviewSentences[truth]).slice(0, 1 + random.int(2));
  const review = fillTemplates(random, sentences).join(' ');
  const instruction = insertOptions(random, random.pick(sentimentInstructions), random.shuffle(sentiments.map((sentiment) => labels[sentiment])));
  const input = random.chance(0.4) ? `Review: ${review}` : review;
  return frameTask(random, { instruction, input, answer: labels[truth] });
};

/** Topic labels for each prose theme; multi-word ones in the snake_case that label sets often use. */
const themeLabels: Readonly<Record<string, readonly string[]>> = {
  orders: ['orders', 'shopping', 'order_status'],
  accounts: ['account', 'accounts', 'user_accounts'],
  software: ['software', 'technology', 'tech'],
  weather: ['weather', 'forecast', 'climate'],
  travel: ['travel', 'trips', 'tourism'],
  food: ['food', 'cooking', 'recipes'],
  office: ['work', 'office', 'workplace'],
  home: ['home', 'household', 'home_and_garden'],
  health: ['health', 'wellbeing', 'medicine'],
  school: ['school', 'education', 'studies'],
  hobbies: ['hobbies', 'leisure', 'sports_and_music'],
  money: ['finance', 'money', 'personal_finance'],
};

const topicInstructions = [
  'What is the topic of the text? Choose one of: {options}.',
  'Pick the topic from this list: {options}. Reply with the topic only.',
  'Classify the paragraph into one topic: {options}.',
  'You are a topic classifier. Reply with exactly one label: {options}.',
  'Which of these subjects is the text about? {options}',
];

/** A sentence or two from a prose theme; the answer is that theme's label among 3–6 listed ones. */
export const topicTask: ConversationGenerator = (random) => {
  const themes = random.shuffle(Object.keys(themeLabels)).slice(0, 3 + random.int(4));
  const truth = themes[0] as string;
  const labelOf = new Map(themes.map((theme) => [theme, random.pick(themeLabels[theme] ?? [theme])]));
  const sentences = random.shuffle(proseThemes[truth] ?? []).slice(0, 1 + random.int(2));
  const text = fillTemplates(random, sentences).join(' ');
  const instruction = insertOptions(random, random.pick(topicInstructions), random.shuffle(themes).map((theme) => labelOf.get(theme) as string));
  return frameTask(random, { instruction, input: text, answer: labelOf.get(truth) as string });
};

const routingInstructions = [
  'Route the ticket to one queue: {options}. Reply with the queue name only.',
  'You sort customer messages. Answer with exactly one label from: {options}.',
  'Which category fits this message best? Choose from {options}.',
  'Label the request. Allowed labels: {options}. Output the label and nothing else.',
  'You are a help desk assistant. Reply with exactly one category: {options}.',
];

/** A customer message, with an optional greeting and sign-off, routed among 3–6 ticket kinds. */
function ticketMessage(random: SeededRandom, sentence: string): string {
  const opening = random.pick(ticketOpenings);
  const closing = random.pick(ticketClosings);
  const head = opening === '' ? '' : `${opening}${opening.endsWith(',') ? '\n' : ' '}`;
  return fillTemplate(random, `${head}${sentence}${closing === '' ? '' : ` ${closing}`}`);
}

/** A customer message; the answer is its kind's label among 3–6 kinds, each under a random label. */
export const routingTask: ConversationGenerator = (random) => {
  const kinds = random.shuffle(ticketKinds).slice(0, 3 + random.int(4));
  const truth = kinds[0]!;
  const labelOf = new Map(kinds.map((kind) => [kind, random.pick(kind.labels)]));
  const message = ticketMessage(random, random.pick(truth.sentences));
  const instruction = insertOptions(random, random.pick(routingInstructions), random.shuffle(kinds).map((kind) => labelOf.get(kind) as string));
  return frameTask(random, { instruction, input: message, answer: labelOf.get(truth) as string });
};
