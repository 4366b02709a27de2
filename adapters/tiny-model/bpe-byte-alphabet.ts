/** True for the bytes that byte-level BPE shows as their own Latin-1 character. */
function isPrintableByte(byte: number): boolean {
  return (byte >= 0x21 && byte <= 0x7e) || (byte >= 0xa1 && byte <= 0xac) || (byte >= 0xae && byte <= 0xff);
}

/**
 * The byte-level BPE alphabet: one printable character for each of the 256 byte values. Printable
 * Latin-1 bytes stand for themselves; the others (space, control bytes…) are moved to U+0100 onwards
 * in byte order, which is why a space shows as `Ġ` and a newline as `Ċ`.
 */
export const byteAlphabet: readonly string[] = (() => {
  const characters: string[] = [];
  let shifted = 0;
  for (let byte = 0; byte < 256; byte += 1) {
    characters.push(String.fromCodePoint(isPrintableByte(byte) ? byte : 256 + shifted++));
  }
  return characters;
})();
