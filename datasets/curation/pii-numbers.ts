// Card and phone numbers: the two PII kinds that are runs of digits, and so the two that ordinary
// numbers (dates, prices, ids, versions) most often imitate. A regex in pii-scrubber.ts finds each
// run; the functions here decide, with the run's surroundings, which parts of it are PII. They share
// the rule for where a number ends, so they live in one file, behind pii-scrubber.ts.

/** Where a finding lies in the scanned text: `[start, end)`. */
export type Span = readonly [start: number, end: number];

/** Fewest and most digits a payment card number has (ISO/IEC 7812). */
const cardDigits = { min: 13, max: 19 } as const;

// Printed card layouts: one run, 4-4-4-x, 4-4-4-4-x and the 4-6-x of Amex and Diners. The separator
// must stay the same within a number, which keeps two numbers written side by side apart.
const cardLayouts = [/^\d+$/, /^\d{4}([ -])\d{4}\1\d{4}\1\d{1,4}$/, /^\d{4}([ -])\d{4}\1\d{4}\1\d{4}\1\d{1,3}$/, /^\d{4}([ -])\d{6}\1\d{4,5}$/];

/** The most groups a card layout has; longer windows are never tried. */
const maxCardGroups = 5;

/**
 * Card numbers inside a run of digits (`candidate`, found at `offset` of `text`): windows of whole
 * groups in a printed layout, 13 to 19 digits, first digit 2 to 6 (the issuers of Visa,
 * Mastercard, Amex, Discover, JCB, UnionPay; this is what keeps ISBNs and most ids out) and a
 * valid Luhn check digit. The longest window wins, so a card followed by its CVV is still found.
 */
export function cardSpans(candidate: string, offset: number, text: string): Span[] {
  const groups = groupBounds(candidate, /[ -]/g);
  const lastGroupIsWhole = !continuesNumber(text, offset + candidate.length);
  const spans: Span[] = [];
  let first = 0;
  while (first < groups.length) {
    let found = -1;
    for (let last = Math.min(groups.length - 1, first + maxCardGroups - 1); last >= first; last -= 1) {
      if (last === groups.length - 1 && !lastGroupIsWhole) continue;
      const window = candidate.slice(groups[first]![0], groups[last]![1]);
      if (isCardNumber(window)) {
        found = last;
        spans.push([offset + groups[first]![0], offset + groups[last]![1]]);
        break;
      }
    }
    first = found === -1 ? first + 1 : found + 1;
  }
  return spans;
}

function isCardNumber(window: string): boolean {
  if (!cardLayouts.some((layout) => layout.test(window))) return false;
  const digits = window.replace(/[ -]/g, '');
  if (digits.length < cardDigits.min || digits.length > cardDigits.max) return false;
  const issuer = digits.charCodeAt(0) - 48;
  return issuer >= 2 && issuer <= 6 && passesLuhn(digits);
}

/** The Luhn (mod 10) check that every payment card number passes and 9 in 10 random numbers fail. */
function passesLuhn(digits: string): boolean {
  let sum = 0;
  let doubled = false;
  for (let index = digits.length - 1; index >= 0; index -= 1) {
    let value = digits.charCodeAt(index) - 48;
    if (doubled) {
      value *= 2;
      if (value > 9) value -= 9;
    }
    sum += value;
    doubled = !doubled;
  }
  return sum % 10 === 0;
}

// Things a phone-shaped run of digits turns out to be more often than a phone number.
const notPhones = [
  /^(?:\d{4}[-./]\d{1,2}[-./]\d{1,2}|\d{1,2}[-./]\d{1,2}[-./]\d{2,4})$/, // a date
  /^(?:1[5-9]|20)\d\d(?:[ -](?:1[5-9]|20)\d\d)+$/, // years or a range of years
  /^\d{1,3}([ .])\d{3}(?:\1\d{3})*$/, // an amount with thousands separators: 1 234 567, 1.234.567
  /^\d{4}([ -])\d{4}\1\d{4}/, // the start of a card-like number (a Luhn-invalid card is not a phone either)
];

// Dotted phones are dotted throughout (555.123.4567, 01.23.45.67.89); other dotted runs are versions.
const dottedPhone = /^(?:\+\d{1,3}\.)?\d{2,4}(?:\.\d{2,4}){2,5}$/;
// A slash only ever follows a German-style trunk prefix: 030/12345678.
const slashedPhone = /^0\d{1,5}\/\d{3,}(?:[ -]\d{2,})*$/;
// Labels after which a number is an identifier, however phone-like its digits are.
const identifierLabel = /(?:\border|\binvoice|\bticket|\bref(?:erence)?|\baccount|\bacct|\bisbn|\bissn|\bserial|\bsku|\bid|\bno\.|#)\s*[:#.]?\s*$/i;

/** True when a run of digits, `+` and `()` (`candidate`, found at `offset` of `text`) reads as a phone number. */
export function isPhoneNumber(candidate: string, offset: number, text: string): boolean {
  let digits = 0;
  for (let index = 0; index < candidate.length; index += 1) {
    const code = candidate.charCodeAt(index);
    if (code >= 48 && code <= 57) digits += 1;
  }
  const international = candidate.startsWith('+') || /^00[1-9]/.test(candidate);
  if (international ? digits < 8 || digits > 15 : digits < 7 || digits > 12) return false;
  if (continuesNumber(text, offset + candidate.length)) return false;
  // A bare run of digits is an id, a count or a timestamp unless it is written in E.164 (+14155552671).
  const separated = /[ .\/()-]/.test(candidate);
  if (!separated && !candidate.startsWith('+')) return false;
  if (/(?:^|[^\d])\d$/.test(candidate)) return false; // phone numbers do not end in a lone digit; ISBNs and versions do
  if (candidate.includes('.') && !dottedPhone.test(candidate)) return false;
  if (candidate.includes('/') && !slashedPhone.test(candidate)) return false;
  // A `+` or `00` prefix and a parenthesised area code are a phone's own signatures; without one, the
  // shape and the label before the number decide.
  if (international || candidate.includes('(')) return true;
  if (notPhones.some((pattern) => pattern.test(candidate))) return false;
  return !identifierLabel.test(text.slice(Math.max(0, offset - 24), offset));
}

/** True when the number that ends at `index` goes on: glued to a word, or a decimal or time part follows. */
function continuesNumber(text: string, index: number): boolean {
  const next = text.charCodeAt(index);
  if (Number.isNaN(next)) return false;
  if (isWordCode(next)) return true;
  const after = text.charCodeAt(index + 1);
  return (next === 46 || next === 44 || next === 58) && after >= 48 && after <= 57; // . , :
}

function isWordCode(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95;
}

/** `[start, end)` of each group of `candidate` between the separators that `separators` (global) matches. */
function groupBounds(candidate: string, separators: RegExp): Array<[number, number]> {
  const bounds: Array<[number, number]> = [];
  let start = 0;
  separators.lastIndex = 0;
  for (let match = separators.exec(candidate); match !== null; match = separators.exec(candidate)) {
    bounds.push([start, match.index]);
    start = match.index + match[0].length;
  }
  bounds.push([start, candidate.length]);
  return bounds;
}
