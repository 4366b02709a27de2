import { readFileSync } from 'node:fs';
import { Template } from '@huggingface/jinja';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../core/index.js';
import { generateCorpus } from '../../../adapters/tiny-model/corpus.js';
import { chatmlTemplate, type ChatmlMessage } from '../../../adapters/tiny-model/corpus-chatml.js';
import { SeededRandom } from '../../../core/index.js';

const corpus = generateCorpus({ seed: 11, documents: 3000 });
const conversations = corpus.filter((document) => document.startsWith('<|im_start|>'));
const prose = corpus.filter((document) => !document.startsWith('<|im_start|>'));

/** Reads a rendered conversation back into messages, or throws where it strays from the ChatML layout. */
function parseChatml(document: string): ChatmlMessage[] {
  const turn = /<\|im_start\|>(system|user|assistant)\n([\s\S]*?)<\|im_end\|>\n/y;
  const messages: ChatmlMessage[] = [];
  while (turn.lastIndex < document.length) {
    const match = turn.exec(document);
    if (match === null) throw new Error(`not ChatML at offset ${turn.lastIndex}: ${JSON.stringify(document.slice(turn.lastIndex, turn.lastIndex + 60))}`);
    messages.push({ role: match[1] as ChatmlMessage['role'], content: match[2] as string });
  }
  return messages;
}

/** The user turns of the support-triage demo dataset, from every line that parses. */
function demoUserMessages(): string[] {
  const lines = readFileSync(new URL('../../../examples/support-triage/data.jsonl', import.meta.url), 'utf8').split('\n');
  return lines.flatMap((line) => {
    try {
      const record = JSON.parse(line) as { messages?: { role: string; content: string }[] };
      return (record.messages ?? []).filter((message) => message.role === 'user').map((message) => message.content);
    } catch {
      return [];
    }
  });
}

const words = (text: string): string[] => text.toLowerCase().split(/\s+/).filter((word) => word !== '');

describe('generateCorpus', () => {
  it('gives the same documents for the same seed', () => {
    expect(generateCorpus({ seed: 11, documents: 300 })).toEqual(corpus.slice(0, 300));
  });

  it('gives different documents for a different seed', () => {
    const other = generateCorpus({ seed: 12, documents: 300 });
    const shared = other.filter((document, index) => document === corpus[index]).length;
    expect(shared).toBeLessThan(30);
  });

  it('renders every conversation exactly as the ChatML chat template does', () => {
    const template = new Template(chatmlTemplate);
    for (const document of conversations) {
      const messages = parseChatml(document);
      expect(template.render({ messages, add_generation_prompt: false })).toBe(document);
    }
  });

  it('opens with an optional system prompt, then alternates user and assistant, ending on the assistant', () => {
    for (const document of conversations) {
      const roles = parseChatml(document).map((message) => message.role);
      const turns = roles[0] === 'system' ? roles.slice(1) : roles;
      expect(turns.length % 2, document).toBe(0);
      turns.forEach((role, index) => expect(role, document).toBe(index % 2 === 0 ? 'user' : 'assistant'));
    }
  });

  it('answers instructions briefly', () => {
    const answers = conversations.flatMap((document) => parseChatml(document).filter((message) => message.role === 'assistant'));
    const short = answers.filter((answer) => answer.content.length <= 80).length;
    expect(short / answers.length).toBeGreaterThan(0.9);
    expect(answers.every((answer) => answer.content.trim() !== '')).toBe(true);
  });

  it('makes about a fifth of the documents plain prose ending in <|endoftext|>, with no chat markup', () => {
    expect(prose.length / corpus.length).toBeGreaterThan(0.15);
    expect(prose.length / corpus.length).toBeLessThan(0.25);
    for (const document of prose) {
      expect(document.endsWith('<|endoftext|>')).toBe(true);
      expect(document.slice(0, -'<|endoftext|>'.length)).not.toMatch(/<\|/);
    }
  });

  it('lists the answer among the options of every classification prompt, with many different label sets', () => {
    const classifications = conversations.map(parseChatml).filter((messages) => /\b(label|category|topic|queue|subjects)\b/i.test(messages[0]?.content ?? ''));
    expect(classifications.length).toBeGreaterThan(500);
    const labels = new Set<string>();
    for (const messages of classifications) {
      const answer = messages.find((message) => message.role === 'assistant')?.content ?? '';
      const prompt = messages.filter((message) => message.role !== 'assistant').map((message) => message.content).join('\n');
      expect(prompt).toContain(answer);
      labels.add(answer);
    }
    expect(labels.size).toBeGreaterThan(50);
  });

  it('contains no user message of the support-triage demo dataset', () => {
    const users = demoUserMessages();
    expect(users.length).toBeGreaterThan(200);
    const text = corpus.join('\n');
    expect(users.filter((user) => text.includes(user))).toEqual([]);
  });

  it('shares no run of eight words with the support-triage demo user messages', () => {
    const runs = new Set<string>();
    for (const user of demoUserMessages()) {
      const tokens = words(user);
      for (let i = 0; i + 8 <= tokens.length; i += 1) runs.add(tokens.slice(i, i + 8).join(' '));
    }
    const shared = new Set<string>();
    for (const document of corpus) {
      const tokens = words(document);
      for (let i = 0; i + 8 <= tokens.length; i += 1) {
        const run = tokens.slice(i, i + 8).join(' ');
        if (runs.has(run)) shared.add(run);
      }
    }
    expect([...shared]).toEqual([]);
  });

  it('refuses a document count that is not a non-negative integer', () => {
    expect(() => generateCorpus({ seed: 1, documents: -1 })).toThrow(UsageError);
    expect(() => generateCorpus({ seed: 1, documents: 2.5 })).toThrow(/non-negative integer/);
  });
});

