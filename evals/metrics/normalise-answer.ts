// SQuAD-style answer normalisation, so that "The Eiffel Tower." and "eiffel tower" count as the same answer.

/** Punctuation and symbols, Unicode-wide: a superset of the ASCII punctuation SQuAD strips. */
const punctuation = /[\p{P}\p{S}]/gu;
const articles = new Set(['a', 'an', 'the']);

/**
 * The normalised tokens of an answer: lowercased, punctuation removed (not replaced, so "don't" is "dont"),
 * the articles a, an and the dropped, split on whitespace.
 * @example answerTokens('The cat, sat!') // ['cat', 'sat']
 */
export function answerTokens(text: string): string[] {
  return text
    .toLowerCase()
    .replace(punctuation, '')
    .split(/\s+/u)
    .filter((token) => token !== '' && !articles.has(token));
}

/**
 * An answer normalised as SQuAD does: lowercase, no punctuation, no articles, single spaces, trimmed.
 * @example normaliseAnswer('  The  Eiffel Tower. ') // 'eiffel tower'
 */
export function normaliseAnswer(text: string): string {
  return answerTokens(text).join(' ');
}
