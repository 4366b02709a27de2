import { StoreError } from './store-error.js';

/**
 * Refuses keys that could escape the store or that no backend stores faithfully:
 * empty keys, absolute paths, `..` or `.` segments, empty segments, backslashes and NUL.
 */
export function assertValidKey(key: string): void {
  const problem = keyProblem(key);
  if (problem !== undefined) {
    throw new StoreError(`store key ${JSON.stringify(key)} ${problem}`, { code: 'invalid-key', key, exitCode: 2 });
  }
}

function keyProblem(key: string): string | undefined {
  if (typeof key !== 'string' || key.length === 0) return 'must be a non-empty string';
  if (key.includes('\0')) return 'must not contain NUL';
  if (key.includes('\\')) return 'must use "/" as separator, not "\\"';
  if (key.startsWith('/') || /^[A-Za-z]:/.test(key)) return 'must be relative, not an absolute path';
  if (key.length > 1024) return `must be at most 1024 characters, got ${key.length}`;
  const segments = key.split('/');
  if (segments.some((segment) => segment === '..')) return 'must not contain ".." segments';
  if (segments.some((segment) => segment === '.')) return 'must not contain "." segments';
  if (segments.some((segment, index) => segment === '' && index !== segments.length - 1)) return 'must not contain empty segments ("//")';
  if (key.endsWith('/')) return 'must name an object, not end in "/"';
  return undefined;
}

/** A prefix for `list`: empty, or what a key may start with. */
export function assertValidPrefix(prefix: string): void {
  if (prefix === '') return;
  assertValidKey(prefix.endsWith('/') ? `${prefix}x` : prefix);
}
