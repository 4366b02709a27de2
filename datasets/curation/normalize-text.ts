/** How text is normalised before anything else looks at it. */
export interface NormalizeOptions {
  unicode: 'NFC' | 'none';
  whitespace: boolean;
}

// Exotic spaces (no-break, en/em, ideographic, ...) become plain spaces; zero-width ones go away.
const exoticSpaces = /[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]/g;
const zeroWidth = /[\u200b\u200c\u200d\u2060\ufeff]/g;

/**
 * Unicode NFC, line endings to `\n`, exotic spaces to plain ones, trailing spaces on each line
 * removed, at most one blank line in a row, and the ends trimmed. Indentation is kept: code and
 * tables in training data depend on it.
 */
export function normalizeText(text: string, options: NormalizeOptions): string {
  let result = options.unicode === 'NFC' && !isAscii(text) ? text.normalize('NFC') : text;
  if (!options.whitespace) return result;
  if (result.includes('\r')) result = result.replace(/\r\n?/g, '\n');
  if (!isAscii(result)) result = result.replace(exoticSpaces, ' ').replace(zeroWidth, '');
  if (result.includes(' \n') || result.includes('\t\n')) result = result.replace(/[ \t]+\n/g, '\n');
  if (result.includes('\n\n\n')) result = result.replace(/\n{3,}/g, '\n\n');
  return result.trim();
}

const nonAscii = /[^\x00-\x7f]/;

function isAscii(text: string): boolean {
  // Most training text is ASCII, and NFC and the space classes cannot change it. V8 scans with a
  // regular expression several times faster than with a charCodeAt loop.
  return !nonAscii.test(text);
}
