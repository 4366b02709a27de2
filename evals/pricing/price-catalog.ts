// The price catalog: the built-in list merged with a project's overrides, and lookups by provider and model.
import { ConfigError, UsageError, formatIssues, fromZodIssues, type ValidationIssue } from '../../core/index.js';
import { builtInPriceCatalog } from './price-catalog-data.js';
import { priceOverrides, type PriceCatalog, type PriceEntry } from './price-contracts.js';

/** Providers and models are matched without regard to case: `GPT-5.2` and `gpt-5.2` are one model. */
function priceKey(provider: string, model: string): string {
  return `${provider.toLowerCase()}:${model.toLowerCase()}`;
}

function invalidOverrides(issues: ValidationIssue[]): ConfigError {
  return new ConfigError(`invalid price overrides:\n${formatIssues('price overrides', issues)}`, issues);
}

/**
 * The built-in catalog with a project's overrides merged in: an override replaces the entry of the same provider
 * and model, or adds one. Overrides are validated here; a bad entry throws a ConfigError that names its field.
 *
 * @example
 * loadPriceCatalog([{ provider: 'openai', model: 'gpt-5.2', inputPer1M: 1.5, outputPer1M: 12, effectiveDate: '2026-01-01' }]);
 */
export function loadPriceCatalog(overrides?: unknown): PriceCatalog {
  const byKey = new Map<string, PriceEntry>();
  for (const entry of builtInPriceCatalog.entries) byKey.set(priceKey(entry.provider, entry.model), entry);
  if (overrides === undefined) return { version: builtInPriceCatalog.version, entries: [...byKey.values()] };

  const parsed = priceOverrides.safeParse(overrides);
  if (!parsed.success) throw invalidOverrides(fromZodIssues(parsed.error.issues, overrides));
  const firstIndex = new Map<string, number>();
  const duplicates: ValidationIssue[] = [];
  parsed.data.forEach((entry, index) => {
    const key = priceKey(entry.provider, entry.model);
    const earlier = firstIndex.get(key);
    if (earlier !== undefined) {
      duplicates.push({
        path: `[${index}]`,
        code: 'duplicate-price',
        message: `repeats ${entry.provider}:${entry.model} from [${earlier}]; keep one entry per provider and model`,
      });
      return;
    }
    firstIndex.set(key, index);
    byKey.set(key, entry);
  });
  if (duplicates.length > 0) throw invalidOverrides(duplicates);
  return { version: builtInPriceCatalog.version, entries: [...byKey.values()] };
}

/**
 * The price of a model, or undefined when the catalog has none. Provider and model match without regard to case.
 * Takes either a provider and a model, or one `provider:model` reference (split at the first colon, so model
 * names may hold colons themselves).
 *
 * @example
 * findPrice(catalog, 'openai', 'GPT-5.2');
 * findPrice(catalog, 'openai:gpt-5.2');
 */
export function findPrice(catalog: PriceCatalog, providerOrReference: string, model?: string): PriceEntry | undefined {
  let provider = providerOrReference;
  if (model === undefined) {
    const colon = providerOrReference.indexOf(':');
    if (colon <= 0 || colon === providerOrReference.length - 1) {
      throw new UsageError(`price lookup: "${providerOrReference}" must be "provider:model", such as "openai:gpt-5.2", or pass the model separately`);
    }
    provider = providerOrReference.slice(0, colon);
    model = providerOrReference.slice(colon + 1);
  }
  const key = priceKey(provider.trim(), model.trim());
  return catalog.entries.find((entry) => priceKey(entry.provider, entry.model) === key);
}
