import { describe, expect, it } from 'vitest';
import { ConfigError, UsageError } from '../../../core/index.js';
import { createBaselineProvider, parseBaselineSpec, providersConfig, type ProvidersConfig } from '../../../evals/providers/index.js';

const providers: ProvidersConfig = {
  openrouter: { baseUrl: 'https://openrouter.ai/api/v1', apiKeyEnv: 'OPENROUTER_API_KEY' },
  ollama: { baseUrl: 'http://127.0.0.1:11434/v1', model: 'llama3.1:8b' },
};

describe('baseline spec', () => {
  it('reads openai:MODEL and recorded', () => {
    expect(parseBaselineSpec('openai:gpt-5.2')).toEqual({ kind: 'openai', model: 'gpt-5.2' });
    expect(parseBaselineSpec('recorded')).toEqual({ kind: 'recorded', model: 'recorded' });
  });

  it('points router:NAME at the router URL it is given, and asks for one when none is', () => {
    expect(parseBaselineSpec('router:support-triage', { router: { baseUrl: 'http://router:8080/v1' } })).toEqual({ kind: 'router', model: 'support-triage', baseUrl: 'http://router:8080/v1' });
    expect(() => parseBaselineSpec('router:support-triage')).toThrow(ConfigError);
  });

  it('reads a configured provider as NAME:MODEL, splitting at the first colon, or NAME alone when config names its model', () => {
    expect(parseBaselineSpec('openrouter:anthropic/claude-sonnet-4', { providers })).toEqual({
      kind: 'named',
      provider: 'openrouter',
      model: 'anthropic/claude-sonnet-4',
      baseUrl: 'https://openrouter.ai/api/v1',
      apiKeyEnv: 'OPENROUTER_API_KEY',
    });
    expect(parseBaselineSpec('ollama', { providers })).toMatchObject({ kind: 'named', model: 'llama3.1:8b' });
    expect(parseBaselineSpec('ollama:qwen3:4b', { providers })).toMatchObject({ kind: 'named', model: 'qwen3:4b' });
  });

  it('refuses a missing model and an unknown kind, listing the forms', () => {
    expect(() => parseBaselineSpec('openai:')).toThrow(/names no model; write openai:MODEL/);
    expect(() => parseBaselineSpec('openrouter', { providers })).toThrow(/openrouter:MODEL/);
    expect(() => parseBaselineSpec('recorded:x')).toThrow(UsageError);
    const unknown = (() => {
      try {
        parseBaselineSpec('anthropic:claude', { providers });
      } catch (error) {
        return error;
      }
    })();
    expect(unknown).toBeInstanceOf(UsageError);
    expect((unknown as Error).message).toContain('openai:MODEL, recorded, router:NAME, or NAME[:MODEL] for a configured provider (openrouter, ollama)');
  });

  it('refuses config that names a provider after a built-in kind', () => {
    expect(providersConfig.safeParse({ openai: { baseUrl: 'https://example.com/v1' } }).success).toBe(false);
    expect(providersConfig.safeParse(providers).success).toBe(true);
  });
});

describe('baseline provider', () => {
  it('builds each kind with the id reports show', () => {
    const env = { OPENAI_API_KEY: 'sk-test', OPENROUTER_API_KEY: 'sk-or' };
    const options = { providers, router: { baseUrl: 'http://router:8080/v1' } };
    expect(createBaselineProvider(parseBaselineSpec('openai:gpt-5.2', options), { env }).id).toBe('openai:gpt-5.2');
    expect(createBaselineProvider(parseBaselineSpec('router:triage', options), { env })).toMatchObject({ id: 'router:triage', endpoint: 'http://router:8080/v1' });
    expect(createBaselineProvider(parseBaselineSpec('openrouter:x/y', options), { env })).toMatchObject({ id: 'openrouter:x/y', endpoint: 'https://openrouter.ai/api/v1' });
    expect(createBaselineProvider(parseBaselineSpec('recorded'), { recordedItems: [] }).id).toBe('recorded');
  });

  it('asks for the configured key variable when it is not set', () => {
    expect(() => createBaselineProvider(parseBaselineSpec('openrouter:x/y', { providers }), { env: {} })).toThrow(/set OPENROUTER_API_KEY/);
  });
});
