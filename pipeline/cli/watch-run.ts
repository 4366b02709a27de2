import cliProgress from 'cli-progress';
import { UsageError, type StageProgress } from '../../core/index.js';
import type { PipelineClient, RunStatus, StageStatus } from '../../jobs/index.js';
import { formatDuration } from './output.js';

const finalStates = new Set(['completed', 'failed', 'cancelled']);

function progressOf(stage: StageStatus): StageProgress {
  return stage.progress !== null && typeof stage.progress === 'object' ? (stage.progress as StageProgress) : {};
}

/** The share of a stage done, 0 to 1. */
function fractionOf(stage: StageStatus): number {
  if (stage.state === 'completed') return 1;
  const progress = progressOf(stage);
  if (typeof progress.fraction === 'number') return Math.min(1, Math.max(0, progress.fraction));
  if (progress.step !== undefined && progress.totalSteps) return Math.min(1, progress.step / progress.totalSteps);
  return 0;
}

/** One line of detail: step, loss, ETA, message, or the error. */
export function stageDetail(stage: StageStatus): string {
  if (stage.error !== null && stage.state !== 'completed') return `error: ${stage.error.split('\n')[0]}${stage.state === 'waiting' ? ` (attempt ${stage.attempts}, retrying)` : ''}`;
  const progress = progressOf(stage);
  const parts: string[] = [];
  if (progress.step !== undefined && progress.totalSteps !== undefined) parts.push(`step ${progress.step}/${progress.totalSteps}`);
  if (progress.loss !== undefined) parts.push(`loss ${progress.loss.toFixed(4)}`);
  if (progress.validationLoss !== undefined) parts.push(`val ${progress.validationLoss.toFixed(4)}`);
  if (progress.tokensPerSecond !== undefined) parts.push(`${Math.round(progress.tokensPerSecond)} tok/s`);
  if (progress.etaSeconds !== undefined && stage.state === 'active') parts.push(`ETA ${formatDuration(progress.etaSeconds)}`);
  if (progress.message !== undefined) parts.push(progress.message);
  return parts.join(' · ');
}

/** Options of `watchRun`: where to draw, how often to look, and whether to draw bars. */
export interface WatchOptions {
  intervalMs?: number;
  output?: NodeJS.WriteStream;
  /** Bars on a terminal, plain lines otherwise. */
  bars?: boolean;
}

/** Follows a run until it completes, fails or is cancelled: a live bar per stage on a TTY, a line per change otherwise. */
export async function watchRun(client: PipelineClient, runId: string, options: WatchOptions = {}): Promise<RunStatus> {
  const output = options.output ?? process.stdout;
  const bars = options.bars ?? Boolean(output.isTTY);
  const intervalMs = options.intervalMs ?? 300;
  const multibar = bars
    ? new cliProgress.MultiBar(
        { format: '{stage} |{bar}| {percentage}% {state} {detail}', hideCursor: true, clearOnComplete: false, stream: output, barsize: 30, forceRedraw: true },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  const stageBars = new Map<string, cliProgress.SingleBar>();
  const lastLines = new Map<string, string>();
  try {
    for (;;) {
      const status = await client.status(runId);
      if (status === undefined) throw new UsageError(`run "${runId}" does not exist (any more); see \`lora jobs list\``, { code: 'run-not-found' });
      for (const stage of status.stages) {
        const detail = stageDetail(stage);
        const percent = Math.round(fractionOf(stage) * 100);
        if (multibar !== undefined) {
          const payload = { stage: stage.name.padEnd(8), state: stage.state.padEnd(9), detail };
          const bar = stageBars.get(stage.name) ?? multibar.create(100, 0, payload);
          stageBars.set(stage.name, bar);
          bar.update(percent, payload);
        } else {
          const line = `${stage.name} ${stage.state} ${percent}%${detail === '' ? '' : ` ${detail}`}`;
          if (lastLines.get(stage.name) !== line) {
            lastLines.set(stage.name, line);
            output.write(`${new Date().toISOString()} ${runId} ${line}\n`);
          }
        }
      }
      if (finalStates.has(status.state)) return status;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  } finally {
    multibar?.stop();
  }
}
