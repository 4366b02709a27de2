import type { DatasetManifest } from './dataset-manifest.js';

function table(headers: readonly string[], rows: ReadonlyArray<readonly (string | number)[]>): string {
  return [`| ${headers.join(' | ')} |`, `| ${headers.map(() => '---').join(' | ')} |`, ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n');
}

function quote(text: string): string {
  return text.replace(/\s+/g, ' ').replace(/\|/g, '\\|').slice(0, 160);
}

/** The dataset card: a Markdown page with what curation did, split statistics and a length histogram. */
export function renderDatasetCard(manifest: DatasetManifest, histogram: ReadonlyArray<{ from: number; to: number; count: number }>): string {
  const { counts } = manifest;
  const widest = Math.max(1, ...histogram.map((bucket) => bucket.count));
  const lines = [
    `# Dataset ${manifest.name} (${manifest.id})`,
    '',
    `Curated ${manifest.createdAt} from \`${manifest.source.uri}\` (sha256 \`${manifest.source.sha256.slice(0, 16)}…\`, ${manifest.source.bytes} bytes, format ${manifest.source.format}).`,
    `Token counts are an ${manifest.tokenizer}.`,
    '',
    '## What curation did',
    '',
    table(
      ['step', 'records'],
      [
        ['input', counts.input],
        ['invalid (rejected)', counts.invalid],
        ['quality filters', counts.filtered],
        ['PII (dropped)', counts.piiDropped],
        ['exact duplicates', counts.exactDuplicates],
        ['near duplicates', counts.nearDuplicates],
        ['decontaminated', counts.decontaminated],
        ['**kept**', `**${counts.kept}**`],
      ],
    ),
    '',
    Object.keys(manifest.pii).length === 0 ? 'No PII found.' : `PII ${manifest.config.pii.mode === 'drop' ? 'found (records dropped)' : 'replaced with placeholders'}: ${Object.entries(manifest.pii).map(([type, count]) => `${type} ${count}`).join(', ')}.`,
    Object.keys(manifest.filteredBy).length === 0 ? '' : `Quality filters: ${Object.entries(manifest.filteredBy).map(([reason, count]) => `${reason} ${count}`).join(', ')}.`,
    '',
    '## Splits',
    '',
    table(
      ['split', 'records', 'tokens min', 'mean', 'p50', 'p95', 'max', 'labels'],
      (['train', 'validation', 'test'] as const).map((name) => {
        const split = manifest.splits[name];
        const labels = Object.entries(split.labels).map(([label, count]) => `${label}: ${count}`).join(', ') || '-';
        return [name, split.records, split.tokens.min, split.tokens.mean, split.tokens.p50, split.tokens.p95, split.tokens.max, labels];
      }),
    ),
    '',
    '## Length of training records (tokens)',
    '',
    '```',
    ...histogram.map((bucket) => `${`${bucket.from}-${bucket.to}`.padStart(11)} ${'█'.repeat(bucket.count === 0 ? 0 : Math.max(1, Math.round((bucket.count / widest) * 40))).padEnd(40)} ${bucket.count}`),
    '```',
  ];
  if (manifest.nearDuplicateExamples.length > 0) {
    lines.push('', '## Near-duplicate examples', '');
    for (const example of manifest.nearDuplicateExamples) {
      lines.push(`- kept: "${quote(example.kept)}"`);
      for (const duplicate of example.duplicates) lines.push(`  - dropped: "${quote(duplicate)}"`);
    }
  }
  if (manifest.issues.length > 0) {
    lines.push('', '## Rejected records (first)', '', ...manifest.issues.map((issue) => `- line ${issue.line ?? '?'}: \`${issue.code}\` ${issue.path === '' ? '' : `"${issue.path}" `}${quote(issue.message)}`));
  }
  return `${lines.join('\n')}\n`;
}
