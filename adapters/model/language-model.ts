import type { Logger } from '../../core/index.js';
import { renderChatTemplate, type ChatMessage } from './chat-template.js';
import { disposeDecoderParameters, toDecoderParameters } from './decoder-parameters.js';
import { generateTokens, type Generation, type GenerationOptions, type GenerationTokenizer } from './generate-tokens.js';
import { LlamaDecoder } from './llama-decoder.js';
import { parameterCount, type DecoderConfig } from './model-config.js';
import { loadModelFolder } from './model-folder.js';
import { selectBackend, type ActiveBackend, type BackendPreference } from './tensor-backend.js';
import { loadTextTokenizer, type TextTokenizer } from './text-tokenizer.js';

/** Where a model came from, recorded with everything that depends on it. */
export interface ModelIdentity {
  /** The name users gave, e.g. `builtin:tiny` or `HuggingFaceTB/SmolLM2-135M`. */
  name: string;
  /** sha256 over config.json and the weight files. */
  sha256: string;
  architecture: string;
  parameters: number;
}

/** A base model ready to run: decoder, tokenizer, chat template and the backend it runs on. */
export class LanguageModel {
  private constructor(
    readonly identity: ModelIdentity,
    readonly config: DecoderConfig,
    readonly decoder: LlamaDecoder,
    readonly tokenizer: TextTokenizer,
    readonly backend: ActiveBackend,
    private readonly extraEosTokenIds: number[],
  ) {}

  /** Loads a Hugging Face model folder on the chosen backend. */
  static async load(folder: string, options: { name: string; backend?: BackendPreference; log?: Logger }): Promise<LanguageModel> {
    const backend = await selectBackend(options.backend ?? 'auto', options.log);
    const loaded = await loadModelFolder(folder);
    const tokenizer = loadTextTokenizer(loaded.tokenizerJson, loaded.tokenizerConfig, `model "${options.name}" tokenizer.json`);
    const decoder = new LlamaDecoder(loaded.config, toDecoderParameters(loaded.config, loaded.weights));
    loaded.weights.clear();
    const identity = { name: options.name, sha256: loaded.sha256, architecture: loaded.config.architecture, parameters: parameterCount(loaded.config) };
    return new LanguageModel(identity, loaded.config, decoder, tokenizer, backend, generationEosIds(loaded.generationConfig, loaded.config.eosTokenIds));
  }

  /** The tokenizer as generation sees it: every end-of-sequence id from the tokenizer, config and generation config. */
  get generationTokenizer(): GenerationTokenizer {
    const eos = [...new Set([...this.tokenizer.eosTokenIds, ...this.extraEosTokenIds])];
    return {
      decode: (ids, options) => this.tokenizer.decode(ids, options),
      eosTokenIds: eos,
      padTokenId: this.tokenizer.padTokenId ?? eos[0] ?? 0,
    };
  }

  /** A conversation rendered by the model's chat template, ending with the assistant's header when asked. */
  renderChat(messages: readonly ChatMessage[], addGenerationPrompt = true): string {
    return renderChatTemplate(this.tokenizer.chatTemplate, messages, {
      addGenerationPrompt,
      bosToken: this.tokenizer.bosToken,
      eosToken: this.tokenizer.eosToken,
      subject: `model "${this.identity.name}"`,
    });
  }

  /** Completes raw text prompts; the tokenizer adds its special tokens (such as Llama's BOS) as transformers does. */
  complete(prompts: readonly string[], options: GenerationOptions): Promise<Generation[]> {
    return this.generate(prompts.map((prompt) => this.tokenizer.encode(prompt)), options);
  }

  /** Answers conversations through the chat template, which writes every special token itself. */
  chat(conversations: readonly (readonly ChatMessage[])[], options: GenerationOptions): Promise<Generation[]> {
    return this.generate(conversations.map((messages) => this.tokenizer.encode(this.renderChat(messages), { addSpecialTokens: false })), options);
  }

  /** Completes already tokenised prompts. */
  generate(prompts: number[][], options: GenerationOptions): Promise<Generation[]> {
    return generateTokens(this.decoder, this.generationTokenizer, prompts, options);
  }

  /** Frees the model's backend memory. */
  dispose(): void {
    disposeDecoderParameters(this.decoder.parameters);
    this.decoder.dispose();
  }
}

function generationEosIds(generationConfig: unknown, configEos: number[]): number[] {
  const value = (generationConfig as { eos_token_id?: unknown } | undefined)?.eos_token_id;
  const listed = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return [...configEos, ...listed.filter((id): id is number => Number.isInteger(id))];
}
