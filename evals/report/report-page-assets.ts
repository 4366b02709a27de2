// The stylesheet and the small script inlined into the HTML report, so that the page needs nothing from outside.

/** Styles for the whole page; system fonts only, so nothing is fetched. */
export const reportStyles = `
:root { color-scheme: light; --candidate: #1d4ed8; --baseline: #c2410c; --muted: #6b7280; --line: #e5e7eb; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1280px; padding: 24px; font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #111827; background: #ffffff; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 32px 0 12px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
.subtitle { margin: 0 0 12px; color: #374151; }
.badges { display: flex; gap: 8px; flex-wrap: wrap; margin: 12px 0; }
.badge { display: inline-block; padding: 4px 12px; border-radius: 999px; font-weight: 700; color: #ffffff; }
.verdict-WIN { background: #15803d; }
.verdict-NON_INFERIOR { background: #0f766e; }
.verdict-LOSE { background: #b91c1c; }
.verdict-INCONCLUSIVE { background: #a16207; }
.gate-passed { background: #15803d; }
.gate-failed { background: #b91c1c; }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 12px 0; }
.facts dt { font-weight: 600; color: #374151; }
.facts dd { margin: 0; overflow-wrap: anywhere; }
.unknown { font-style: italic; color: #b91c1c; font-weight: 600; }
.muted { color: var(--muted); }
.charts { display: flex; flex-wrap: wrap; gap: 24px; }
figure { margin: 0; }
figcaption { color: var(--muted); font-size: 12px; max-width: 640px; }
svg.chart { max-width: 100%; height: auto; background: #ffffff; }
table { border-collapse: collapse; margin: 8px 0 16px; }
th, td { border: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f9fafb; }
td.number, th.number { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.explanations li { margin: 2px 0; }
.item-controls { display: flex; gap: 12px; align-items: center; flex-wrap: wrap; margin: 8px 0; }
.item-controls input { min-width: 280px; padding: 4px 8px; }
#items { width: 100%; table-layout: fixed; }
#items col.index-column { width: 3.5em; }
#items col.id-column { width: 8em; }
#items col.metric-column { width: 8.5em; }
#items .text { white-space: pre-wrap; overflow-wrap: anywhere; max-height: 16em; overflow: auto; margin: 0; font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
#items tr[data-outcome="candidate"] > td:first-child { border-left: 4px solid var(--candidate); }
#items tr[data-outcome="baseline"] > td:first-child { border-left: 4px solid var(--baseline); }
#items th { overflow-wrap: anywhere; }
#items th button { all: unset; cursor: pointer; font-weight: 700; }
#items th button:focus-visible { outline: 2px solid var(--candidate); }
#items th[aria-sort="ascending"] button::after { content: " ▲"; }
#items th[aria-sort="descending"] button::after { content: " ▼"; }
.scores { list-style: none; margin: 4px 0 0; padding: 0; font-size: 12px; color: #374151; }
.scores li { display: inline-block; margin-right: 10px; }
@media print { .item-controls { display: none; } #items .text { max-height: none; } }
`;

/**
 * Filtering and sorting for the item table. Static text: no report data is ever spliced into it, so an output
 * cannot become script.
 */
export const itemTableScript = `
(() => {
  const table = document.getElementById('items');
  const filter = document.getElementById('item-filter');
  const outcome = document.getElementById('item-outcome');
  const count = document.getElementById('item-count');
  if (!table || !filter || !outcome || !count) return;
  const body = table.tBodies[0];
  const apply = () => {
    const text = filter.value.trim().toLowerCase();
    let shown = 0;
    for (const row of body.rows) {
      const visible = (text === '' || row.textContent.toLowerCase().includes(text)) && (outcome.value === 'all' || row.dataset.outcome === outcome.value);
      row.hidden = !visible;
      if (visible) shown += 1;
    }
    count.textContent = shown + ' of ' + body.rows.length + ' items shown';
  };
  filter.addEventListener('input', apply);
  outcome.addEventListener('change', apply);
  for (const button of table.querySelectorAll('th button[data-sort-key]')) {
    button.addEventListener('click', () => {
      const header = button.closest('th');
      const ascending = header.getAttribute('aria-sort') !== 'ascending';
      for (const other of table.querySelectorAll('th[aria-sort]')) other.removeAttribute('aria-sort');
      header.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
      const attribute = 'data-sort-' + button.dataset.sortKey;
      const numeric = button.dataset.sortType === 'number';
      const rows = Array.from(body.rows);
      rows.sort((first, second) => {
        const a = first.getAttribute(attribute) ?? '';
        const b = second.getAttribute(attribute) ?? '';
        if (a === '' || b === '') return a === b ? 0 : a === '' ? 1 : -1;
        const order = numeric ? Number(a) - Number(b) : a.localeCompare(b, undefined, { numeric: true });
        return ascending ? order : -order;
      });
      body.append(...rows);
    });
  }
  apply();
})();
`;
