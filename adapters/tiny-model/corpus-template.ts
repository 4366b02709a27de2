import { UsageError } from '../../core/index.js';
import { corpusWords, type CorpusWordSlot } from './corpus-words.js';
import type { SeededRandom } from '../../core/index.js';

/** Slots whose values are made up on the spot rather than picked from a word list. */
const computedSlots: Record<string, (random: SeededRandom) => string> = {
  number: (random) => String(2 + random.int(98)),
  bigNumber: (random) => String(100 + random.int(9900)),
  hour: (random) => `${1 + random.int(12)}:${random.pick(['00', '15', '30', '45'])}`,
  day: (random) => String(1 + random.int(28)),
  year: (random) => String(2015 + random.int(12)),
  percent: (random) => `${5 + 5 * random.int(12)}%`,
  price: (random) => formatPrice(random),
  order: (random) => formatOrderNumber(random),
  date: (random) => formatDate(random),
  fullName: (random) => `${random.pick(corpusWords.firstName)} ${random.pick(corpusWords.lastName)}`,
};

/** A price with a varied currency sign and format: `$24.99`, `€15`, `£7.50`, `120 dollars`. */
export function formatPrice(random: SeededRandom): string {
  const whole = 2 + random.int(random.chance(0.7) ? 98 : 900);
  const cents = random.pick(['', '.99', '.50', '.00', '.25', '.95']);
  const style = random.int(4);
  if (style === 0) return `$${whole}${cents}`;
  if (style === 1) return `€${whole}${cents}`;
  if (style === 2) return `£${whole}${cents}`;
  return `${whole} ${random.pick(['dollars', 'euros', 'pounds'])}`;
}

/** An order number in one of a few shop styles: `#48213`, `A-1290`, `ORD-20931`. */
export function formatOrderNumber(random: SeededRandom): string {
  const digits = String(10_000 + random.int(90_000));
  return random.pick([`#${digits}`, `A-${digits.slice(1)}`, `ORD-${digits}`, digits]);
}

/** A date in one of a few common English styles: `12 March`, `March 12`, `2024-03-12`. */
export function formatDate(random: SeededRandom): string {
  const day = 1 + random.int(28);
  const monthIndex = random.int(12);
  const month = corpusWords.month[monthIndex] as string;
  const style = random.int(4);
  if (style === 0) return `${day} ${month}`;
  if (style === 1) return `${month} ${day}`;
  if (style === 2) return `${2020 + random.int(7)}-${String(monthIndex + 1).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
  return `${random.pick(corpusWords.weekday)} ${day} ${month}`;
}

/** A value for a slot name; `city2` draws from the `city` list again, avoiding the `city` value when it can. */
function slotValue(random: SeededRandom, slot: string, filled: Map<string, string>): string {
  const base = slot.replace(/\d+$/, '');
  const computed = computedSlots[base];
  if (computed !== undefined) return computed(random);
  if (!(base in corpusWords)) throw new UsageError(`corpus template slot "{${slot}}" names no word list; add it to corpusWords or computedSlots`);
  const words = corpusWords[base as CorpusWordSlot];
  const taken = new Set([...filled].filter(([name]) => name.replace(/\d+$/, '') === base).map(([, value]) => value));
  const free = words.filter((word) => !taken.has(word));
  return random.pick(free.length > 0 ? free : words);
}

/** Upper-cases the first letter, for slots that open a sentence. */
export function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Fills one template's slots, reusing and extending `filled` so related templates agree. */
function fillInto(random: SeededRandom, template: string, filled: Map<string, string>): string {
  const text = template.replace(/\{(\w+)\}/g, (_match, slot: string) => {
    let value = filled.get(slot);
    if (value === undefined) {
      value = slotValue(random, slot, filled);
      filled.set(slot, value);
    }
    return value;
  });
  return capitalize(text);
}

/**
 * Fills `{slot}` placeholders from the word lists (the same slot twice gets the same value) or from
 * `values`, and capitalises the first letter.
 *
 * @example
 * fillTemplate(random, 'My {product} from {city} arrived on {weekday}.', { city: 'Oslo' });
 */
export function fillTemplate(random: SeededRandom, template: string, values: Readonly<Record<string, string>> = {}): string {
  return fillInto(random, template, new Map(Object.entries(values)));
}

/** Fills several templates that share slot values, such as a message and its summary. */
export function fillTemplates(random: SeededRandom, templates: readonly string[], values: Readonly<Record<string, string>> = {}): string[] {
  const filled = new Map(Object.entries(values));
  return templates.map((template) => fillInto(random, template, filled));
}
