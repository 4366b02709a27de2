// A curation worker thread: prepares the blocks the main thread sends and hands back the batches,
// transferring their memory instead of copying it.
import { parentPort, workerData } from 'node:worker_threads';
import { transferablesOf } from './curation/prepared-batch.js';
import { RecordPreparer } from './curation/record-preparer.js';
import type { LineBlock } from './formats/index.js';
import { prepareBlock, type BlockSettings } from './prepare-block.js';

const settings = workerData as BlockSettings;
const preparer = new RecordPreparer(settings.config);
const port = parentPort;
if (port === null) throw new Error('datasets/curate-worker runs only as a worker thread');

port.on('message', (message: { id: number; block: LineBlock }) => {
  try {
    const batch = prepareBlock(message.block, settings, preparer);
    port.postMessage({ id: message.id, batch }, transferablesOf(batch));
  } catch (error) {
    const { message: text, stack } = error instanceof Error ? error : { message: String(error), stack: undefined };
    port.postMessage({ id: message.id, error: { message: text, stack } });
  }
});
