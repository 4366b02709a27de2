/**
 * GPT-2's pre-tokenizer pattern: English contractions, then runs of letters, of digits or of other
 * symbols, each with at most one leading space, then whitespace. Written for Oniguruma (the Rust
 * tokenizers library); {@link compileSplitPattern} gives the JavaScript equivalent.
 */
export const gpt2SplitPattern = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

/** The split pattern as a JavaScript regex, with `\s` read as Unicode White_Space as Oniguruma reads it. */
export function compileSplitPattern(pattern: string = gpt2SplitPattern): RegExp {
  return new RegExp(pattern.replaceAll('\\s', '\\p{White_Space}').replaceAll('\\S', '\\P{White_Space}'), 'gu');
}

/** A regex that matches any of the special tokens, which are cut out of the text before splitting. */
function specialTokenPattern(specialTokens: readonly string[]): RegExp | undefined {
  if (specialTokens.length === 0) return undefined;
  const escaped = [...specialTokens]
    .sort((left, right) => right.length - left.length)
    .map((token) => token.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(escaped.join('|'), 'g');
}

/**
 * How often each pre-tokenized piece occurs across `texts`, with special tokens removed first, so
 * that BPE learns merges from unique pieces instead of scanning the whole corpus on every merge.
 */
export function countPreTokenizedWords(texts: Iterable<string>, specialTokens: readonly string[]): Map<string, number> {
  const splitter = compileSplitPattern();
  const specials = specialTokenPattern(specialTokens);
  const counts = new Map<string, number>();
  for (const text of texts) {
    const sections = specials === undefined ? [text] : text.split(specials);
    for (const section of sections) {
      for (const match of section.matchAll(splitter)) {
        const piece = match[0];
        counts.set(piece, (counts.get(piece) ?? 0) + 1);
      }
    }
  }
  return counts;
}
