import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, createTeeLogger } from '../../core/index.js';

function capture(): { stream: Writable; lines: () => Array<Record<string, unknown>> } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  });
  return { stream, lines: () => chunks.join('').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>) };
}

describe('logger', () => {
  it('redacts API keys, AWS secrets and Authorization headers at any depth', () => {
    const { stream, lines } = capture();
    const log = createLogger({ level: 'info', destination: stream });
    log.info(
      {
        apiKey: 'sk-live-123',
        request: { headers: { Authorization: 'Bearer abc', 'x-api-key': 'k-1', accept: 'json' } },
        config: { store: { s3: { secretAccessKey: 'aws-secret', region: 'eu-west-1' } } },
        env: { OPENAI_API_KEY: 'sk-env', AWS_SECRET_ACCESS_KEY: 'aws-env', HF_TOKEN: 'hf_x' },
        redis: 'redis://user:hunter2@cache:6379',
      },
      'request sent',
    );
    const [line] = lines();
    const text = JSON.stringify(line);
    for (const secret of ['sk-live-123', 'Bearer abc', 'k-1', 'aws-secret', 'sk-env', 'aws-env', 'hf_x', 'hunter2']) expect(text).not.toContain(secret);
    expect(line).toMatchObject({
      msg: 'request sent',
      request: { headers: { accept: 'json', Authorization: '[redacted]' } },
      config: { store: { s3: { region: 'eu-west-1', secretAccessKey: '[redacted]' } } },
      redis: 'redis://user:[redacted]@cache:6379',
    });
  });

  it('redacts secrets inside errors, child bindings and message strings', () => {
    const { stream, lines } = capture();
    const log = createLogger({ level: 'info', destination: stream }).child({ apiKey: 'sk-child' });
    const error = Object.assign(new Error('upstream said no'), { apiKey: 'sk-in-error', request: { headers: { Authorization: 'Bearer in-error' } } });
    log.error({ err: error }, 'could not reach redis://user:pw-in-message@cache:6379');
    const text = JSON.stringify(lines());
    for (const secret of ['sk-child', 'sk-in-error', 'Bearer in-error', 'pw-in-message']) expect(text).not.toContain(secret);
    expect(text).toContain('upstream said no');
  });

  it('binds the job and stage to every line and hands each line to the job log', () => {
    const { stream, lines } = capture();
    const jobLines: string[] = [];
    const log = createTeeLogger('info', { runId: 'run-1', stage: 'train', jobId: 'run-1.train' }, (line) => jobLines.push(line), stream);
    log.info({ token: 'secret-token' }, 'step 10');
    expect(lines()[0]).toMatchObject({ runId: 'run-1', stage: 'train', jobId: 'run-1.train', msg: 'step 10', token: '[redacted]' });
    expect(jobLines).toHaveLength(1);
    expect(JSON.parse(jobLines[0]!)).toMatchObject({ stage: 'train', msg: 'step 10', token: '[redacted]' });
  });
});
