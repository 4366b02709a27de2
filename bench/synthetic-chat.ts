// Synthetic OpenAI chat records for the curation benchmark: about 500 characters each, from a seeded
// generator, with planted exact duplicates, near-duplicates and PII in known shares.

/** A small, fast, seeded PRNG (mulberry32). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

const syllables = ['ka', 'lo', 'mi', 'ra', 'te', 'su', 'no', 'vi', 'da', 'pe', 'zo', 'ri', 'an', 'el', 'or', 'us', 'ti', 'ma', 'ne', 'qu'];

/** Planted shares of the generated records. */
export interface SyntheticShares {
  exactDuplicates: number;
  nearDuplicates: number;
  pii: number;
}

/** Generates `count` JSONL lines; returns them lazily so that a million never sit in memory at once. */
export function* syntheticChatLines(count: number, shares: SyntheticShares, seed = 42): Generator<string> {
  const random = seededRandom(seed);
  const vocabulary = Array.from({ length: 5000 }, () => {
    const length = 1 + Math.floor(random() * 3);
    let word = '';
    for (let index = 0; index < length; index += 1) word += syllables[Math.floor(random() * syllables.length)];
    return word;
  });
  const sentence = (words: number) => {
    const parts: string[] = [];
    for (let index = 0; index < words; index += 1) parts.push(vocabulary[Math.floor(random() * vocabulary.length)]!);
    return `${parts.join(' ')}.`;
  };
  const labels = ['billing', 'bug', 'account', 'feature_request', 'shipping'];
  const recent: string[] = [];
  for (let index = 0; index < count; index += 1) {
    const roll = random();
    if (roll < shares.exactDuplicates && recent.length > 0) {
      yield recent[Math.floor(random() * recent.length)]!;
      continue;
    }
    let user = `${sentence(18)} ${sentence(16)} ${sentence(14)}`;
    let assistant = `${sentence(14)} ${sentence(12)}`;
    if (roll < shares.exactDuplicates + shares.nearDuplicates && recent.length > 0) {
      const original = JSON.parse(recent[Math.floor(random() * recent.length)]!) as { messages: Array<{ content: string }> };
      user = original.messages[1]!.content.toUpperCase().replace(/ /g, '  ').replace(/\.$/, ' indeed.');
      assistant = original.messages[2]!.content;
    } else if (roll < shares.exactDuplicates + shares.nearDuplicates + shares.pii) {
      user += ` Reach me at user${index}@example.com or +1 415 555 ${String(1000 + (index % 9000))}, card 4111 1111 1111 1111.`;
    }
    const line = JSON.stringify({
      messages: [
        { role: 'system', content: 'You are a support assistant.' },
        { role: 'user', content: user },
        { role: 'assistant', content: assistant },
      ],
      label: labels[Math.floor(random() * labels.length)],
    });
    if (recent.length < 1000) recent.push(line);
    else recent[index % 1000] = line;
    yield line;
  }
}
