import { Tokenizer } from '@huggingface/tokenizers';
import { z } from 'zod';
import { formatIssues, fromZodIssues, InputError } from '../../core/index.js';

/** A Hugging Face tokenizer with the special tokens and chat template of its `tokenizer_config.json`. */
export interface TextTokenizer {
  /** Token ids of `text`; `addSpecialTokens` (default true) applies the tokenizer's post-processor, such as a leading BOS. */
  encode(text: string, options?: { addSpecialTokens?: boolean }): number[];
  /** Text of `ids`; `skipSpecialTokens` drops every id in `specialTokenIds` first. */
  decode(ids: readonly number[], options?: { skipSpecialTokens?: boolean }): string;
  /** Entries in the vocabulary, added tokens included (Python's `len(tokenizer)`). */
  readonly vocabSize: number;
  readonly bosToken: string | undefined;
  readonly bosTokenId: number | undefined;
  readonly eosToken: string | undefined;
  /** The id of `eos_token`; generation configs may add more stop ids on top. */
  readonly eosTokenIds: readonly number[];
  /** The id of `pad_token`, else the first EOS id. */
  readonly padTokenId: number | undefined;
  readonly specialTokenIds: ReadonlySet<number>;
  /** The Jinja chat template, or undefined when the config has none. */
  readonly chatTemplate: string | undefined;
}

const tokenizerFile = z
  .object({
    model: z.object({ type: z.string().optional() }).passthrough(),
    added_tokens: z
      .array(z.object({ id: z.number().int().nonnegative(), content: z.string(), special: z.boolean().optional() }).passthrough())
      .default([]),
  })
  .passthrough();

/** `"<s>"` or an AddedToken object `{ "content": "<s>", ... }`, as transformers writes either. */
const tokenSpelling = z.union([z.string(), z.object({ content: z.string() }).passthrough()]).nullish();

const tokenizerConfig = z
  .object({
    bos_token: tokenSpelling,
    eos_token: tokenSpelling,
    pad_token: tokenSpelling,
    unk_token: tokenSpelling,
    additional_special_tokens: z.array(tokenSpelling).nullish(),
    chat_template: z.union([z.string(), z.array(z.object({ name: z.string(), template: z.string() }))]).nullish(),
  })
  .passthrough();

function spelling(token: z.infer<typeof tokenSpelling>): string | undefined {
  if (token === null || token === undefined) return undefined;
  return typeof token === 'string' ? token : token.content;
}

function parseOrThrow<T>(schema: z.ZodType<T>, value: unknown, subject: string, fix: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = fromZodIssues(parsed.error.issues, value);
  throw new InputError(`${subject} is not a valid tokenizer file: ${formatIssues(subject, issues)}; ${fix}`, { code: 'tokenizer-invalid', issues });
}

/** Picks the template transformers would use: the string itself, or the entry named "default" of a named list. */
function pickChatTemplate(value: z.infer<typeof tokenizerConfig>['chat_template']): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'string') return value;
  return value.find((entry) => entry.name === 'default')?.template;
}

/**
 * Loads a tokenizer from the parsed `tokenizer.json` and `tokenizer_config.json` of a checkpoint.
 * `subject` names the model in error messages, e.g. `model "Qwen/Qwen3-0.6B"`.
 */
