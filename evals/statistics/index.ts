// The statistics of an evaluation: bootstrap intervals, McNemar's test and verdicts. Pure functions, no I/O.
export {
  bootstrapStatistic,
  bootstrapMean,
  pairedBootstrapDifference,
  pairedBootstrapCorpusDifference,
  type BootstrapOptions,
  type BootstrapInterval,
  type IndexStatistic,
  type PairedDifference,
} from './bootstrap.js';
export { mcnemarTest, countDiscordant, mcnemarExactBelow, type DiscordantCounts, type McNemarResult } from './mcnemar.js';
export { chiSquareSurvival, regularizedGammaUpper } from './chi-square.js';
export {
  decideVerdict,
  combineVerdicts,
  metricVerdicts,
  type MetricVerdict,
  type VerdictInput,
  type VerdictDecision,
  type WeightedVerdict,
  type CombinedVerdict,
} from './verdict.js';
