import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { renderReportHtml } from '../../../evals/report/report-html.js';
import { renderReportMarkdown } from '../../../evals/report/report-markdown.js';
import { sampleReport, sampleReportWithUnknownCost } from './report-fixture.js';

const chromiumPath = '/usr/bin/chromium';
const hasChromium = existsSync(chromiumPath);
const runFile = promisify(execFile);
const voidElements = new Set(['meta', 'input', 'br', 'col', 'link', 'img', 'hr', 'wbr', 'source']);

/** The tags that are opened and never closed, or closed without being open, ignoring script and style bodies. */
function unbalancedTags(html: string): string[] {
  const markup = html.replace(/<(script|style)>[\s\S]*?<\/\1>/g, '');
  const open: string[] = [];
  const problems: string[] = [];
  for (const match of markup.matchAll(/<(\/?)([a-zA-Z][\w-]*)\b[^>]*?(\/?)>/g)) {
    const [, closing, rawName, selfClosing] = match;
    const name = rawName!.toLowerCase();
    if (selfClosing || voidElements.has(name)) continue;
    if (!closing) open.push(name);
    else if (open[open.length - 1] === name) open.pop();
    else problems.push(`</${name}> while <${open[open.length - 1] ?? 'nothing'}> is open`);
  }
  return [...problems, ...open.map((name) => `<${name}> never closed`)];
}

/** The `<svg>` element with the given id, start tag to end tag. */
function chart(html: string, id: string): string {
  const match = new RegExp(`<svg id="${id}"[\\s\\S]*?</svg>`).exec(html);
  if (!match) throw new Error(`no <svg id="${id}"> in the page`);
  return match[0];
}

function withHostileOutput() {
  const report = sampleReport();
  const [first, ...rest] = report.items;
  return sampleReport({
    items: [{ ...first!, prompt: 'Say "hi" & <b>bold</b>', candidate: { ...first!.candidate, output: '<script>alert(1)</script>' } }, ...rest],
  });
}