export function loadTextTokenizer(tokenizerJson: unknown, tokenizerConfigJson: unknown, subject: string): TextTokenizer {
  const fix = 'download the checkpoint again or point at a Hugging Face tokenizer.json';
  const file = parseOrThrow(tokenizerFile, tokenizerJson, `${subject} tokenizer.json`, fix);
  const config = parseOrThrow(tokenizerConfig, tokenizerConfigJson ?? {}, `${subject} tokenizer_config.json`, fix);
  let tokenizer: Tokenizer;
  try {
    // The library insists these keys exist, although tokenizers writes null for an absent stage anyway.
    const complete = { normalizer: null, pre_tokenizer: null, post_processor: null, decoder: null, ...file };
    tokenizer = new Tokenizer(complete, config);
  } catch (error) {
    throw new InputError(`${subject} tokenizer.json could not be loaded: ${(error as Error).message}; ${fix}`, { code: 'tokenizer-invalid', cause: error });
  }

  const idOf = (token: string | undefined, field: string): number | undefined => {
    if (token === undefined) return undefined;
    const id = tokenizer.token_to_id(token);
    if (id === undefined) {
      throw new InputError(`${subject} tokenizer_config.json: "${field}" must be a token of tokenizer.json, got ${JSON.stringify(token)}; fix the config or the tokenizer file`, {
        code: 'tokenizer-invalid',
      });
    }
    return id;
  };

  const bosToken = spelling(config.bos_token);
  const eosToken = spelling(config.eos_token);
  const bosTokenId = idOf(bosToken, 'bos_token');
  const eosTokenId = idOf(eosToken, 'eos_token');
  const eosTokenIds = eosTokenId === undefined ? [] : [eosTokenId];
  const padTokenId = idOf(spelling(config.pad_token), 'pad_token') ?? eosTokenIds[0];
  const unkTokenId = idOf(spelling(config.unk_token), 'unk_token');

  const specialTokenIds = new Set<number>();
  for (const added of file.added_tokens) if (added.special === true) specialTokenIds.add(added.id);
  for (const id of [bosTokenId, eosTokenId, padTokenId, unkTokenId]) if (id !== undefined) specialTokenIds.add(id);
  for (const extra of config.additional_special_tokens ?? []) {
    const id = tokenizer.token_to_id(spelling(extra) ?? '');
    if (id !== undefined) specialTokenIds.add(id);
  }

  return {
    encode(text, options = {}) {
      return tokenizer.encode(text, { add_special_tokens: options.addSpecialTokens ?? true }).ids;
    },
    decode(ids, options = {}) {
      // Skipping is done here, by id, so that it agrees with `specialTokenIds` rather than the library's own list.
      const kept = options.skipSpecialTokens === true ? ids.filter((id) => !specialTokenIds.has(id)) : [...ids];
      return kept.length === 0 ? '' : tokenizer.decode(kept);
    },
    vocabSize: tokenizer.get_vocab(true).size,
    bosToken,
    bosTokenId,
    eosToken,
    eosTokenIds,
    padTokenId,
    specialTokenIds,
    chatTemplate: pickChatTemplate(config.chat_template),
  };
}

/** What decoding has not yet emitted ends in U+FFFD while a multi-byte character is split across tokens. */
const replacementCharacter = '\uFFFD';

/**
 * Turns generated ids, one at a time, into the text each one completes, for streaming and stop sequences.
 * It decodes a short window of recent ids and emits only what that window added, holding text back while it
 * ends in an incomplete UTF-8 sequence, so the pieces join to exactly what a whole decode gives.
 * @example
 * const stream = new IncrementalDecoder(tokenizer, { skipSpecialTokens: true });
 * for (const id of generated) process.stdout.write(stream.push(id));
 * process.stdout.write(stream.flush());
 */
export class IncrementalDecoder {
  private readonly ids: number[] = [];
  /** Start of the window that is decoded again for context (decoders that strip a leading space need it). */
  private prefixOffset = 0;
  /** End of the ids whose text has been emitted. */
  private readOffset = 0;
  private emitted = '';

  constructor(
    private readonly tokenizer: Pick<TextTokenizer, 'decode'>,
    private readonly options: { skipSpecialTokens?: boolean } = {},
  ) {}

  /** Everything emitted so far. */
  get text(): string {
    return this.emitted;
  }

  /** Adds one id; returns the text it completes, possibly empty. */
  push(id: number): string {
    this.ids.push(id);
    const before = this.decode(this.prefixOffset, this.readOffset);
    const after = this.decode(this.prefixOffset, this.ids.length);
    if (after.length <= before.length || after.endsWith(replacementCharacter)) return '';
    this.prefixOffset = this.readOffset;
    this.readOffset = this.ids.length;
    return this.emit(after.slice(before.length));
  }

  /** Returns whatever is still held back, incomplete characters included; call once generation ends. */
  flush(): string {
    const before = this.decode(this.prefixOffset, this.readOffset);
    const after = this.decode(this.prefixOffset, this.ids.length);
    this.prefixOffset = this.readOffset = this.ids.length;
    return this.emit(after.slice(before.length));
  }

  private decode(start: number, end: number): string {
    return this.tokenizer.decode(this.ids.slice(start, end), { skipSpecialTokens: this.options.skipSpecialTokens ?? false });
  }

  private emit(text: string): string {
    this.emitted += text;
    return text;
  }
}
