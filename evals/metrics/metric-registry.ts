import { LoraError, UsageError } from '../../core/index.js';
import type { MetricDefinition } from './metric-contracts.js';
import { builtInMetrics } from './metric-list.js';

/** Metrics by name, filled from one list; a name registered twice is a programming error and throws. */
export class MetricRegistry {
  readonly #metrics = new Map<string, MetricDefinition>();

  constructor(definitions: readonly MetricDefinition[]) {
    for (const definition of definitions) {
      if (this.#metrics.has(definition.name)) {
        throw new LoraError(`metric "${definition.name}" is registered twice; each metric name must appear once in the metric list`, { code: 'metric-duplicate' });
      }
      this.#metrics.set(definition.name, definition);
    }
  }

  /** The metric called `name`; a UsageError naming the known metrics when there is none. */
  get(name: string): MetricDefinition {
    const definition = this.#metrics.get(name);
    if (definition === undefined) {
      throw new UsageError(`unknown metric ${JSON.stringify(name)}; known metrics: ${this.names().join(', ')}`, { code: 'metric-unknown' });
    }
    return definition;
  }

  /** The registered names, sorted. */
  names(): string[] {
    return [...this.#metrics.keys()].sort();
  }
}

/** The registry of the built-in metrics. */
export const metricRegistry = new MetricRegistry(builtInMetrics);

/**
 * The built-in metric called `name`; throws a UsageError listing the known metrics when there is none.
 * @example getMetric('rouge_l').kind // 'item'
 */
export function getMetric(name: string): MetricDefinition {
  return metricRegistry.get(name);
}
