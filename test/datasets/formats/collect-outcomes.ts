// Test helpers: run readRecords over text, bytes or explicit chunks and collect what it yields.
import { defaultReaderOptions, readRecords, type ReadOutcome, type ReaderOptions, type ReadRecordsOptions } from '../../../datasets/formats/index.js';

/** Yields the given chunks one by one, as a file stream would. */
export async function* chunksOf(...chunks: Array<Buffer | string>): AsyncGenerator<Buffer | string> {
  for (const chunk of chunks) yield chunk;
}

/** Splits bytes into chunks of `size` bytes, to put chunk boundaries everywhere. */
export function splitEvery(bytes: Buffer, size: number): Buffer[] {
  const chunks: Buffer[] = [];
  for (let offset = 0; offset < bytes.length; offset += size) chunks.push(bytes.subarray(offset, offset + size));
  return chunks;
}

/** Reads every outcome of `input` with the default limits unless `options` says otherwise. */
export async function collectOutcomes(
  input: AsyncIterable<Buffer | string> | NodeJS.ReadableStream | string | Buffer,
  options: Partial<ReadRecordsOptions> & Pick<ReadRecordsOptions, 'format'>,
): Promise<ReadOutcome[]> {
  const source = typeof input === 'string' || Buffer.isBuffer(input) ? chunksOf(input) : input;
  const outcomes: ReadOutcome[] = [];
  for await (const outcome of readRecords(source, { ...defaultReaderOptions, ...options })) outcomes.push(outcome);
  return outcomes;
}

/** The limits of most tests. */
export const options: ReaderOptions = { ...defaultReaderOptions };
