/**
 * Tokens in `characters` characters of text, estimated as one per four (the usual rule of thumb for
 * English BPE vocabularies) until the base model's tokenizer is wired into curation. Reports say so.
 */
export function tokensForCharacters(characters: number): number {
  return Math.ceil(characters / 4);
}

/** How token counts are estimated, as recorded in manifests. */
export const tokenEstimateMethod = 'estimate: ceil(characters / 4)';
