import type { CanonicalMessage, CanonicalRecord } from '../canonical-record.js';
import type { CurationConfig } from '../curation-config.js';
import { LowercaseUnits } from './lowercase-units.js';
import { MinHashSigner } from './minhash-signer.js';
import { signerOptionsFor } from './minhash-lsh.js';
import { NgramHasher } from './ngram-index.js';
import { normalizeText } from './normalize-text.js';
import { scrubPii } from './pii-scrubber.js';
import { PreparedBatchBuilder } from './prepared-batch.js';
import { StepSampler } from './step-sampler.js';
import { qualityProblem } from './quality-filter.js';
import { CollapsedHasher } from './text-hash.js';

/**
 * The two hashes of a record, in one pass over its text: the exact-dedupe key (label, roles and
 * whitespace-collapsed contents) and the prompt hash (every message but the assistant's, whitespace
 * collapsed), which decides the record's split.
 */
export function recordHashes(record: CanonicalRecord): { exactKey: number; promptHash: number } {
  const exact = new CollapsedHasher().text(record.label ?? '').separator(0);
  const prompt = new CollapsedHasher();
  for (const message of record.messages) {
    exact.text(message.role).separator(1);
    if (message.role === 'assistant') {
      exact.text(message.content);
    } else {
      exact.textBoth(message.content, prompt);
      prompt.separator(1);
    }
    exact.separator(2);
  }
  return { exactKey: exact.digest(), promptHash: prompt.digest() };
}

/**
 * What near-duplicate removal and decontamination compare: every message but the system prompt,
 * which datasets share on purpose and which would otherwise make every record look alike.
 */
export function comparedText(record: CanonicalRecord): string {
  let text = '';
  for (const message of record.messages) {
    if (message.role === 'system') continue;
    text = text === '' ? message.content : `${text}\n${message.content}`;
  }
  return text;
}

/** Characters of content in a record, the basis of its token estimate. */
export function contentCharacters(record: CanonicalRecord): number {
  let total = 0;
  for (const message of record.messages) total += message.content.length;
  return total;
}

/**
 * The per-record steps of curation, which depend on nothing but the record: normalise, scrub or
 * drop PII, quality filters, then the keys and hashes the main thread dedupes and splits by. Runs
 * in curation workers, one preparer per worker, or inline for small inputs and CSV/TSV.
 */
export class RecordPreparer {
  private readonly signer: MinHashSigner | undefined;
  private readonly ngrams: NgramHasher | undefined;
  /** Times the steps of a sample of the records. */
  private readonly clock = new StepSampler();
  /** The compared text, lowercased once for both the signer and the n-gram hasher. */
  private readonly lowered = new LowercaseUnits();

  constructor(private readonly config: CurationConfig) {
    this.signer = config.dedupe.near.enabled ? new MinHashSigner(signerOptionsFor(config.dedupe.near)) : undefined;
    this.ngrams = config.decontamination.enabled ? new NgramHasher(config.decontamination.ngram) : undefined;
  }

  /** Length of the signatures this preparer makes; 0 when near-duplicate removal is off. */
  get signatureLength(): number {
    return this.signer?.options.length ?? 0;
  }

  /** An empty batch to prepare records into, with room for about `records`. */
  newBatch(records: number): PreparedBatchBuilder {
    return new PreparedBatchBuilder(this.signatureLength, records);
  }

  /** Runs the steps on one valid record and adds the outcome to `batch`. */
  prepare(input: CanonicalRecord, batch: PreparedBatchBuilder): void {
    const { config } = this;
    batch.countInput();
    const clock = this.clock;
    clock.start();
    const messages: CanonicalMessage[] = new Array(input.messages.length);
    for (let index = 0; index < messages.length; index += 1) {
      const message = input.messages[index]!;
      messages[index] = { role: message.role, content: normalizeText(message.content, config.normalize) };
    }
    batch.time('normalize', clock.lap());

    if (config.pii.mode !== 'off') {
      let found: Record<string, number> | undefined;
      for (let index = 0; index < messages.length; index += 1) {
        const message = messages[index]!;
        const scrubbed = scrubPii(message.content);
        for (const [type, count] of Object.entries(scrubbed.counts)) {
          if (!count) continue;
          found ??= {};
          found[type] = (found[type] ?? 0) + count;
        }
        if (config.pii.mode === 'replace') messages[index] = { role: message.role, content: scrubbed.text };
      }
      batch.time('pii', clock.lap());
      if (found !== undefined) {
        batch.countPii(found);
        if (config.pii.mode === 'drop') {
          batch.dropForPii();
          return;
        }
      }
    }

    const record: CanonicalRecord = { ...input, messages };
    const problem = qualityProblem(record, config.quality);
    batch.time('quality', clock.lap());
    if (problem !== undefined) {
      batch.filter(problem);
      return;
    }

    const { signer, ngrams, lowered } = this;
    if (signer !== undefined || ngrams !== undefined) lowered.load(comparedText(record));
    const hashes = recordHashes(record);
    batch.addCandidate({
      exactKey: hashes.exactKey,
      promptHash: hashes.promptHash,
      characters: contentCharacters(record),
      label: record.label,
      line: JSON.stringify(record),
      signature: signer === undefined ? undefined : (out) => signer.signUnits(lowered, out),
      probes: ngrams?.probes(lowered),
    });
    batch.time('hashing', clock.lap());
  }
}