describe('SeededRandom', () => {
  it('repeats its sequence for the same seed and changes it for another', () => {
    const draw = (seed: number) => {
      const random = new SeededRandom(seed);
      return Array.from({ length: 8 }, () => random.nextUint32());
    };
    expect(draw(5)).toEqual(draw(5));
    expect(draw(5)).not.toEqual(draw(6));
  });

  it('continues exactly where a saved state left off', () => {
    const random = new SeededRandom(3);
    random.next();
    const saved = random.saveState();
    const expected = [random.next(), random.int(10), random.normal(), random.pick(['a', 'b', 'c'])];
    const resumed = SeededRandom.fromState(saved);
    expect([resumed.next(), resumed.int(10), resumed.normal(), resumed.pick(['a', 'b', 'c'])]).toEqual(expected);
    random.restoreState(saved);
    expect(random.next()).toBe(expected[0]);
  });

  it('draws floats in [0, 1), integers below n, and normals with mean near 0 and spread near 1', () => {
    const random = new SeededRandom(9);
    const floats = Array.from({ length: 5000 }, () => random.next());
    expect(floats.every((value) => value >= 0 && value < 1)).toBe(true);
    const counts = [0, 0, 0];
    for (let i = 0; i < 3000; i += 1) counts[random.int(3)]! += 1;
    expect(Math.min(...counts)).toBeGreaterThan(850);
    const normals = Array.from({ length: 5000 }, () => random.normal());
    const mean = normals.reduce((sum, value) => sum + value, 0) / normals.length;
    const variance = normals.reduce((sum, value) => sum + (value - mean) ** 2, 0) / normals.length;
    expect(Math.abs(mean)).toBeLessThan(0.05);
    expect(Math.abs(variance - 1)).toBeLessThan(0.1);
  });

  it('refuses a state that is not four unsigned 32-bit words', () => {
    expect(() => new SeededRandom(1).restoreState([1, 2, 3] as unknown as [number, number, number, number])).toThrow(UsageError);
    expect(() => new SeededRandom(1).restoreState([1, 2, 3, -4])).toThrow(/four unsigned 32-bit integers/);
  });
});
