// Prices and costs: the price catalog with project overrides, and the cost of tokens and compute. No I/O.
export { priceEntry, priceOverrides, type PriceEntry, type PriceCatalog } from './price-contracts.js';
export { builtInPriceCatalog } from './price-catalog-data.js';
export { loadPriceCatalog, findPrice } from './price-catalog.js';
export { tokenCost, sumCosts, computeCost, costSummary, costRatio, type TokenUsage, type Cost, type CostTotals, type CostSummary } from './cost.js';
