import { cardSpans, isPhoneNumber, type Span } from './pii-numbers.js';

/** The kinds of personal data and secrets the scrubber finds; each is replaced by `<TYPE>`. */
export const piiTypes = ['EMAIL', 'PHONE', 'CREDIT_CARD', 'IP_ADDRESS', 'AWS_ACCESS_KEY', 'API_KEY', 'BEARER_TOKEN', 'PRIVATE_KEY'] as const;

/** One kind of PII, such as `EMAIL`. */
export type PiiType = (typeof piiTypes)[number];

/** How many findings of each kind a text held; kinds that were not found are absent. */
export type PiiCounts = Partial<Record<PiiType, number>>;

/** A text with its PII replaced by placeholders, and what was replaced. */
export interface ScrubbedText {
  text: string;
  counts: PiiCounts;
}

/** What the cheap checks before the regexes read, computed once per text. */
interface TextProfile {
  digits: number;
  colons: number;
  /** Seven digits with at most three other characters between neighbours: what every phone and card candidate has. */
  digitRun: boolean;
}

interface Detector {
  type: PiiType;
  /** A cheap test that is false whenever the pattern cannot find anything, so most texts skip the regex. */
  mayOccur(text: string, profile: TextProfile): boolean;
  /** A global regex for candidates. */
  pattern: RegExp;
  /** The findings inside a candidate; absent when every candidate is a finding. */
  findings?(candidate: string, offset: number, text: string): Span[];
}

// Digits a finding needs at least: a phone 7, a card 13, an IPv4 address 4.
const minimumDigits = { phone: 7, card: 13, ipv4: 4 } as const;
// Colons an uncompressed IPv6 address has.
const minimumColons = { ipv6: 7 } as const;

const ipv4Octet = String.raw`(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)`;

