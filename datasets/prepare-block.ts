import type { CurationConfig } from './curation-config.js';
import type { PreparedBatch } from './curation/prepared-batch.js';
import { RecordPreparer } from './curation/record-preparer.js';
import { StepSampler } from './curation/step-sampler.js';
import { forEachLine, isBlank, lineParsers, lineTooLong, type LineBlock, type ReaderOptions } from './formats/index.js';

/** The JSONL formats, which can be cut into blocks of lines and parsed in parallel. */
export type LineFormat = keyof typeof lineParsers;

/** What preparing a block needs besides the block: its format, the reader limits and the curation settings. */
export interface BlockSettings {
  format: LineFormat;
  reader: ReaderOptions;
  config: CurationConfig;
}

/** Bytes of input per record, roughly, to size a batch's arrays before it is read. */
const bytesPerRecordGuess = 400;

/**
 * Parses the lines of one block and runs the per-record steps on each record: the work a curation
 * worker does, and what runs inline when there are no workers. Pure apart from timing.
 */
export function prepareBlock(block: LineBlock, settings: BlockSettings, preparer: RecordPreparer): PreparedBatch {
  const { reader } = settings;
  if (block.kind === 'overlong') {
    const batch = preparer.newBatch(1);
    batch.reject([lineTooLong(block.line, block.bytes, reader.maxLineBytes)]);
    return batch.finish();
  }
  const batch = preparer.newBatch(Math.ceil(block.bytes.length / bytesPerRecordGuess));
  batch.readFrom(block.bytes.length);
  const parse = lineParsers[settings.format];
  const clock = new StepSampler();
  forEachLine(block.bytes, block.firstLine, reader.maxLineBytes, (physical) => {
    if (!('text' in physical)) {
      batch.reject([lineTooLong(physical.line, physical.bytes, reader.maxLineBytes)]);
      return;
    }
    if (isBlank(physical.text)) return;
    clock.start();
    const outcome = parse(physical.text, physical.line, reader);
    batch.time('parse', clock.lap());
    if ('issues' in outcome) batch.reject(outcome.issues);
    else preparer.prepare(outcome.record, batch);
  });
  return batch.finish();
}
