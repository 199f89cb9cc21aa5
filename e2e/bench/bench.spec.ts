// The page's speed, measured and printed (`scripts/test.sh`'s bench stage); nothing here asserts a
// time. Figures, each over several runs in Debian's headless Chromium against dist/ served on
// 127.0.0.1 by scripts/serve-dist.mjs (precompressed .br/.gz, as a host would send them):
//
// - edit → verdicts painted: main-thread time from a keydown that moves a step (Alt+↓ / Alt+↑ on
//   the focused timeline: a real edit, every verdict recomputed) to the updated page laid out, ready
//   to paint: the keydown is dispatched, the page's work (Yew renders in microtasks) ends before the
//   next task, and a forced layout adds style and layout. The wait for the display's next frame is
//   not counted. p50 and p95 for Example 1 (13 steps, 4 CPUs) and a 64-step scenario on 8 CPUs.
// - navigation → first verdict: a fresh browser context each time (nothing cached), from navigation
//   start to the first `.verdicts .verdict[data-verdict]` in the DOM.
// - run_all: the verdict matrix's runs (every preset and the custom column) timed inside the page's
//   wasm (the User Timing measure `tlbrace:run_all`, src/perf.rs), during the edits above.
import { test, type Page } from '@playwright/test';

/** Example 1 as (cpu, action), from core's seed example. */
const EXAMPLE_1: [number, string][] = [
  [0, 'cache_pte_in_tlb'], [1, 'inc_tlb_flush_pending'], [1, 'clean_record_pte'], [1, 'pte_mkclean'],
  [2, 'tlb_gather_mmu'], [2, 'clear_refs_write'], [2, 'pte_wrprotect'], [3, 'page_mkclean_one'],
  [3, 'write_page_to_disk'], [0, 'write_to_page'], [3, 'drop_clean_page'], [1, 'flush_tlb_range'],
  [2, 'tlb_finish_mmu'],
];

/** 64 steps on 8 CPUs: Example 1 on CPUs 0–3, then on CPUs 4–7, and so on. */
function big(): string {
  const steps = [];
  for (let i = 0; steps.length < 64; i++) {
    const [cpu, action] = EXAMPLE_1[i % EXAMPLE_1.length];
    steps.push({ cpu: cpu + 4 * (Math.floor(i / EXAMPLE_1.length) % 2), action });
  }
  return JSON.stringify({ version: 2, title: '64 steps on 8 CPUs', cpus: 8, steps });
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}

const ms = (x: number) => `${x.toFixed(1)} ms`;

/** Edits `n` times (a step moved down, then up, …) and returns each edit's time. */
async function editTimes(page: Page, step: number, n: number): Promise<number[]> {
  await page.locator(`.timeline .step[data-step="${step}"]`).click();
  await page.locator('.timeline').focus();
  return page.evaluate(async (n) => {
    const timeline = document.querySelector('.timeline')!;
    const nextTask = () =>
      new Promise<void>((resolve) => {
        const c = new MessageChannel();
        c.port1.onmessage = () => resolve();
        c.port2.postMessage(0);
      });
    const nextFrame = () => new Promise<void>((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
    const times: number[] = [];
    for (let i = 0; i < n; i++) {
      const selected = document.querySelector('.timeline .step.selected')?.getAttribute('data-step');
      const t0 = performance.now();
      timeline.dispatchEvent(
        new KeyboardEvent('keydown', { key: i % 2 ? 'ArrowUp' : 'ArrowDown', altKey: true, bubbles: true, cancelable: true }),
      );
      await nextTask();
      void (document.body as HTMLElement).offsetHeight;
      times.push(performance.now() - t0);
      const now = document.querySelector('.timeline .step.selected')?.getAttribute('data-step');
      if (now === selected) throw new Error(`edit ${i} did not move step ${selected}`);
      await nextFrame();
    }
    return times;
  }, n);
}

/** The run_all measures recorded since the last call (and forgets them). */
async function runAllTimes(page: Page): Promise<number[]> {
  return page.evaluate(() => {
    const d = performance.getEntriesByName('tlbrace:run_all').map((e) => e.duration);
    performance.clearMeasures('tlbrace:run_all');
    return d;
  });
}

test('benchmark: edit → verdicts painted, navigation → first verdict, run_all', async ({ browser }) => {
  const lines: string[] = [];
  const report = (what: string, xs: number[]) =>
    lines.push(`${what.padEnd(44)} p50 ${ms(percentile(xs, 50)).padStart(9)}   p95 ${ms(percentile(xs, 95)).padStart(9)}   (n=${xs.length})`);

  // Navigation → first verdict, cold: a new context (empty cache) per load.
  const firsts: number[] = [];
  for (let i = 0; i < 7; i++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.addInitScript(() => {
      const w = window as unknown as { firstVerdict?: number };
      new MutationObserver((_, obs) => {
        if (document.querySelector('.verdicts .verdict[data-verdict]')) {
          w.firstVerdict = performance.now();
          obs.disconnect();
        }
      }).observe(document, { childList: true, subtree: true });
    });
    await page.goto('/?example=example-1');
    await page.waitForFunction(() => (window as unknown as { firstVerdict?: number }).firstVerdict !== undefined);
    firsts.push(await page.evaluate(() => (window as unknown as { firstVerdict: number }).firstVerdict));
    await context.close();
  }

  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto('/?example=example-1');
  await page.locator('.timeline .step[data-step="12"]').waitFor();
  await editTimes(page, 3, 10); // warm up
  await runAllTimes(page);
  const ex1 = await editTimes(page, 3, 60);
  const ex1RunAll = await runAllTimes(page);

  await page.locator('.import-text').fill(big());
  await page.locator('.import-button').click();
  await page.locator('.timeline .step[data-step="63"]').waitFor();
  await editTimes(page, 20, 6);
  await runAllTimes(page);
  const bigEdits = await editTimes(page, 20, 40);
  const bigRunAll = await runAllTimes(page);
  await context.close();

  report('edit → verdicts painted, Example 1', ex1);
  report('edit → verdicts painted, 64 steps / 8 CPUs', bigEdits);
  report('navigation → first verdict (cold)', firsts);
  report('run_all in wasm, Example 1', ex1RunAll);
  report('run_all in wasm, 64 steps / 8 CPUs', bigRunAll);
  console.log(['', 'tlbrace benchmark (goals: edit p95 ≤ 8 ms, first verdict ≤ 250 ms)', ...lines, ''].join('\n'));
});
