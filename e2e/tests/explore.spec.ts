import { type Page } from '@playwright/test';
import { expect, test, openEmpty, watchForErrors } from './support';

// The Explorer panel: every interleaving of the scenario, searched in a Web Worker.

/** Records whether a progress bar was ever in the page (a fast search shows it only briefly). */
async function recordProgress(page: Page) {
  await page.evaluate(() => {
    const w = window as unknown as { sawProgress: boolean };
    w.sawProgress = false;
    new MutationObserver(() => {
      if (document.querySelector('progress.explore-progress')) w.sawProgress = true;
    }).observe(document.body, { childList: true, subtree: true });
  });
}

/** A scenario far larger than the seed diagrams: `cpus` CPUs each filling its TLB, writing and flushing. */
function bigScenario(cpus: number, reps: number): string {
  const steps = [];
  for (let r = 0; r < reps; r++)
    for (let cpu = 0; cpu < cpus; cpu++)
      for (const action of ['cache_pte_in_tlb', 'write_to_page', 'local_flush_tlb_page'])
        steps.push({ cpu, action });
  return JSON.stringify({ version: 1, title: 'many writers', cpus, steps });
}

/** Ticks exactly these variants in the explorer (the defaults are the matrix's first kernels). */
async function chooseOnly(page: Page, variants: string[]) {
  for (const box of await page.locator('.explore-variant').all()) {
    const name = await box.getAttribute('data-variant');
    await box.locator('input').setChecked(variants.includes(name ?? ''));
  }
}

/** Makes `json` the working scenario through the import box, as a user pasting it would. */
async function loadScenario(page: Page, json: string) {
  await page.locator('.import-text').fill(json);
  await page.locator('.import-button').click();
}

async function exploreExample1(page: Page, base: string) {
  const problems = watchForErrors(page);
  const workerUrls: string[] = [];
  const wasmUrls: string[] = [];
  page.on('request', (req) => {
    const path = new URL(req.url()).pathname;
    if (path.includes('tlbrace-worker')) workerUrls.push(path);
    if (path.endsWith('.wasm')) wasmUrls.push(path);
  });
  await page.goto(`${base}?example=example-1`);
  await expect(page.locator('.scenario-head .counts')).toContainText('13 steps');
  await recordProgress(page);
  await page.locator('.explore-button').click();

  const rows = page.locator('.explore-result');
  // By default the kernels the matrix shows first: Example 1's contrast (will-4+6, yu-fix), and the
  // matrix's custom column (v5.10-rc4 whose page_mkclean_one never skips).
  await expect(rows).toHaveCount(3, { timeout: 20_000 });
  await expect(page.locator('.explore-status')).toContainText('Searched 3 variants');
  expect(await page.evaluate(() => (window as unknown as { sawProgress: boolean }).sawProgress)).toBe(true);

  // As drawn yu-fix keeps the data; another interleaving misses a soft-dirty write (clear_refs takes
  // no gather under yu-fix), and so does one under the custom column.
  const expected: Record<string, string> = {
    'will-4+6': 'unsafe',
    'yu-fix': 'unsafe',
    custom: 'unsafe',
  };
  for (const [variant, outcome] of Object.entries(expected)) {
    const row = page.locator(`.explore-result[data-variant="${variant}"]`);
    await expect(row).toHaveAttribute('data-outcome', outcome);
    await expect(row.locator('.open-counterexample')).toHaveCount(outcome === 'unsafe' ? 1 : 0);
  }
  // Every interleaving of Example 1's programs (13 steps on 4 CPUs) is represented.
  await expect(page.locator('.explore-result[data-variant="yu-fix"] .explore-interleavings')).toHaveText('900\u2009900');

  // The worker's script was loaded next to the page, wherever the page is, and the worker runs the
  // page's own wasm: it is sent the compiled module, so the only wasm ever fetched is the page's.
  expect(workerUrls).toContain(`${base}tlbrace-worker.js`);
  expect(wasmUrls).toHaveLength(1);
  expect(wasmUrls[0]).toMatch(new RegExp(`^${base}tlbrace-frontend-[0-9a-f]+_bg\\.wasm$`));
  return problems;
}

