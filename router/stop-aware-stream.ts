/** Turns token ids into text pieces; IncrementalDecoder in production. */
export interface PieceDecoder {
  push(id: number): string;
  flush(): string;
}

/**
 * Streams generated text without ever sending part of a stop sequence: text that could be the start of one is held
 * back until the next tokens show it is not, and nothing at or after a stop is sent. The pieces join to the text a
 * whole generation returns, which `finish` completes.
 */
export class StopAwareStream {
  private decoded = '';
  private emitted = 0;
  private stopped = false;

  constructor(
    private readonly decoder: PieceDecoder,
    private readonly stops: readonly string[],
  ) {}

  /** Adds one token id; returns the text now safe to send, possibly empty. */
  push(id: number): string {
    if (this.stopped) return '';
    this.decoded += this.decoder.push(id);
    return this.release();
  }

  /** What is left to send once generation has returned `finalText`. */
  finish(finalText: string): string {
    const sent = this.decoded.slice(0, this.emitted);
    // The final text always extends what was sent; if a tokenizer ever broke that, sending more would garble it.
    if (!finalText.startsWith(sent)) return '';
    this.emitted = finalText.length;
    this.stopped = true;
    return finalText.slice(sent.length);
  }

  private release(): string {
    let safe = this.decoded.length;
    for (const stop of this.stops) {
      if (stop === '') continue;
      const at = this.decoded.indexOf(stop, Math.max(0, this.emitted - stop.length + 1));
      if (at !== -1) {
        safe = Math.min(safe, at);
        this.stopped = true;
      } else {
        safe = Math.min(safe, this.decoded.length - partialStopLength(this.decoded, stop));
      }
    }
    if (safe <= this.emitted) return '';
    const piece = this.decoded.slice(this.emitted, safe);
    this.emitted = safe;
    return piece;
  }
}

/** The length of the longest end of `text` that is the start of `stop` (shorter than all of it). */
function partialStopLength(text: string, stop: string): number {
  for (let length = Math.min(stop.length - 1, text.length); length > 0; length -= 1) {
    if (text.endsWith(stop.slice(0, length))) return length;
  }
  return 0;
}
