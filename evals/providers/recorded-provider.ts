import { canonicalJson, LoraError, sha256Hex } from '../../core/index.js';
import type { ChatProvider, ChatRequest, ChatResponse } from './chat-provider.js';

/** A dataset item whose baseline answer was recorded when the data was collected (the large model's own reply). */
export interface RecordedItem {
  id: string;
  messages: { role: string; content: string }[];
  recordedResponse: {
    text: string;
    usage?: { promptTokens: number; completionTokens: number; cachedPromptTokens?: number };
  };
}

/** The hash the recorded answers are looked up by: the messages' roles and contents, nothing else. */
function messagesHash(messages: readonly { role: string; content: string }[]): string {
  return sha256Hex(canonicalJson(messages.map((message) => ({ role: message.role, content: message.content }))));
}

/**
 * The `recorded` baseline: it answers each request with the response already stored in the dataset for the same
 * messages, so an eval can compare against the large model without calling it again. Sampling parameters are
 * ignored; the recording is what the large model said. When two items share their messages, the first one answers.
 */
export function createRecordedProvider(items: Iterable<RecordedItem>): ChatProvider {
  const byMessages = new Map<string, RecordedItem>();
  for (const item of items) {
    const hash = messagesHash(item.messages);
    if (!byMessages.has(hash)) byMessages.set(hash, item);
  }
  return {
    id: 'recorded',
    endpoint: 'recorded:',
    model: 'recorded',
    async complete(request: ChatRequest): Promise<ChatResponse> {
      const item = byMessages.get(messagesHash(request.messages));
      if (item === undefined) {
        const last = request.messages.at(-1)?.content ?? '';
        throw new LoraError(
          `recorded baseline: no dataset item has these messages (the last one starts ${JSON.stringify(last.slice(0, 80))}); ` +
            'every evaluated item needs a recordedResponse, or use a live baseline such as openai:MODEL',
          { code: 'recorded-response-missing' },
        );
      }
      const { text, usage } = item.recordedResponse;
      if (usage === undefined) {
        throw new LoraError(
          `recorded baseline: item "${item.id}" has a recordedResponse without usage; ` +
            'record {promptTokens, completionTokens} with each response so the baseline can be priced',
          { code: 'recorded-usage-missing' },
        );
      }
      return {
        text,
        usage: { promptTokens: usage.promptTokens, cachedPromptTokens: usage.cachedPromptTokens ?? 0, completionTokens: usage.completionTokens },
        latencyMs: 0,
        cached: false,
        finishReason: null,
      };
    },
  };
}