describe('renderReportHtml', () => {
  it('writes a complete page whose tags all balance', () => {
    const html = renderReportHtml(sampleReport());
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html.trimEnd().endsWith('</html>')).toBe(true);
    expect(html).toContain('<meta charset="utf-8">');
    expect(unbalancedTags(html)).toEqual([]);
  });

  it('draws the three charts as inline SVG with titles, axis labels and legends', () => {
    const html = renderReportHtml(sampleReport());
    for (const id of ['chart-cost-quality', 'chart-metrics', 'chart-loss']) {
      const svg = chart(html, id);
      expect(svg).toContain(`<title id="${id}-title">`);
      expect(svg).toContain(`aria-labelledby="${id}-title ${id}-desc"`);
      expect(svg).toContain('class="legend"');
      expect(svg).toContain('class="axis-label"');
    }
    expect(chart(html, 'chart-cost-quality')).toContain('Cost per 1,000 requests, USD (log scale)');
    expect(chart(html, 'chart-cost-quality')).toContain('exact_match (mean, CI)');
    expect(chart(html, 'chart-loss')).toContain('Training step');
    expect(chart(html, 'chart-loss')).toContain('data-series="validation"');
  });

  it('loads nothing from outside the page', () => {
    const html = renderReportHtml(sampleReport());
    expect(html).not.toMatch(/\b(?:src|href|xlink:href)\s*=\s*["']?\s*(?:https?:)?\/\//i);
    expect(html).not.toMatch(/https?:\/\//i);
    expect(html).not.toMatch(/<link\b|@import|url\(/i);
  });

  it('shows a script in a model output as text, not as markup', () => {
    const html = renderReportHtml(withHostileOutput());
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('Say &quot;hi&quot; &amp; &lt;b&gt;bold&lt;/b&gt;');
    expect(html).not.toContain('<script>alert(1)');
    expect(html.match(/<script\b/g)).toHaveLength(1);
    expect(unbalancedTags(html)).toEqual([]);
  });

  it('shows an unknown cost as "unknown", never as $0', () => {
    const html = renderReportHtml(sampleReportWithUnknownCost());
    const candidateRow = /<tr><th scope="row">Candidate<\/th>[\s\S]*?<\/tr>/.exec(html.slice(html.indexOf('<table id="cost">')))?.[0];
    expect(candidateRow?.match(/<span class="unknown">unknown<\/span>/g)).toHaveLength(3);
    expect(candidateRow).not.toContain('$0');
    expect(html).toMatch(/<strong id="cost-ratio"><span class="unknown">unknown<\/span>/);
    const costChart = chart(html, 'chart-cost-quality');
    expect(costChart).toContain('>unknown</text>');
    expect(costChart).toContain('Candidate · cost unknown');
    expect(costChart).not.toContain('log scale)');
    expect(html).toContain('data-gate="failed"');
  });

  it('puts the verdict, gate and report facts in the header', () => {
    const html = renderReportHtml(sampleReport());
    expect(html).toContain('data-verdict="NON_INFERIOR">Verdict: Non-inferior</span>');
    expect(html).toContain('data-gate="passed">Gate: passed</span>');
    for (const fact of ['support-triage@v3', 'openai:gpt-5.2', '2026-12-04', '2026-12-05 14:03 UTC', '0.05']) expect(html).toContain(fact);
  });

  it('lists every item with both outputs and their score differences', () => {
    const report = sampleReport();
    const html = renderReportHtml(report);
    for (const item of report.items) expect(html).toContain(`data-item-id="${item.id}"`);
    expect(html.match(/<tr data-item-id=/g)).toHaveLength(30);
    expect(html).toContain('<button type="button" data-sort-key="m0" data-sort-type="number">Δ exact_match</button>');
  });

  it('summarises each metric with its interval, verdict, McNemar p and items to decide', () => {
    const html = renderReportHtml(sampleReport());
    const summary = html.slice(html.indexOf('<table id="summary">'), html.indexOf('</table>', html.indexOf('<table id="summary">')));
    expect(summary).toMatch(/<th scope="row">exact_match<\/th>.*Non-inferior.*<td class="number" title="exact binomial: b=2, c=4[^"]*">0\.683<\/td>/);
    expect(summary).toMatch(/<th scope="row">token_f1<\/th>.*Inconclusive.*<span class="muted">—<\/span><\/td><td class="number">212<\/td>/);
  });

  it('says there is no loss curve rather than drawing an empty chart', () => {
    const html = renderReportHtml(sampleReport({ trainingLoss: null }));
    expect(html).not.toContain('id="chart-loss"');
    expect(html).toContain('No training loss was recorded for this adapter.');
  });

  it.skipIf(!hasChromium)(`renders in headless Chromium to a PNG and runs its item script${hasChromium ? '' : ` (skipped: ${chromiumPath} is not installed)`}`, async () => {
    const directory = await mkdtemp(join(tmpdir(), 'lora-report-'));
    try {
      const page = join(directory, 'report.html');
      const screenshot = join(directory, 'shot.png');
      await writeFile(page, renderReportHtml(withHostileOutput()));
      const flags = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', `--user-data-dir=${join(directory, 'profile')}`];
      await runFile(chromiumPath, [...flags, `--screenshot=${screenshot}`, '--window-size=1200,2000', `file://${page}`], { timeout: 60_000 });
      const png = await readFile(screenshot);
      expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
      expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([1200, 2000]);
      expect((await stat(screenshot)).size).toBeGreaterThan(20_000);
      // Console messages go to stderr with --enable-logging; a script error would show as "Uncaught" or a CONSOLE line.
      const { stdout: dom, stderr } = await runFile(chromiumPath, [...flags, '--enable-logging=stderr', '--v=0', '--dump-dom', `file://${page}`], { timeout: 60_000, maxBuffer: 64 * 1024 * 1024 });
      expect(stderr).not.toMatch(/Uncaught|:CONSOLE[:(]/);
      expect(dom).toContain('30 of 30 items shown');
      expect(dom).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
      expect(dom.match(/<script\b/g)).toHaveLength(1);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});

describe('renderReportMarkdown', () => {
  it('has the summary table with every metric', () => {
    const markdown = renderReportMarkdown(sampleReport());
    expect(markdown).toContain('| Metric | Weight | Candidate mean [CI] | Baseline mean [CI] | Difference [CI] | Verdict | McNemar p | Items to decide |');
    expect(markdown).toContain('| --- | ---: | ---: | ---: | ---: | --- | ---: | ---: |');
    expect(markdown).toMatch(/^\| exact_match \| 1 \| 0\.\d{3} \[0\.\d{3}, 0\.\d{3}\] \| .* \| Non-inferior \| 0\.683 \| — \|$/m);
    expect(markdown).toMatch(/^\| token_f1 \| 0\.5 \| .* \| Inconclusive \| — \| 212 \|$/m);
    expect(markdown).toContain('**Verdict: Non-inferior** · **Gate: passed**');
  });

  it('lists only the first 20 items', () => {
    const report = sampleReport();
    const markdown = renderReportMarkdown(report);
    expect(markdown).toContain('| ticket-020 |');
    expect(markdown).not.toContain('ticket-021');
    expect(markdown).toContain('The first 20 of 30 items; the HTML report lists them all.');
  });

  it('shows an unknown cost as unknown and escapes hostile outputs', () => {
    const markdown = renderReportMarkdown(sampleReportWithUnknownCost({ items: withHostileOutput().items }));
    expect(markdown).toMatch(/^\| Candidate \| .* \| unknown \| unknown \| unknown \| 5\.04 s \| no compute price configured \|$/m);
    expect(markdown).toContain('Cost ratio (candidate ÷ baseline, per request): **unknown (a cost is unknown)**');
    expect(markdown).not.toContain('<script>');
    expect(markdown).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });
});
