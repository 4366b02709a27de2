import { Writable } from 'node:stream';
import { pino, multistream, type Logger, type DestinationStream, type LevelWithSilent } from 'pino';
import pretty from 'pino-pretty';

export type { Logger } from 'pino';

/** Keys whose values are never written to a log, at any depth (compared without case, "-" or "_"). */
const secretKeys = new Set(
  ['apiKey', 'authorization', 'proxyAuthorization', 'secretAccessKey', 'sessionToken', 'password', 'token', 'accessToken', 'openaiApiKey', 'awsSecretAccessKey', 'awsSessionToken', 'hfToken', 'cookie', 'xApiKey'].map(
    (key) => key.toLowerCase(),
  ),
);

const censor = '[redacted]';

function isSecretKey(key: string): boolean {
  return secretKeys.has(key.replace(/[-_]/g, '').toLowerCase());
}

/** A copy of `value` with every secret-named field replaced, however deep; also hides passwords in URLs. */
export function redactSecrets(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return value.replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^:/@\s]*:)[^@\s]+@/gi, `$1${censor}@`);
  if (value === null || typeof value !== 'object' || depth > 8) return value;
  if (value instanceof Error) return value;
  if (Array.isArray(value)) return value.map((item) => redactSecrets(item, depth + 1));
  const copy: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) copy[key] = isSecretKey(key) ? censor : redactSecrets(inner, depth + 1);
  return copy;
}

/** pino options shared by every logger: the level and the redaction of secrets. */
function loggerOptions(level: LevelWithSilent) {
  return { level, formatters: { log: (object: Record<string, unknown>) => redactSecrets(object) as Record<string, unknown> } };
}

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
  return pino(loggerOptions(options.level), destination);
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
    loggerOptions(level),
    multistream([
      { stream: destination, level },
      { stream: sinkStream, level },
    ]),
  ).child(bindings);
}
