import { Writable } from 'node:stream';
import { pino, multistream, type Logger, type DestinationStream, type LevelWithSilent, type LoggerOptions as LoggerOptionsOfPino } from 'pino';
import pretty from 'pino-pretty';

export type { Logger } from 'pino';

/** Keys whose values are never written to a log, at any depth (compared without case, "-" or "_"). */
const secretKeys = new Set(
  ['apiKey', 'authorization', 'proxyAuthorization', 'secretAccessKey', 'sessionToken', 'password', 'token', 'accessToken', 'openaiApiKey', 'awsSecretAccessKey', 'awsSessionToken', 'hfToken', 'cookie', 'xApiKey'].map(
    (key) => key.toLowerCase(),
  ),
);

const censor = '[redacted]';

/** Spellings of secret keys as they appear at the top of a log call or in `child({...})` bindings. */
const topLevelSecretNames = ['apiKey', 'api_key', 'authorization', 'Authorization', 'token', 'password', 'secretAccessKey', 'sessionToken', 'accessToken', 'OPENAI_API_KEY', 'HF_TOKEN', 'AWS_SECRET_ACCESS_KEY'];

function isSecretKey(key: string): boolean {
  return secretKeys.has(key.replace(/[-_]/g, '').toLowerCase());
}

/** A copy of `value` with every secret-named field replaced, however deep; also hides passwords in URLs. */
export function redactSecrets(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return value.replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^:/@\s]*:)[^@\s]+@/gi, `$1${censor}@`);
  if (value === null || typeof value !== 'object' || depth > 8) return value;
  if (value instanceof Error) return redactSecrets(pino.stdSerializers.err(value), depth + 1);
  if (Array.isArray(value)) return value.map((item) => redactSecrets(item, depth + 1));
  const copy: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) copy[key] = isSecretKey(key) ? censor : redactSecrets(inner, depth + 1);
  return copy;
}

/** pino options shared by every logger: the level, and secrets redacted from fields, bindings, errors and messages. */
function loggerOptions(level: LevelWithSilent): LoggerOptionsOfPino {
  const redactObject = (object: Record<string, unknown>) => redactSecrets(object) as Record<string, unknown>;
  return {
    level,
    serializers: {
      // Serializers also apply to child bindings, which formatters.log never sees.
      ...Object.fromEntries(topLevelSecretNames.map((name) => [name, () => censor])),
      err: (error: unknown) => redactSecrets(error instanceof Error ? pino.stdSerializers.err(error) : error),
    },
    formatters: { log: redactObject, bindings: redactObject },
    hooks: {
      logMethod(args, method) {
        method.apply(this, args.map((argument) => (typeof argument === 'string' ? redactSecrets(argument) : argument)) as Parameters<typeof method>);
      },
    },
  };
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
