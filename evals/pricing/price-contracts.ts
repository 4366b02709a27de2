// The shape of a price: what the catalog holds and what a project may override. No I/O here.
import { z } from 'zod';

const usdPer1M = z.number().nonnegative();

/** One model's list price, in USD per 1M tokens. */
export const priceEntry = z
  .object({
    provider: z.string().min(1),
    model: z.string().min(1),
    inputPer1M: usdPer1M,
    /** Price of prompt tokens served from the provider's cache; null when unknown or not offered. */
    cachedInputPer1M: usdPer1M.nullable(),
    outputPer1M: usdPer1M,
    /** The date (YYYY-MM-DD) from which the price applies. */
    effectiveDate: z.iso.date(),
    /** Where the price was read: a URL, or a note such as a contract reference. */
    source: z.string().min(1),
  })
  .strict();

/** One model's list price, in USD per 1M tokens. */
export type PriceEntry = z.infer<typeof priceEntry>;

/**
 * A project's own prices, replacing catalog entries of the same provider and model or adding new ones.
 * An unknown cached price stays unknown (null); the source defaults to "project override".
 */
export const priceOverrides = z.array(
  priceEntry.extend({
    cachedInputPer1M: usdPer1M.nullable().default(null),
    source: z.string().min(1).default('project override'),
  }),
);

/** Prices for every model the project can be billed for, with the version of the built-in list. */
export interface PriceCatalog {
  /** Date of the built-in price list, as YYYY-MM-DD. */
  version: string;
  entries: readonly PriceEntry[];
}
