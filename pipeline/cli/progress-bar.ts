import cliProgress from 'cli-progress';

/** A progress display for one long task: a bar on a terminal, a plain line per phase change otherwise. */
export interface ProgressDisplay {
  update(fraction: number, detail: string): void;
  stop(): void;
}

/** Opens a progress display on `output` (stderr by default, so stdout stays clean for results). */
export function openProgress(title: string, output: NodeJS.WriteStream = process.stderr): ProgressDisplay {
  if (!output.isTTY) {
    let last = '';
    return {
      update(fraction, detail) {
        const phase = detail.split(':')[0] ?? detail;
        if (phase === last) return;
        last = phase;
        output.write(`${new Date().toISOString()} ${title} ${Math.round(fraction * 100)}% ${detail}\n`);
      },
      stop() {},
    };
  }
  const bar = new cliProgress.SingleBar({ format: `${title} |{bar}| {percentage}% {detail}`, stream: output, hideCursor: true, barsize: 30 }, cliProgress.Presets.shades_classic);
  bar.start(100, 0, { detail: '' });
  return {
    update(fraction, detail) {
      bar.update(Math.round(fraction * 100), { detail });
    },
    stop() {
      bar.stop();
    },
  };
}
