import { fillTemplate, formatDate, formatOrderNumber, formatPrice } from './corpus-template.js';
import { corpusWords } from './corpus-words.js';
import { frameTask, insertOptions, type ConversationGenerator, type FollowUp } from './corpus-task-frame.js';
import type { SeededRandom } from '../../core/index.js';

/** The facts one order message states. */
type Field = 'name' | 'city' | 'date' | 'order' | 'product' | 'price' | 'email';
type OrderRecord = Record<Field, string>;

const recordTexts = [
  '{name} from {city} placed order {order} for a {product} on {date}. The total was {price}.',
  'Hello, my name is {name} and I live in {city}. I ordered a {product} (order {order}) on {date}.',
  'Order {order}: one {product}, {price}, sent to {name} in {city} on {date}.',
  'On {date}, {name} asked us to send the {product} from order {order} to a new address in {city}.',
  'Customer: {name}\nCity: {city}\nOrder: {order}\nDate: {date}\nItem: {product}',
  'Please contact {name} ({email}) about order {order}. The {product} should reach {city} by {date}.',
  '{name} paid {price} for a {product} on {date} and wants it delivered to {city}. Reference: {order}.',
  'New message from {email}: the {product} in order {order} has not arrived in {city} yet. Signed, {name}.',
  'Name: {name}\nEmail: {email}\nProduct: {product}\nPrice: {price}',
];

const fieldQuestions: Record<Field, readonly string[]> = {
  name: ['Extract the customer name.', 'What is the name of the customer?', 'Who is the customer? Reply with the full name.'],
  city: ['Which city is mentioned?', 'Extract the city.', 'Where is the customer? Give the city only.'],
  date: ['What date is mentioned?', 'Extract the date exactly as written.', 'On which date did it happen?'],
  order: ['What is the order number?', 'Extract the order number.', 'Give the order reference only.'],
  product: ['Which product is it about?', 'Extract the product name.', 'What did the customer buy?'],
  price: ['What was the price?', 'Extract the amount paid.', 'How much did it cost?'],
  email: ['What is the email address?', 'Extract the email address.', 'Which email should we reply to?'],
};

const shortFollowUps: Record<Field, string> = {
  name: 'And the name?', city: 'And the city?', date: 'What about the date?', order: 'And the order number?',
  product: 'And the product?', price: 'And the price?', email: 'And the email?',
};

const jsonKeys: Record<Field, string> = { name: 'name', city: 'city', date: 'date', order: 'order_number', product: 'product', price: 'price', email: 'email' };

function makeRecord(random: SeededRandom): OrderRecord {
  const first = random.pick(corpusWords.firstName);
  const last = random.pick(corpusWords.lastName);
  const domain = random.pick(['example.com', 'example.org', 'example.net']);
  return {
    name: `${first} ${last}`,
    city: random.pick(corpusWords.city),
    date: formatDate(random),
    order: formatOrderNumber(random),
    product: random.pick(corpusWords.product),
    price: formatPrice(random),
    email: `${first}.${last}@${domain}`.toLowerCase(),
  };
}

/** A message stating a record, and the fields that message mentions. */
function recordMessage(random: SeededRandom): { record: OrderRecord; text: string; fields: Field[] } {
  const record = makeRecord(random);
  const template = random.pick(recordTexts);
  const fields = (Object.keys(record) as Field[]).filter((field) => template.includes(`{${field}}`));
  return { record, text: fillTemplate(random, template, record), fields };
}

/** One field as plain text, or two or three fields as a small JSON object; sometimes a follow-up asks for another. */
export const extractionTask: ConversationGenerator = (random) => {
  const { record, text, fields } = recordMessage(random);
  const chosen = random.shuffle(fields);
  if (random.chance(0.35)) {
    const picked = chosen.slice(0, 2 + random.int(2));
    const keys = picked.map((field) => jsonKeys[field]);
    const answerObject = Object.fromEntries(picked.map((field) => [jsonKeys[field], record[field]]));
    const spaced = random.chance(0.5);
    const answer = spaced ? JSON.stringify(answerObject).replace(/","/g, '", "').replace(/":"/g, '": "') : JSON.stringify(answerObject);
    const instruction = random.pick([
      `Extract the details as JSON with the keys ${keys.join(', ')}.`,
      `Return a JSON object with ${keys.map((key) => `"${key}"`).join(', ').replace(/, ([^,]+)$/, ' and $1')}. No other text.`,
      `Read the message and output JSON: ${keys.join(', ')}.`,
    ]);
    return frameTask(random, { instruction, input: text, answer });
  }
  const [field, next] = [chosen[0] as Field, chosen[1]];
  const followUps: FollowUp[] = next !== undefined && random.chance(0.3) ? [{ question: shortFollowUps[next], answer: record[next] }] : [];
  return frameTask(random, { instruction: random.pick(fieldQuestions[field]), input: text, answer: record[field], followUps });
};

const yesNoSets = [['yes', 'no'], ['Yes', 'No'], ['true', 'false'], ['YES', 'NO']] as const;

const yesNoQuestions: Partial<Record<Field, readonly string[]>> = {
  name: ['Is the customer called {value}?', 'Was this written by {value}?'],
  city: ['Is the customer in {value}?', 'Does the text mention {value}?'],
  date: ['Is the date {value}?'],
  order: ['Is the order number {value}?', 'Is this about order {value}?'],
  product: ['Is the message about a {value}?', 'Did the customer buy a {value}?'],
};

/** A question about a record message whose answer is yes (the stated value) or no (another value). */
export const yesNoTask: ConversationGenerator = (random) => {
  const { record, text, fields } = recordMessage(random);
  const askable = fields.filter((field) => yesNoQuestions[field] !== undefined);
  const field = random.pick(askable.length > 0 ? askable : (['name'] as Field[]));
  const truthful = random.chance(0.5);
  let value = record[field];
  while (!truthful && value === record[field]) value = makeRecord(random)[field];
  const question = random.pick(yesNoQuestions[field] ?? []).replace('{value}', value);
  const [yes, no] = random.pick(yesNoSets);
  const instruction = random.pick([
    insertOptions(random, 'Answer the question about the text with {options}.', [yes, no]),
    `Reply ${yes} or ${no} only.`,
    `Read the text and answer the question. Say ${yes} or ${no}.`,
  ]);
  const input = `Text: ${text}\nQuestion: ${question}`;
  return frameTask(random, { instruction, input, answer: truthful ? yes : no });
};