for (const base of ['/', '/sub/tlbrace/']) {
  test(`explores Example 1 and opens a counterexample at ${base}`, async ({ page }) => {
    const problems = await exploreExample1(page, base);

    const row = page.locator('.explore-result[data-variant="will-4+6"]');
    await expect(row.locator('.explore-verdict')).toContainText('unsafe: data lost');
    await row.locator('.open-counterexample').click();
    const cex = page.locator('.counterexample');
    await expect(cex).toBeVisible();
    // Its 13 steps in their lanes, in time order.
    await expect(cex.locator('.lane')).toHaveCount(4);
    await expect(cex.locator('.step')).toHaveCount(13);
    for (let cpu = 0; cpu < 4; cpu++) {
      const steps = await cex.locator(`.lane[data-cpu="${cpu}"] .step`).evaluateAll((els) =>
        els.map((e) => [Number(e.getAttribute('data-step')), Number(e.getAttribute('data-cpu'))]),
      );
      for (const [, c] of steps) expect(c).toBe(cpu);
      const order = steps.map(([i]) => i);
      expect(order).toEqual([...order].sort((a, b) => a - b));
    }
    // Core's verdict of the opened timeline under the variant it was found for, and no other: lost.
    await expect(cex.locator('.cex-verdict')).toHaveCount(1);
    await expect(cex.locator('.cex-verdict[data-variant="will-4+6"]')).toHaveAttribute('data-verdict', 'lost');
    // Loaded into the editor, the matrix has its verdict under every preset: lost under will-4+6.
    // Undo brings Example 1 back.
    await cex.locator('.load-counterexample').click();
    await expect(page.locator('.explore-stale')).toBeVisible();
    await expect(page.locator('.verdicts .verdict[data-variant="will-4+6"]')).toHaveAttribute('data-verdict', 'lost');
    await page.locator('.undo').click();
    await expect(page.locator('.explore-stale')).toHaveCount(0);

    // yu-fix's counterexample, minimised, is shorter and still misses a soft-dirty write under yu-fix.
    await page.locator('.explore-result[data-variant="yu-fix"] .minimise-counterexample').click();
    await expect(cex.locator('.cex-verdict')).toHaveCount(1);
    await expect(cex.locator('.cex-verdict[data-variant="yu-fix"]')).toHaveAttribute('data-verdict', 'soft-dirty-miss');
    const minimised = await cex.locator('.step').count();
    expect(minimised).toBeGreaterThan(0);
    expect(minimised).toBeLessThan(13);

    // Loading it makes it the working scenario; the old results say they are about an earlier one.
    await cex.locator('.load-counterexample').click();
    await expect(page.locator('.scenario-head .counts')).toContainText(`${minimised} steps`);
    await expect(page.locator('.explore-stale')).toBeVisible();
    expect(problems).toEqual([]);
  });
}

test('Cancel stops a long exact search and the page stays responsive', async ({ page }) => {
  const problems = watchForErrors(page);
  await openEmpty(page);
  await loadScenario(page, bigScenario(8, 2));
  await expect(page.locator('.scenario-head .counts')).toContainText('8 CPUs · 48 steps');
  await page.locator('.explore-exact').check();
  await page.locator('.explore-time-budget').fill('');
  await page.locator('.explore-time-budget').blur();
  await page.locator('.explore-button').click();

  const bar = page.locator('progress.explore-progress');
  await expect(bar).toBeVisible();
  await expect(page.locator('.explore-cancel')).toBeEnabled();
  await expect(page.locator('.explore-button')).toBeDisabled();
  // The bar moves: the states count grows between two readings.
  const states = async () => Number(await bar.getAttribute('data-states'));
  await expect.poll(states, { timeout: 10_000 }).toBeGreaterThan(0);
  const first = await states();
  await expect.poll(states, { timeout: 10_000 }).toBeGreaterThan(first);
  await expect(page.locator('.explore-progress-text')).toContainText('states visited');

  // The page answers while the worker searches: undo and redo render, and the bar keeps moving.
  await page.locator('.undo').click();
  await expect(page.locator('.scenario-head .counts')).toContainText('4 CPUs · 0 steps');
  await page.locator('.redo').click();
  await expect(page.locator('.scenario-head .counts')).toContainText('8 CPUs · 48 steps');
  const later = await states();
  await expect.poll(states, { timeout: 10_000 }).toBeGreaterThan(later);
  await expect(bar).toBeVisible();

  await page.locator('.explore-cancel').click();
  await expect(page.locator('.explore-status')).toContainText('Cancelled after');
  // Nothing differs between kernels as drawn: the default is the inspected preset and custom.
  await expect(page.locator('.explore-status')).toContainText('while searching v5.10-rc4');
  await expect(bar).toHaveCount(0);
  const row = page.locator('.explore-result[data-variant="v5.10-rc4"]');
  await expect(row).toHaveAttribute('data-outcome', 'incomplete');
  await expect(row.locator('.explore-verdict')).toContainText('cancelled after');
  await expect(page.locator('.explore-cancel')).toBeDisabled();

  // Still usable: a new search (of one variant, with a state cap) runs and ends with a clear message.
  await chooseOnly(page, ['v5.12']);
  await page.locator('.explore-max-states').fill('20000');
  await page.locator('.explore-max-states').blur();
  await page.locator('.explore-button').click();
  const capped = page.locator('.explore-result[data-variant="v5.12"]');
  await expect(capped).toHaveAttribute('data-outcome', 'incomplete', { timeout: 20_000 });
  await expect(capped.locator('.explore-verdict')).toContainText('state cap of 20\u2009000 reached after');
  await expect(page.locator('.explore-result')).toHaveCount(1);
  expect(problems).toEqual([]);
});

