import { Counter, Histogram, Registry } from 'prom-client';

/** The router's Prometheus metrics, in a registry of its own (never the global one, so that two routers in one process do not collide). */
export interface RouterMetrics {
  registry: Registry;
  requests: Counter<'model' | 'status'>;
  promptTokens: Counter<'model'>;
  completionTokens: Counter<'model'>;
  latency: Histogram<'model'>;
  costUsd: Counter<'model'>;
}

/** Creates the metrics: requests by model and status, tokens and USD by model, and latency (queueing included). */
export function createRouterMetrics(): RouterMetrics {
  const registry = new Registry();
  const registers = [registry];
  return {
    registry,
    requests: new Counter({ name: 'lora_router_requests_total', help: 'Completion requests by model and HTTP status', labelNames: ['model', 'status'], registers }),
    promptTokens: new Counter({ name: 'lora_router_prompt_tokens_total', help: 'Prompt tokens by model', labelNames: ['model'], registers }),
    completionTokens: new Counter({ name: 'lora_router_completion_tokens_total', help: 'Completion tokens by model', labelNames: ['model'], registers }),
    latency: new Histogram({
      name: 'lora_router_request_duration_seconds',
      help: 'Time from request to last byte, queueing for the model included',
      labelNames: ['model'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    }),
    costUsd: new Counter({ name: 'lora_router_cost_usd_total', help: 'Cost in USD by model, where a price is known', labelNames: ['model'], registers }),
  };
}
