import { describe, expect, it } from 'vitest';
import { canonicalRecord } from '../../../datasets/canonical-record.js';
import { parseOpenAiChat } from '../../../datasets/formats/index.js';
import { options } from './collect-outcomes.js';

const system = { role: 'system', content: 'You are a support triage assistant. Reply with exactly one category.' };
const user = { role: 'user', content: 'Hello team, Dark mode makes the chart labels unreadable on Firefox.' };
const assistant = { role: 'assistant', content: 'bug' };

function parse(value: unknown, line = 7) {
  return parseOpenAiChat(JSON.stringify(value), line, options);
}

describe('parseOpenAiChat', () => {
  it('turns a system, user and assistant conversation into a canonical record', () => {
    const outcome = parse({ messages: [system, user, assistant] });
    expect(outcome).toEqual({ line: 7, record: { schemaVersion: 1, messages: [system, user, assistant] } });
    if (!('record' in outcome)) throw new Error('expected a record');
    expect(canonicalRecord.safeParse(outcome.record).success).toBe(true);
  });

  it('keeps a label and metadata, and drops keys it does not know', () => {
    const outcome = parse({ messages: [{ ...user, name: 'ana' }, assistant], label: 'bug', metadata: { ticket: 25838, source: 'zendesk' }, id: 'x1' });
    expect(outcome).toEqual({ line: 7, record: { schemaVersion: 1, messages: [user, assistant], label: 'bug', metadata: { ticket: 25838, source: 'zendesk' } } });
  });

  it('treats a null label or metadata as absent', () => {
    expect(parse({ messages: [user, assistant], label: null, metadata: null })).toEqual({ line: 7, record: { schemaVersion: 1, messages: [user, assistant] } });
  });

  it('accepts a multi-turn conversation with tool messages that ends with the assistant', () => {
    const messages = [user, { role: 'assistant', content: 'Looking up order 25838.' }, { role: 'tool', content: '{"status":"in transit"}' }, { role: 'assistant', content: 'It is in transit.' }];
    expect(parse({ messages })).toEqual({ line: 7, record: { schemaVersion: 1, messages } });
  });

  it('keeps content verbatim, surrounding whitespace included', () => {
    const outcome = parse({ messages: [{ role: 'user', content: '  indented\tcode\n' }, { role: 'assistant', content: ' ok\r\n' }] });
    expect('record' in outcome && outcome.record.messages.map((message) => message.content)).toEqual(['  indented\tcode\n', ' ok\r\n']);
  });

  it('names the role it does not know, with its path and the roles it accepts', () => {
    expect(parse({ messages: [user, assistant, { role: 'bot', content: 'hi' }] })).toEqual({
      line: 7,
      issues: [{ line: 7, path: 'messages[2].role', code: 'unknown-role', message: 'must be one of system|user|assistant|tool, got "bot"' }],
    });
  });

  it('reports every wrongly typed field with its path', () => {
    const outcome = parse({ messages: [{ role: 'user', content: 42 }, { role: 'assistant' }], label: ['a'] });
    expect(outcome).toEqual({
      line: 7,
      issues: [
        { line: 7, path: 'messages[0].content', code: 'invalid-type', message: 'must be a string, got 42' },
        { line: 7, path: 'messages[1].content', code: 'invalid-type', message: 'must be a string, got nothing' },
        { line: 7, path: 'label', code: 'invalid-type', message: 'must be a string, got ["a"]' },
      ],
    });
  });

  it('rejects messages that are not a list, and metadata that is not an object', () => {
    expect(parse({ messages: { role: 'user' } })).toMatchObject({ issues: [{ path: 'messages', code: 'invalid-type', message: 'must be an array, got {"role":"user"}' }] });
    expect(parse({ messages: [user, assistant], metadata: [1] })).toMatchObject({ issues: [{ path: 'metadata', code: 'invalid-type' }] });
  });

  it('rejects a conversation without an assistant message', () => {
    expect(parse({ messages: [system, user] })).toEqual({
      line: 7,
      issues: [{ line: 7, path: 'messages', code: 'no-assistant', message: 'must contain an assistant message to learn from, got roles system|user' }],
    });
    expect(parse({ messages: [] })).toMatchObject({ issues: [{ path: 'messages', code: 'no-assistant', message: 'must contain an assistant message to learn from, got no messages' }] });
  });

  it('rejects a conversation whose last message is not the assistant reply', () => {
    expect(parse({ messages: [user, assistant, { role: 'user', content: 'thanks' }] })).toEqual({
      line: 7,
      issues: [{ line: 7, path: 'messages[2].role', code: 'last-not-assistant', message: 'must be "assistant" in the last message, got "user"; end each record with the reply to learn' }],
    });
  });

  it('rejects blank content and reports each blank message', () => {
    expect(parse({ messages: [{ role: 'user', content: ' \n ' }, { role: 'assistant', content: '' }] })).toEqual({
      line: 7,
      issues: [
        { line: 7, path: 'messages[0].content', code: 'empty-content', message: 'must not be empty or only whitespace, got " \\n "' },
        { line: 7, path: 'messages[1].content', code: 'empty-content', message: 'must not be empty or only whitespace, got ""' },
      ],
    });
  });
});
