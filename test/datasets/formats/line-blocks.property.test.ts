import { Buffer } from 'node:buffer';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { forEachLine, lineBlocks, type LineBlock } from '../../../datasets/formats/line-blocks.js';
import { splitLines, type PhysicalLine } from '../../../datasets/formats/split-lines.js';

async function* streamOf(chunks: readonly Buffer[]): AsyncGenerator<Buffer> {
  for (const chunk of chunks) yield chunk;
}

/** `bytes` cut into chunks whose sizes cycle through `sizes` (a size of 0 yields an empty chunk). */
function chunked(bytes: Buffer, sizes: readonly number[]): Buffer[] {
  const chunks: Buffer[] = [];
  for (let offset = 0, index = 0; offset < bytes.length; index += 1) {
    const size = sizes[index % sizes.length]!;
    chunks.push(bytes.subarray(offset, offset + size));
    offset += size;
  }
  return chunks;
}

async function blocksOf(chunks: readonly Buffer[], options: { blockBytes: number; maxLineBytes: number }): Promise<LineBlock[]> {
  const blocks: LineBlock[] = [];
  for await (const block of lineBlocks(streamOf(chunks), options)) blocks.push(block);
  return blocks;
}

/** The lines of `blocks`, as a worker would see them: forEachLine over each block, the size of each overlong line. */
function linesOfBlocks(blocks: readonly LineBlock[], maxLineBytes: number): PhysicalLine[] {
  const lines: PhysicalLine[] = [];
  for (const block of blocks) {
    if (block.kind === 'block') forEachLine(block.bytes, block.firstLine, maxLineBytes, (line) => lines.push(line));
    else lines.push({ line: block.line, bytes: block.bytes });
  }
  return lines;
}

async function linesOfSplitLines(chunks: readonly Buffer[], maxLineBytes: number): Promise<PhysicalLine[]> {
  const lines: PhysicalLine[] = [];
  for await (const batch of splitLines(streamOf(chunks), maxLineBytes)) lines.push(...batch);
  return lines;
}

function linesVisited(block: LineBlock & { kind: 'block' }, maxLineBytes: number): number {
  let count = 0;
  forEachLine(block.bytes, block.firstLine, maxLineBytes, () => (count += 1));
  return count;
}

/** Text from pieces that stress line splitting: a multi-byte character, lone CRs, CRLFs and long runs. */
const piece = fc.oneof(
  fc.constantFrom('a', 'é', '\n', '\r', '\r\n'),
  fc.integer({ min: 1, max: 90 }).map((length) => 'a'.repeat(length)),
  fc.integer({ min: 1, max: 40 }).map((length) => 'é'.repeat(length)),
);
const content = fc.array(piece, { maxLength: 40 }).map((pieces) => pieces.join(''));

/** Chunk sizes: single bytes, the whole input at once, or a cycle of small sizes (which cut inside é and between CR and LF). */
const chunkSizes = fc.oneof(
  fc.constant([1]),
  fc.constant([Number.MAX_SAFE_INTEGER]),
  fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 1, maxLength: 12 }).filter((sizes) => sizes.some((size) => size > 0)),
);

const sizes = { blockBytes: fc.integer({ min: 1, max: 200 }), maxLineBytes: fc.integer({ min: 8, max: 64 }) };

