import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileStore } from '../../core/index.js';
import { curateDataset, curationConfig } from '../../datasets/index.js';
import { LoraAdapter, loadModelFolder, selectBackend, writePeftFolder } from '../../adapters/index.js';
import { evaluateAdapter, rubric } from '../../evals/index.js';

const labels = ['billing', 'bug', 'shipping'];
const subjects = ['an invoice total', 'the export button', 'a parcel', 'a refund', 'the login page', 'a late courier', 'a card charge', 'the search box'];

/** Chat records whose metadata carries the large model's recorded reply and usage, as production logs do. */
function records(): string {
  const lines: string[] = [];
  for (let index = 0; index < 60; index += 1) {
    const label = labels[index % 3]!;
    lines.push(
      JSON.stringify({
        messages: [
          { role: 'system', content: 'Reply with one category: billing, bug or shipping.' },
          { role: 'user', content: `Ticket ${index}: a question about ${subjects[index % subjects.length]} number ${index * 7}.` },
          { role: 'assistant', content: label },
        ],
        label,
        metadata: { recorded: { text: index % 4 === 0 ? 'bug' : label, usage: { prompt_tokens: 40 + index, completion_tokens: 2 }, model: 'gpt-5.2' } },
      }),
    );
  }
  return `${lines.join('\n')}\n`;
}

describe('the recorded baseline', () => {
  let folder: string;
  let store: FileStore;
  beforeAll(async () => {
    await selectBackend('wasm');
    folder = await mkdtemp(join(tmpdir(), 'lora-recorded-'));
    store = new FileStore(join(folder, 'store'));
  });
  afterAll(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('answers from the responses stored with the data and prices their recorded usage at the catalog entry', async () => {
    const text = records();
    const config = curationConfig.parse({ split: { train: 0.5, validation: 0.1, test: 0.4 }, dedupe: { near: { enabled: false } } });
    const { manifest } = await curateDataset({ name: 'recorded', source: { uri: 'recorded.jsonl', open: async () => Readable.from([text]) }, config, store });
    // A fresh adapter (B = 0) on the tiny model, stored as a PEFT folder.
    const base = await loadModelFolder('adapters/tiny-model/lora-tiny');
    const adapter = new LoraAdapter(base.config, { r: 4, lora_alpha: 8, lora_dropout: 0, target_modules: ['q_proj'], use_rslora: false, bias: 'none' }, 1);
    const peft = join(folder, 'peft');
    await writePeftFolder(peft, { adapter, baseModelName: 'builtin:tiny', card: { title: 'test' } });
    adapter.dispose();
    for (const name of ['adapter_config.json', 'adapter_model.safetensors']) await store.put(`adapters-under-test/${name}`, await readFile(join(peft, name)));

    const settings = rubric.parse({ metrics: [{ name: 'accuracy' }], cost: { usdPerComputeHour: 0.1, baselinePrice: 'openai:gpt-5.2' }, maxTokens: 4 });
    const { report } = await evaluateAdapter({
      store,
      adapter: { reference: 'fresh@v1', artifactKey: 'adapters-under-test/', artifactSha256: 'test', baseModel: 'builtin:tiny', trainingLoss: null },
      dataset: manifest,
      baselineSpec: 'recorded',
      rubric: settings,
      backend: 'wasm',
      cacheDir: join(folder, 'cache'),
    });
    expect(report.n).toBe(manifest.splits.test.records);
    // Every fourth recorded reply is "bug" whatever the label: the recorded baseline's accuracy shows exactly that.
    const wrong = report.items.filter((item) => item.baseline.output !== item.reference).length;
    expect(report.baseline.quality.accuracy!.mean).toBeCloseTo(1 - wrong / report.n, 10);
    for (const item of report.items) expect(labels).toContain(item.baseline.output);
    const expectedUsd = (report.baseline.usage.promptTokens * 1.75 + report.baseline.usage.completionTokens * 14) / 1e6;
    expect(report.baseline.cost.totalUsd).toBeCloseTo(expectedUsd, 12);
    expect(report.baseline.usage.completionTokens).toBe(2 * report.n);
    expect(report.baseline.cost.basis).toContain('openai:gpt-5.2');
    expect(report.baseline.description).toContain('recorded');
  }, 120_000);
});