// The order matters: secrets go first, so the digits inside a key or token are not taken for a
// phone or a card, and e-mails and addresses before the digit runs, whose candidates they would split.
const detectors: readonly Detector[] = [
  {
    type: 'PRIVATE_KEY',
    mayOccur: (text) => text.includes('-----BEGIN'),
    // A whole PEM block (RSA, EC, OpenSSH, PGP, encrypted), or, when a pasted key was cut off before its
    // END line, the header with the base64 lines that follow it. The search for END stops after 16 KiB
    // (an 8192-bit RSA key is 6.5 KiB), so many unterminated headers cannot make the scan quadratic.
    pattern:
      /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----(?:[\s\S]{0,16384}?-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|(?:\s+(?:Proc-Type|DEK-Info):[^\n]*)*(?:\s+[A-Za-z0-9+/=]{16,})*)/g,
  },
  {
    type: 'AWS_ACCESS_KEY',
    mayOccur: (text) => text.includes('AKIA') || text.includes('ASIA'),
    pattern: /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g,
  },
  {
    type: 'API_KEY',
    mayOccur: (text) => text.includes('sk-') || text.includes('k_live_') || text.includes('k_test_'),
    // OpenAI (sk-, sk-proj-, sk-svcacct-), Anthropic (sk-ant-api03-) and Stripe (sk_live_, rk_test_) secret keys.
    pattern: /(?<![\w-])(?:sk-|[sr]k_(?:live|test)_)[A-Za-z0-9_-]{20,}/g,
  },
  {
    type: 'BEARER_TOKEN',
    mayOccur: (text) => text.includes('earer') || text.includes('EARER'),
    // Only the token is replaced and the word "Bearer" is kept, so `Authorization: Bearer <BEARER_TOKEN>`
    // still reads as a header. A token has 16 or more characters and a digit or symbol in it, which
    // keeps prose ("the bearer of bad news", "bearer instruments") out.
    pattern: /(?<=\b(?:[Bb]earer|BEARER)[ \t]{1,4})[\w~+/-]+(?:\.[\w~+/-]+)*=*/g,
    findings: (candidate, offset) => (candidate.length >= 16 && /[\d.~+/_-]/.test(candidate) ? [[offset, offset + candidate.length]] : []),
  },
  {
    type: 'EMAIL',
    mayOccur: (text) => text.includes('@'),
    // The lookbehind starts a local part only at its first character, which keeps the scan linear on long runs.
    pattern: /(?<![\w.%+-])[\w.%+-]{1,64}@(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,24}(?![A-Za-z0-9-])/g,
  },
  {
    type: 'IP_ADDRESS',
    mayOccur: (text, profile) => profile.colons >= minimumColons.ipv6 || text.includes('::'),
    // Ends on a group or on `::`, never on a lone colon, so `2001:db8::1: ` is found without its colon.
    pattern: /(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{1,4}|(?:\d{1,3}\.){3}\d{1,3})?(?<![^:]:)(?![\w]|:[0-9A-Fa-f:]|\.\d)/g,
    findings: (candidate, offset) => (isIpv6(candidate) ? [[offset, offset + candidate.length]] : []),
  },
  {
    type: 'IP_ADDRESS',
    mayOccur: (text, profile) => profile.digits >= minimumDigits.ipv4 && text.includes('.'),
    // The lookarounds refuse a version such as v1.2.3.4 or 10.0.0.1.5 and a decimal after the last octet.
    pattern: new RegExp(String.raw`(?<![\w.])(?:${ipv4Octet}\.){3}${ipv4Octet}(?![\w]|\.\d)`, 'g'),
  },
  {
    type: 'CREDIT_CARD',
    mayOccur: (_text, profile) => profile.digits >= minimumDigits.card && profile.digitRun,
    pattern: /(?<![\w+#$€£¥@%&/.,=-])\d(?:[ -]?\d){12,}/g,
    findings: cardSpans,
  },
  {
    type: 'PHONE',
    mayOccur: (_text, profile) => profile.digitRun,
    // A run of digits, single separators and parenthesised area codes, optionally after a `+`; not glued to
    // a word, a currency sign, `#` or a number it continues. `isPhoneNumber` judges the whole run.
    pattern: /(?<![\w+#$€£¥@%&/.,=-]|\d:)\+?(?:\(\d{1,5}\)|\d)(?:[ ./-]?(?:\(\d{1,5}\)|\d)){6,}/g,
    findings: (candidate, offset, text) => (isPhoneNumber(candidate, offset, text) ? [[offset, offset + candidate.length]] : []),
  },
];

/**
 * Replaces e-mail addresses, phone numbers, card numbers, IP addresses and secrets (AWS access key
 * ids, `sk-` API keys, bearer tokens, PEM private keys) with typed placeholders such as `<EMAIL>`.
 * @example scrubPii('write to ana@example.org') // { text: 'write to <EMAIL>', counts: { EMAIL: 1 } }
 */
export function scrubPii(text: string): ScrubbedText {
  const counts: PiiCounts = {};
  const profile = profileOf(text);
  let result = text;
  for (const detector of detectors) {
    if (detector.mayOccur(result, profile)) result = replaceFindings(detector, result, counts);
  }
  return { text: result, counts };
}

/** The PII a text holds, counted exactly as `scrubPii` would replace it; for dropping records instead of scrubbing them. */
export function findPii(text: string): PiiCounts {
  return scrubPii(text).counts;
}

function replaceFindings(detector: Detector, text: string, counts: PiiCounts): string {
  const { pattern, type } = detector;
  const placeholder = `<${type}>`;
  let output = '';
  let copied = 0;
  let found = 0;
  pattern.lastIndex = 0;
  for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
    const candidate = match[0];
    if (detector.findings === undefined) {
      output += text.slice(copied, match.index) + placeholder;
      copied = match.index + candidate.length;
      found += 1;
      continue;
    }
    for (const [start, end] of detector.findings(candidate, match.index, text)) {
      output += text.slice(copied, start) + placeholder;
      copied = end;
      found += 1;
    }
  }
  if (found === 0) return text;
  counts[type] = (counts[type] ?? 0) + found;
  return output + text.slice(copied);
}

const digit = /\d/g;
const digitRun = new RegExp(String.raw`\d(?:[^\d\n]{0,3}\d){${minimumDigits.phone - 1}}`);

/**
 * Counts digits and colons, each only up to the most any cheap check asks for. Regex and `indexOf`
 * scans run several times faster in V8 than a `charCodeAt` loop, and this runs on every text.
 */
function profileOf(text: string): TextProfile {
  let digits = 0;
  digit.lastIndex = 0;
  while (digits < minimumDigits.card && digit.test(text)) digits += 1;
  let colons = 0;
  for (let index = text.indexOf(':'); index !== -1 && colons < minimumColons.ipv6; index = text.indexOf(':', index + 1)) colons += 1;
  return { digits, colons, digitRun: digits >= minimumDigits.phone && digitRun.test(text) };
}

/**
 * True for a full (8 groups) or compressed (`::`) IPv6 address, with an optional IPv4 tail. A
 * compressed address needs three groups or more: `::1` and `fe80::1` identify no one, and short
 * forms are mostly code (`a[1::2]`, `dead::beef`).
 */
function isIpv6(candidate: string): boolean {
  let body = candidate;
  if (candidate.includes('.')) {
    const tail = candidate.slice(candidate.lastIndexOf(':') + 1);
    if (!tail.split('.').every((octet) => /^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/.test(octet))) return false;
    body = `${candidate.slice(0, candidate.length - tail.length)}0:0`;
  }
  const halves = body.split('::');
  if (halves.length > 2) return false;
  const groups = halves.flatMap((half) => (half === '' ? [] : half.split(':')));
  if (groups.some((group) => group === '' || group.length > 4)) return false;
  return halves.length === 1 ? groups.length === 8 : groups.length >= 3 && groups.length <= 7;
}
