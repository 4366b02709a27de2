// A small tmpfs for file-system fault tests: a real full disk (ENOSPC) or a real read-only file system (EROFS),
// which hold even for root, whom file permissions do not stop.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A mounted tmpfs, or why none could be mounted here. */
export type Tmpfs = { unmount(): Promise<void> } | { unavailable: string };

/** Mounts a tmpfs of `sizeKiB` at the existing folder `path`; it needs root with CAP_SYS_ADMIN, as in a privileged container. */
export async function mountTmpfs(path: string, options: { sizeKiB: number; readOnly?: boolean }): Promise<Tmpfs> {
  if (process.getuid?.() !== 0) return { unavailable: 'mounting a tmpfs needs root' };
  try {
    await run('mount', ['-t', 'tmpfs', '-o', `size=${options.sizeKiB}k,mode=0755${options.readOnly ? ',ro' : ''}`, 'tmpfs', path]);
  } catch (error) {
    return { unavailable: `cannot mount a tmpfs here (${(error as Error).message.trim()})` };
  }
  return {
    async unmount() {
      await run('umount', [path]);
    },
  };
}
