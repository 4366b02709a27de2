import type { CanonicalRecord } from '../canonical-record.js';
import { tokensForCharacters } from './token-estimate.js';


/** Quality thresholds; see `curationConfig.quality`. */
export interface QualityOptions {
  minTokens: number;
  maxTokens: number;
  dropDegenerate: boolean;
  maxRepetition: number;
}

/** Why a record failed the quality filters. */
export type QualityReason = 'too-few-tokens' | 'too-many-tokens' | 'degenerate-response' | 'repetitive-response';

/** A response with nothing to learn from: no letters or digits at all, or one character repeated. */
export function isDegenerate(text: string): boolean {
  const trimmed = text.trim();
  if (trimmed === '') return true;
  if (!/[\p{L}\p{N}]/u.test(trimmed)) return true;
  return trimmed.length >= 5 && /^(.)\1+$/su.test(trimmed);
}

/** The share of word 3-grams in `text` that repeat an earlier one; 0 for texts under 12 words. */
export function repetitionShare(text: string): number {
  const words = text.toLowerCase().split(/\s+/).filter((word) => word !== '');
  if (words.length < 12) return 0;
  const seen = new Set<string>();
  let repeated = 0;
  for (let index = 0; index + 2 < words.length; index += 1) {
    const gram = `${words[index]} ${words[index + 1]} ${words[index + 2]}`;
    if (seen.has(gram)) repeated += 1;
    else seen.add(gram);
  }
  return repeated / (words.length - 2);
}

/** The first quality filter a record fails, or undefined when it passes them all. */
export function qualityProblem(record: CanonicalRecord, options: QualityOptions): QualityReason | undefined {
  let characters = 0;
  for (const message of record.messages) characters += message.content.length;
  const tokens = tokensForCharacters(characters);
  if (tokens < options.minTokens) return 'too-few-tokens';
  if (tokens > options.maxTokens) return 'too-many-tokens';
  for (const message of record.messages) {
    if (message.role !== 'assistant') continue;
    if (options.dropDegenerate && isDegenerate(message.content)) return 'degenerate-response';
    if (repetitionShare(message.content) > options.maxRepetition) return 'repetitive-response';
  }
  return undefined;
}
