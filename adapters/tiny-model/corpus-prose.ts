import { proseThemes } from './corpus-prose-templates.js';
import { fillTemplate, fillTemplates } from './corpus-template.js';
import type { SeededRandom } from '../../core/index.js';

/** A paragraph of 3–6 sentences from one theme, sharing names, places and dates. */
function paragraph(random: SeededRandom): string[] {
  const theme = random.pick(Object.keys(proseThemes));
  const templates = random.shuffle(proseThemes[theme] ?? []).slice(0, 3 + random.int(4));
  return fillTemplates(random, templates);
}

/**
 * A plain-text document (no chat markup) ending in `<|endoftext|>`: a paragraph, a short email or a
 * list of notes, so the model also sees running English outside conversations.
 */
export function generateProse(random: SeededRandom): string {
  const sentences = paragraph(random);
  const layout = random.int(10);
  let text: string;
  if (layout < 6) text = sentences.join(' ');
  else if (layout < 8) {
    const [greeting, signOff, sender] = fillTemplates(random, ['{greeting} {firstName},', '{signOff},', '{firstName2}']) as [string, string, string];
    text = `${greeting}\n\n${sentences.join(' ')}\n\n${signOff}\n${sender}`;
  } else {
    const heading = fillTemplate(random, random.pick(['Notes from {date}:', 'To do this week:', 'Summary of {weekday}:', 'Key points:']));
    text = `${heading}\n${sentences.map((sentence) => `- ${sentence}`).join('\n')}`;
  }
  return `${text}<|endoftext|>`;
}
