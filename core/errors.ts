/** Where a validation problem was found: a file line (1-based) and a dotted field path. */
export interface ValidationIssue {
  line?: number;
  path: string;
  code: string;
  message: string;
}

/** What every lora error carries; retryability is data, never a string match on the message. */
export interface LoraErrorOptions {
  code: string;
  retryable?: boolean;
  cause?: unknown;
  /** Usage and config mistakes exit 2, everything else 1. */
  exitCode?: 1 | 2;
  issues?: ValidationIssue[];
}

/** Base error of the project: typed, with a code, a retryable flag and optional validation issues. */
export class LoraError extends Error {
  readonly code: string;
  readonly retryable: boolean;
  readonly exitCode: 1 | 2;
  readonly issues: ValidationIssue[];

  constructor(message: string, options: LoraErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = options.code;
    this.retryable = options.retryable ?? false;
    this.exitCode = options.exitCode ?? 1;
    this.issues = options.issues ?? [];
  }
}

/** A configuration file, environment variable or flag that does not validate. Exit code 2. */
export class ConfigError extends LoraError {
  constructor(message: string, issues: ValidationIssue[] = []) {
    super(message, { code: 'config-invalid', exitCode: 2, issues });
  }
}

/** A command used wrongly or an input document (a spec, a dataset) that is malformed. Exit code 2. */
export class UsageError extends LoraError {
  constructor(message: string, options: { code?: string; issues?: ValidationIssue[]; cause?: unknown } = {}) {
    super(message, { code: options.code ?? 'usage', exitCode: 2, issues: options.issues, cause: options.cause });
  }
}

/** Input a stage cannot process however often it is retried (a missing file, a malformed record). */
export class InputError extends LoraError {
  constructor(message: string, options: { code?: string; issues?: ValidationIssue[]; cause?: unknown } = {}) {
    super(message, { code: options.code ?? 'input-invalid', retryable: false, issues: options.issues, cause: options.cause });
  }
}

/** True when an error says that trying again may succeed. Unknown errors count as transient. */
export function isRetryable(error: unknown): boolean {
  if (error instanceof LoraError) return error.retryable;
  return true;
}

/** Formats validation issues for people, one per line: `subject line 3: "a.b" message`. */
export function formatIssues(subject: string, issues: readonly ValidationIssue[]): string {
  return issues
    .map((issue) => {
      const where = issue.line === undefined ? subject : `${subject} line ${issue.line}`;
      const field = issue.path === '' ? '' : ` "${issue.path}"`;
      return `${where}:${field} ${issue.message}`;
    })
    .join('\n');
}
