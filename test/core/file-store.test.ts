import { mkdtemp, rm, chmod, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileStore } from '../../core/index.js';
import { describeStoreConformance } from './store-conformance.js';

describeStoreConformance('file', async () => {
  const root = await mkdtemp(join(tmpdir(), 'lora-file-store-'));
  return { store: new FileStore(root), cleanup: () => rm(root, { recursive: true, force: true }) };
});

describe('file store', () => {
  it('resolves file://./relative against the working folder', () => {
    expect(FileStore.fromUrl('file://./.lora', '/srv/project').root).toBe('/srv/project/.lora');
    expect(FileStore.fromUrl('file:///var/lib/lora', '/srv').root).toBe('/var/lib/lora');
  });

  it.skipIf(process.getuid?.() === 0)('reports a read-only folder as not writable and leaves no partial file', async () => {
    const root = await mkdtemp(join(tmpdir(), 'lora-readonly-'));
    await chmod(root, 0o555);
    const store = new FileStore(root);
    await expect(store.put('x/y.json', '{}')).rejects.toMatchObject({ code: 'not-writable' });
    expect(await readdir(root)).toEqual([]);
    await chmod(root, 0o755);
    await rm(root, { recursive: true, force: true });
  });

  it('refuses keys inside its own scratch folder', async () => {
    const root = await mkdtemp(join(tmpdir(), 'lora-scratch-'));
    await expect(new FileStore(root).put('.tmp/x', 'x')).rejects.toMatchObject({ code: 'invalid-key' });
    await rm(root, { recursive: true, force: true });
  });
});
