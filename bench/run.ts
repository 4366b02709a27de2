// `npm run bench -- NAME`: runs one benchmark and prints its figures.
import { benchCurate } from './curate-bench.js';
import { benchEval } from './eval-bench.js';
import { benchJobs } from './jobs-bench.js';
import { benchModel } from './model-bench.js';
import { benchRouter } from './router-bench.js';
import { benchTrain } from './train-bench.js';

const benchmarks = new Map<string, (args: string[]) => Promise<void>>([
  ['jobs', benchJobs],
  ['curate', benchCurate],
  ['model', benchModel],
  ['train', benchTrain],
  ['eval', benchEval],
  ['router', benchRouter],
]);

const [name, ...args] = process.argv.slice(2);
const benchmark = name === undefined ? undefined : benchmarks.get(name);
if (benchmark === undefined) {
  process.stderr.write(`usage: npm run bench -- NAME [options]; NAME is one of ${[...benchmarks.keys()].join(', ')}\n`);
  process.exitCode = 2;
} else {
  await benchmark(args);
}
