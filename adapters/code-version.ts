import { readFile } from 'node:fs/promises';

let cached: string | undefined;

/** `lora@VERSION`, plus the git commit when `LORA_GIT_COMMIT` is set (images set it at build time). */
export async function codeVersion(): Promise<string> {
  if (cached !== undefined) return cached;
  let version = 'unknown';
  try {
    const manifest = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8').catch(() => readFile(new URL('../package.json', import.meta.url), 'utf8'))) as { version?: string };
    version = manifest.version ?? version;
  } catch {
    // Leave the version unknown rather than fail a finished training run.
  }
  const commit = process.env.LORA_GIT_COMMIT;
  cached = `lora@${version}${commit ? `+${commit}` : ''}`;
  return cached;
}