test('a time budget stops each variant and says so', async ({ page }) => {
  const problems = watchForErrors(page);
  await page.goto('/sub/tlbrace/');
  await loadScenario(page, bigScenario(8, 2));
  await chooseOnly(page, ['yu-fix+flush', 'v5.12']);
  await page.locator('.explore-exact').check();
  await page.locator('.explore-time-budget').fill('1');
  await page.locator('.explore-time-budget').blur();
  await page.locator('.explore-button').click();
  await expect(page.locator('.explore-result')).toHaveCount(2, { timeout: 20_000 });
  for (const v of ['yu-fix+flush', 'v5.12']) {
    const row = page.locator(`.explore-result[data-variant="${v}"]`);
    await expect(row).toHaveAttribute('data-outcome', 'incomplete');
    await expect(row.locator('.explore-verdict')).toContainText('time budget of 1 s reached after');
  }
  expect(problems).toEqual([]);
});

test('bad options are refused with a readable message', async ({ page }) => {
  await page.goto('/');
  await page.locator('.explore-max-states').fill('lots');
  await page.locator('.explore-max-states').blur();
  await page.locator('.explore-button').click();
  await expect(page.locator('.explorer [role="alert"]')).toContainText('state cap');
  await expect(page.locator('.explore-result')).toHaveCount(0);
  await expect(page.locator('.explore-button')).toBeEnabled();
});

test('the explorer searches on the page\'s architecture', async ({ page }) => {
  const problems = watchForErrors(page);
  await page.goto('/?example=example-1');
  await page.locator('.arch-select').selectOption('arm64');
  await expect(page.locator('.explore-options legend')).toContainText('on arm64');
  await chooseOnly(page, ['v5.12']);
  await page.locator('.explore-button').click();
  const row = page.locator('.explore-result[data-variant="v5.12"]');
  await expect(row).toHaveAttribute('data-outcome', 'unsafe', { timeout: 20_000 });
  await row.locator('.open-counterexample').click();
  // The counterexample names the variant it was found for, architecture included.
  await expect(page.locator('.counterexample .cex-verdict-name')).toHaveText('v5.12@arm64');
  await expect(page.locator('.counterexample .cex-verdict')).toHaveAttribute('data-verdict', 'lost');
  expect(problems).toEqual([]);
});

test('a worker that cannot load says so, and Explore works again', async ({ page }) => {
  await page.goto('/?example=example-1');
  await page.locator('.timeline .step[data-step="12"]').waitFor();
  // The page has its code; the worker's import of the same file now fails, as after a deploy
  // that removed the page's hashed JS.
  await page.route(/tlbrace-frontend-[0-9a-f]+\.js$/, (route) => route.abort());
  await page.locator('.explore-button').click();
  await expect(page.locator('.explorer [role="alert"]')).toContainText('worker', { timeout: 15_000 });
  await expect(page.locator('.explorer [role="alert"]')).toContainText('failed');
  await expect(page.locator('.explore-button')).toBeEnabled();
  await page.unroute(/tlbrace-frontend-[0-9a-f]+\.js$/);
  await chooseOnly(page, ['v5.12']);
  await page.locator('.explore-button').click();
  await expect(page.locator('.explore-result[data-variant="v5.12"]')).toHaveAttribute('data-outcome', 'unsafe', { timeout: 20_000 });
});