describe('lineBlocks and forEachLine', () => {
  it('yield exactly the lines splitLines yields, for any bytes without a BOM cut into any chunks', async () => {
    await fc.assert(
      fc.asyncProperty(content, chunkSizes, sizes.blockBytes, sizes.maxLineBytes, async (text, chunkSizes, blockBytes, maxLineBytes) => {
        const chunks = chunked(Buffer.from(text, 'utf8'), chunkSizes);
        const blocks = await blocksOf(chunks, { blockBytes, maxLineBytes });
        expect(linesOfBlocks(blocks, maxLineBytes)).toEqual(await linesOfSplitLines(chunks, maxLineBytes));
      }),
      { numRuns: 500 },
    );
  });

  it('yield exactly the lines splitLines yields for a file that starts with a BOM, however the chunks fall', async () => {
    await fc.assert(
      fc.asyncProperty(content, chunkSizes, sizes.blockBytes, sizes.maxLineBytes, async (rest, chunkSizes, blockBytes, maxLineBytes) => {
        const bytes = Buffer.from(`\uFEFF${rest}`, 'utf8');
        const chunks = chunked(bytes, chunkSizes);
        const blocks = await blocksOf(chunks, { blockBytes, maxLineBytes });
        const expected = await linesOfSplitLines([bytes], maxLineBytes);
        // Line 1 is measured without its BOM, also when it arrives in pieces.
        expect(await linesOfSplitLines(chunks, maxLineBytes)).toEqual(expected);
        expect(linesOfBlocks(blocks, maxLineBytes)).toEqual(expected);
      }),
      { numRuns: 500 },
    );
  });

  it('measure a first line without its BOM when the BOM arrives in a chunk of its own', async () => {
    const chunks = [Buffer.from('\uFEFF'), Buffer.from('aaaaaaa\n')];
    const blocks = await blocksOf(chunks, { blockBytes: 100, maxLineBytes: 8 });
    expect(await linesOfSplitLines(chunks, 8)).toEqual([{ line: 1, text: 'aaaaaaa' }]);
    expect(linesOfBlocks(blocks, 8)).toEqual([{ line: 1, text: 'aaaaaaa' }]);
  });

  it('keep every block within blockBytes + maxLineBytes + the largest chunk, and end every block but the last at a line feed', async () => {
    await fc.assert(
      fc.asyncProperty(content, chunkSizes, sizes.blockBytes, sizes.maxLineBytes, async (text, chunkSizes, blockBytes, maxLineBytes) => {
        const chunks = chunked(Buffer.from(text, 'utf8'), chunkSizes);
        const largestChunk = Math.max(0, ...chunks.map((chunk) => chunk.length));
        const blocks = (await blocksOf(chunks, { blockBytes, maxLineBytes })).filter((block) => block.kind === 'block');
        for (const block of blocks) expect(block.bytes.length).toBeLessThanOrEqual(blockBytes + maxLineBytes + largestChunk);
        for (const block of blocks.slice(0, -1)) expect(block.bytes.at(-1)).toBe(0x0a);
      }),
      { numRuns: 300 },
    );
  });

  it('keep a file’s last line when it has no trailing newline', async () => {
    const blocks = await blocksOf([Buffer.from('first\nlast')], { blockBytes: 100, maxLineBytes: 64 });
    expect(linesOfBlocks(blocks, 64)).toEqual([
      { line: 1, text: 'first' },
      { line: 2, text: 'last' },
    ]);
  });

  it('report an overlong line that spans many chunks once, with its byte count, and number the next line after it', async () => {
    const text = `short\n${'a'.repeat(100)}\r\nnext\n`;
    const blocks = await blocksOf(chunked(Buffer.from(text), [7]), { blockBytes: 4, maxLineBytes: 16 });
    expect(blocks.filter((block) => block.kind === 'overlong')).toEqual([{ kind: 'overlong', line: 2, bytes: 100 }]);
    expect(linesOfBlocks(blocks, 16)).toEqual([
      { line: 1, text: 'short' },
      { line: 2, bytes: 100 },
      { line: 3, text: 'next' },
    ]);
  });

  it('give each block a lines count equal to the lines forEachLine visits in it', async () => {
    const text = 'one\r\ntwo\n\nfour\rstill four\néé\nlast';
    const blocks = await blocksOf(chunked(Buffer.from(text), [3, 1, 5]), { blockBytes: 6, maxLineBytes: 32 });
    const wholeBlocks = blocks.filter((block) => block.kind === 'block');
    expect(wholeBlocks.length).toBeGreaterThan(1);
    for (const block of wholeBlocks) expect(linesVisited(block, 32)).toBe(block.lines);
    expect(wholeBlocks.reduce((total, block) => total + block.lines, 0)).toBe(6);
  });

  it('with single-byte chunks, hold under blockBytes before a block’s last line, so a block stays under blockBytes + maxLineBytes + 2 bytes', async () => {
    const blockBytes = 10;
    const maxLineBytes = 12;
    const text = ['a', 'bb', 'a'.repeat(12), 'c'.repeat(11) + '\r', 'é'.repeat(6), 'dd', 'a'.repeat(9)].join('\n') + '\n';
    const blocks = (await blocksOf(chunked(Buffer.from(text), [1]), { blockBytes, maxLineBytes })).filter((block) => block.kind === 'block');
    expect(blocks.length).toBeGreaterThan(1);
    for (const block of blocks) {
      const lastLineStart = block.bytes.lastIndexOf(0x0a, block.bytes.length - 2) + 1;
      expect(lastLineStart).toBeLessThan(blockBytes);
      expect(block.bytes.length).toBeLessThan(blockBytes + maxLineBytes + 2);
    }
  });

  it('give every block bytes that own their whole ArrayBuffer, so that they can be transferred to a worker thread', async () => {
    const shared = Buffer.from('padding|one\ntwo\nthree\nfour\nfive\n|padding');
    const chunks = chunked(shared.subarray(8, shared.length - 8), [5, 9]);
    const blocks = (await blocksOf(chunks, { blockBytes: 8, maxLineBytes: 16 })).filter((block) => block.kind === 'block');
    expect(blocks.length).toBeGreaterThan(1);
    for (const block of blocks) {
      expect(block.bytes.byteOffset).toBe(0);
      expect(block.bytes.buffer.byteLength).toBe(block.bytes.length);
    }
  });
});
