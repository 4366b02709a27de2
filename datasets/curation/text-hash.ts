/**
 * A 53-bit hash of a string as a plain number, so that sets of a million of them stay small
 * (a `Set<number>` instead of a `Set<string>`) while collisions stay negligible (~1e-4 at 1e6 items).
 * Two independent 32-bit lanes (FNV-1a style with murmur3's finaliser), fast on long strings.
 */
export function hash53(text: string): number {
  let first = 0x811c9dc5;
  let second = 0x9e3779b9;
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    first = Math.imul(first ^ code, 0x01000193);
    second = Math.imul(second ^ code, 0x5bd1e995);
  }
  return (finalize(first) & 0x1fffff) * 0x100000000 + finalize(second ^ text.length);
}

/** murmur3's 32-bit finaliser: spreads every input bit over the output. */
export function finalize(value: number): number {
  let hash = value;
  hash = Math.imul(hash ^ (hash >>> 16), 0x85ebca6b);
  hash = Math.imul(hash ^ (hash >>> 13), 0xc2b2ae35);
  return (hash ^ (hash >>> 16)) >>> 0;
}

function isWhitespace(code: number): boolean {
  return code === 0x20 || (code >= 0x09 && code <= 0x0d) || code === 0xa0 || code === 0x1680 || (code >= 0x2000 && code <= 0x200a) || code === 0x2028 || code === 0x2029 || code === 0x202f || code === 0x205f || code === 0x3000 || code === 0xfeff;
}

/**
 * Builds a `hash53` over several parts without joining them into one string, with whitespace runs
 * in each part collapsed to one space and ends trimmed: the exact-dedupe key and the prompt hash
 * are computed this way, without the allocations of `replace(/\s+/g, ' ')`.
 */
export class CollapsedHasher {
  private first = 0x811c9dc5;
  private second = 0x9e3779b9;
  private length = 0;

  /** Adds a part of text, whitespace collapsed and trimmed. */
  text(value: string): this {
    // Locals instead of fields in the loop: this runs over every character of every record, twice.
    let first = this.first;
    let second = this.second;
    let length = this.length;
    let pendingSpace = false;
    let started = false;
    for (let index = 0; index < value.length; index += 1) {
      const code = value.charCodeAt(index);
      if (code <= 0x20 ? code === 0x20 || (code >= 0x09 && code <= 0x0d) : code >= 0xa0 && isWhitespace(code)) {
        pendingSpace = started;
        continue;
      }
      if (pendingSpace) {
        first = Math.imul(first ^ 0x20, 0x01000193);
        second = Math.imul(second ^ 0x20, 0x5bd1e995);
        length += 1;
        pendingSpace = false;
      }
      started = true;
      first = Math.imul(first ^ code, 0x01000193);
      second = Math.imul(second ^ code, 0x5bd1e995);
      length += 1;
    }
    this.first = first;
    this.second = second;
    this.length = length;
    return this;
  }

  /**
   * `text(value)` on this hasher and on `other` at once, in one pass over the characters: the
   * exact-dedupe key and the prompt hash both cover every prompt message.
   */
  textBoth(value: string, other: CollapsedHasher): this {
    let first = this.first;
    let second = this.second;
    let otherFirst = other.first;
    let otherSecond = other.second;
    let added = 0;
    let pendingSpace = false;
    let started = false;
    for (let index = 0; index < value.length; index += 1) {
      const code = value.charCodeAt(index);
      if (code <= 0x20 ? code === 0x20 || (code >= 0x09 && code <= 0x0d) : code >= 0xa0 && isWhitespace(code)) {
        pendingSpace = started;
        continue;
      }
      if (pendingSpace) {
        first = Math.imul(first ^ 0x20, 0x01000193);
        second = Math.imul(second ^ 0x20, 0x5bd1e995);
        otherFirst = Math.imul(otherFirst ^ 0x20, 0x01000193);
        otherSecond = Math.imul(otherSecond ^ 0x20, 0x5bd1e995);
        added += 1;
        pendingSpace = false;
      }
      started = true;
      first = Math.imul(first ^ code, 0x01000193);
      second = Math.imul(second ^ code, 0x5bd1e995);
      otherFirst = Math.imul(otherFirst ^ code, 0x01000193);
      otherSecond = Math.imul(otherSecond ^ code, 0x5bd1e995);
      added += 1;
    }
    this.first = first;
    this.second = second;
    this.length += added;
    other.first = otherFirst;
    other.second = otherSecond;
    other.length += added;
    return this;
  }

  /** Adds a separator that no text contains (a control code below 0x09). */
  separator(code: number): this {
    this.first = Math.imul(this.first ^ code, 0x01000193);
    this.second = Math.imul(this.second ^ code, 0x5bd1e995);
    this.length += 1;
    return this;
  }

  /** The 53-bit hash of everything added. */
  digest(): number {
    return (finalize(this.first) & 0x1fffff) * 0x100000000 + finalize(this.second ^ this.length);
  }
}
