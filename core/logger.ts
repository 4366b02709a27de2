import { Writable } from 'node:stream';
import { pino, multistream, type Logger, type DestinationStream, type LevelWithSilent } from 'pino';
import pretty from 'pino-pretty';

export type { Logger } from 'pino';

/** Fields never written to a log, wherever they sit in the first three levels of an object. */
const secretKeys = [
  'apiKey',
  'api_key',
  'authorization',
  'Authorization',
  'secretAccessKey',
  'sessionToken',
  'password',
  'token',
  'OPENAI_API_KEY',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'HF_TOKEN',
];

/** pino redact paths for every secret key at the top level and up to two levels down. */
export const redactPaths: string[] = secretKeys.flatMap((key) => [key, `*.${key}`, `*.*.${key}`]);

/** Options of the process logger: level, and whether stderr is a terminal a person reads. */
export interface LoggerOptions {
  level: LevelWithSilent;
  pretty?: boolean;
  /** Where logs go; stderr by default, so that stdout stays for results. */
  destination?: DestinationStream;
}

/** stderr, pretty-printed when a person watches it. */
export function stderrDestination(usePretty: boolean = Boolean(process.stderr.isTTY)): DestinationStream {
  return usePretty
    ? pretty({ destination: 2, sync: true, colorize: true, ignore: 'pid,hostname' })
    : pino.destination({ fd: 2, sync: true });
}

/** The process logger: JSON on stderr, pretty on a TTY, secrets redacted. */
export function createLogger(options: LoggerOptions): Logger {
  const destination = options.destination ?? stderrDestination(options.pretty);
  return pino({ level: options.level, redact: { paths: redactPaths, censor: '[redacted]' } }, destination);
}

/**
 * A logger that writes to the process log and also hands each line to `sink`
 * (a job's own log in Redis), with the given fields bound.
 */
export function createTeeLogger(
  level: LevelWithSilent,
  bindings: Record<string, unknown>,
  sink: (line: string) => void,
  destination: DestinationStream = stderrDestination(),
): Logger {
  const sinkStream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      sink(chunk.toString('utf8').trimEnd());
      callback();
    },
  });
  return pino(
    { level, redact: { paths: redactPaths, censor: '[redacted]' } },
    multistream([
      { stream: destination, level },
      { stream: sinkStream, level },
    ]),
  ).child(bindings);
}
