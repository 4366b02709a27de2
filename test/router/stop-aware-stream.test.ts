import { describe, expect, it } from 'vitest';
import { StopAwareStream, type PieceDecoder } from '../../router/index.js';

/** A decoder whose token ids are indexes into a list of pieces. */
function piecesDecoder(pieces: readonly string[]): PieceDecoder {
  return { push: (id) => pieces[id] ?? '', flush: () => '' };
}

/** Streams `pieces` through a StopAwareStream; returns what each push released and the final remainder. */
function streamAll(pieces: readonly string[], stops: string[], finalText: string): { released: string[]; rest: string } {
  const stream = new StopAwareStream(piecesDecoder(pieces), stops);
  const released = pieces.map((_piece, id) => stream.push(id));
  return { released, rest: stream.finish(finalText) };
}

describe('StopAwareStream', () => {
  it('passes text through as it comes when there are no stop sequences', () => {
    const { released, rest } = streamAll(['Hel', 'lo', ' there'], [], 'Hello there');
    expect(released).toEqual(['Hel', 'lo', ' there']);
    expect(rest).toBe('');
  });

  it('holds back the start of a stop sequence split across tokens and never sends it', () => {
    // The generation stops at "END", which arrives as "E" + "ND"; the final text ends before it.
    const { released, rest } = streamAll(['ok ', 'E', 'ND', ' more'], ['END'], 'ok ');
    expect(released).toEqual(['ok ', '', '', '']);
    expect(rest).toBe('');
  });

  it('releases held-back text once the next token shows it was not a stop sequence', () => {
    const { released, rest } = streamAll(['a', 'E', 'X', 'b'], ['END'], 'aEXb');
    expect(released).toEqual(['a', '', 'EX', 'b']);
    expect(rest).toBe('');
  });

  it('sends what is still held back when generation ends without reaching the stop sequence', () => {
    const { released, rest } = streamAll(['a', 'EN'], ['END'], 'aEN');
    expect(released.join('') + rest).toBe('aEN');
    expect(rest).toBe('EN');
  });

  it('cuts at the earliest of several stop sequences', () => {
    const { released, rest } = streamAll(['one, two. three'], ['.', ','], 'one');
    expect(released.join('') + rest).toBe('one');
  });
});
