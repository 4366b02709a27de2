import { describe, expect, it } from 'vitest';
import { createRecordedProvider, type RecordedItem } from '../../../evals/providers/index.js';

const items: RecordedItem[] = [
  {
    id: 'ticket-1',
    messages: [{ role: 'user', content: 'My invoice is wrong.' }],
    recordedResponse: { text: 'billing', usage: { promptTokens: 11, completionTokens: 1 } },
  },
  {
    id: 'ticket-2',
    messages: [{ role: 'user', content: 'The app crashes.' }],
    recordedResponse: { text: 'bug' },
  },
];

describe('recorded provider', () => {
  it('answers with the recorded text and usage of the item with the same messages', async () => {
    const provider = createRecordedProvider(items);

    const response = await provider.complete({ messages: [{ role: 'user', content: 'My invoice is wrong.' }], maxTokens: 8, temperature: 0.7 });

    expect(response).toEqual({ text: 'billing', usage: { promptTokens: 11, cachedPromptTokens: 0, completionTokens: 1 }, latencyMs: 0, cached: false, finishReason: null });
    expect(provider.id).toBe('recorded');
  });

  it('fails naming the item when its recording has no usage', async () => {
    const provider = createRecordedProvider(items);

    await expect(provider.complete({ messages: [{ role: 'user', content: 'The app crashes.' }], maxTokens: 8, temperature: 0 })).rejects.toMatchObject({
      code: 'recorded-usage-missing',
      message: expect.stringContaining('"ticket-2"'),
    });
  });

  it('fails clearly when no item has the messages', async () => {
    const provider = createRecordedProvider(items);

    await expect(provider.complete({ messages: [{ role: 'user', content: 'Where is my parcel?' }], maxTokens: 8, temperature: 0 })).rejects.toMatchObject({
      code: 'recorded-response-missing',
      message: expect.stringContaining('Where is my parcel?'),
    });
  });
});
