// What model v2 brought to the page: the history of races in the examples menu with the two kernels
// each one contrasts, a second virtual page, and timelines that are not a kernel order.
import { type Page } from '@playwright/test';
import { expect, test, paletteItem, watchForErrors } from './support';

const verdict = (page: Page, variant: string) => page.locator(`.verdicts .verdict[data-variant="${variant}"]`);
const cell = (page: Page, cpu: number | string, row: number) =>
  page.locator(`.timeline .lane[data-cpu="${cpu}"] .cell[data-row="${row}"]`);
const HARMS = /^(lost|use-after-free|write-after-protect|write-after-unmap|soft-dirty-miss)$/;

test('a history example from the menu shows its two kernels first, harmed and holds, and its story', async ({ page }) => {
  const problems = watchForErrors(page);
  await page.goto('/');
  const menu = page.locator('select.presets');
  // The menu groups the seed thread's diagrams and the history by year; each entry says what it is.
  await expect(menu.locator('optgroup[label="The seed thread (2020)"] option')).toHaveCount(5);
  const option = menu.locator('optgroup[label="History: 2017"] option[value="reclaim-vs-mprotect"]');
  await expect(option).toHaveAttribute('title', /3ea277194daa/);
  await expect(option).toHaveText(/^reclaim-vs-mprotect · reclaim batches its flush/);
  await menu.selectOption('reclaim-vs-mprotect');

  // The contrast comes first: harmed under v4.12 (batched reclaim, before the fix), holds under v4.13.
  const first = page.locator('.verdict-row .verdict').nth(0);
  const second = page.locator('.verdict-row .verdict').nth(1);
  await expect(first).toHaveAttribute('data-variant', 'v4.12');
  await expect(first).toHaveAttribute('data-role', 'harmed');
  await expect(first).toHaveAttribute('data-verdict', 'write-after-protect');
  await expect(first.locator('.v-role')).toHaveText('harmed under');
  await expect(first.locator('.v-badge')).toContainText('write after mprotect');
  await expect(second).toHaveAttribute('data-variant', 'v4.13');
  await expect(second).toHaveAttribute('data-role', 'holds');
  await expect(second).toHaveAttribute('data-verdict', 'guaranteed');
  // The harmed kernel is the one inspected: its decisive steps are marked.
  await expect(first).toHaveClass(/selected/);
  await expect(page.locator('.inspector')).toContainText('under v4.12');
  expect(await page.locator('.timeline .step.decisive').count()).toBeGreaterThan(0);
  // Its story, with the commit and year, above the timeline.
  const story = page.locator('.example-story[data-example="reclaim-vs-mprotect"]');
  await expect(story).toBeVisible();
  await expect(story.locator('.story-facts')).toContainText('commit 3ea277194daa · 2017');
  await expect(story.locator('.story-text')).toContainText('flush_tlb_batched_pending');
  // The other presets, grouped by run, one click away.
  await expect(page.locator('.all-verdicts .verdict-group').first()).toBeHidden();
  await page.locator('.all-verdicts summary').click();
  await expect(page.locator('.all-verdicts .verdict[data-variant="v3.12"]')).toBeVisible();
  await expect(page.locator('.all-verdicts .verdict-ref[data-variant="v4.12"]')).toBeVisible();

  // An arm64 race switches the page to arm64, where its kernels differ.
  await menu.selectOption('oom-reaper');
  await expect(page.locator('.arch-select')).toHaveValue('arm64');
  await expect(page.locator('.verdict-row .verdict').nth(0)).toHaveAttribute('data-variant', 'v4.13');
  await expect(page.locator('.verdict-row .verdict').nth(0)).toHaveAttribute('data-verdict', HARMS);
  await expect(page.locator('.verdict-row .verdict').nth(1)).toHaveAttribute('data-variant', 'v4.15');
  await expect(page.locator('.verdict-row .verdict').nth(1)).toHaveAttribute('data-verdict', 'guaranteed');
  // On x86 both hold, and the page offers to go back.
  await page.locator('.arch-select').selectOption('x86');
  await expect(page.locator('.verdict-row .verdict').nth(0)).toHaveAttribute('data-verdict', 'guaranteed');
  await page.locator('.contrast-arch button').click();
  await expect(page.locator('.arch-select')).toHaveValue('arm64');
  // Undo goes back to the first example, story and contrast with it.
  await page.locator('button.undo').click();
  await expect(page.locator('.example-story')).toHaveAttribute('data-example', 'reclaim-vs-mprotect');
  expect(problems).toEqual([]);
});

test('a second page, and a step moved onto it, change the verdict and the inspector', async ({ page }) => {
  const problems = watchForErrors(page);
  await page.goto('/');
  await page.locator('select.presets').selectOption('soft-dirty');
  const v511 = verdict(page, 'v5.11');
  await expect(v511).toHaveAttribute('data-verdict', 'soft-dirty-miss');
  await expect(page.locator('.timeline .step-page-badge')).toHaveCount(0);

  // Map an anonymous page beside the file page.
  await page.locator('.page-add[data-kind="anon"]').click();
  await expect(page.locator('.pages-bar .page-entry')).toHaveCount(2);
  await expect(page.locator('.page-entry[data-page="1"] .page-kind')).toHaveValue('anon');
  await expect(page.locator('.timeline .step-page-badge').first()).toHaveText('p0');
  await expect(page.locator('.initial fieldset.init-page')).toHaveCount(2);

  // CPU0's fill moves to page 1: the later store on page 0 finds no stale entry and faults.
  const fill = page.locator('.timeline .step[data-step="0"]');
  await fill.click();
  await fill.locator('select.step-page').selectOption('1');
  await expect(fill).toHaveAttribute('data-page', '1');
  await expect(v511).toHaveAttribute('data-verdict', 'guaranteed');
  const inspector = page.locator('.inspector');
  await expect(inspector.locator('[data-field="tlb.0.1"]')).toHaveText('W D → F1');
  await expect(inspector.locator('[data-field="tlb.0.1"]')).toHaveClass(/changed/);
  await expect(inspector.locator('[data-field="tlb.0.0"]')).toHaveText('—');
  await expect(inspector.locator('[data-field="page.1"]')).toContainText('anon, in F1');

  // A store dragged onto CPU0's lane after it acts on page 1 too, and P moves it back.
  await (await paletteItem(page, 'write_to_page')).dragTo(cell(page, 0, 1));
  const store = page.locator('.timeline .step[data-step="1"]');
  await expect(store).toHaveAttribute('data-page', '1');
  await page.locator('.timeline').focus();
  await page.keyboard.press('p');
  await expect(store).toHaveAttribute('data-page', '0');

  // Removing the page removes the step on it; undo brings both back.
  await page.locator('.page-entry[data-page="1"] .page-remove').click();
  await expect(page.locator('.pages-bar .page-entry')).toHaveCount(1);
  await expect(page.locator('.timeline .step[data-action="cache_pte_in_tlb"]')).toHaveCount(0);
  await page.locator('button.undo').click();
  await expect(page.locator('.timeline .step[data-page="1"]')).toHaveCount(1);

  // A second mapping of page 0's page: its page fields are page 0's, so only its PTE's are edited.
  await page.locator('select.presets').selectOption('soft-dirty');
  await expect(page.locator('.pages-bar .page-entry')).toHaveCount(1);
  await page.locator('.page-add[data-kind="same"]').click();
  await expect(page.locator('.page-entry[data-page="1"]')).toHaveAttribute('data-kind', 'same');
  await page.locator('details.initial summary').click();
  await expect(page.locator('.initial input[data-page="1"][data-field="dirty"]')).toHaveCount(1);
  await expect(page.locator('.initial input[data-page="1"][data-field="pg_dirty"]')).toHaveCount(0);
  await expect(inspector.locator('[data-field="frame.0.mapcount"]')).toHaveText('2');
  expect(problems).toEqual([]);
});

test('a timeline that is not a kernel order says so next to the steps concerned', async ({ page }) => {
  const problems = watchForErrors(page);
  await page.goto('/');
  await page.locator('select.presets').selectOption('new');
  // clean_record_pte() without the inc_tlb_flush_pending() that opens its path.
  await (await paletteItem(page, 'clean_record_pte')).dragTo(cell(page, 1, 0));
  const warning = page.locator('.order-warnings .order-warning[data-kind="irregular"]');
  await expect(warning).toHaveCount(1);
  await expect(warning).toHaveAttribute('data-step', '0');
  await expect(warning).toContainText('has no inc_tlb_flush_pending() before it in its path');
  const step = page.locator('.timeline .step[data-step="0"]');
  await expect(step).toHaveClass(/irregular/);
  await expect(step.locator('.step-warn')).toHaveAttribute('title', /no kernel runs it alone/);
  // Its head before it makes it a kernel path again.
  await (await paletteItem(page, 'inc_tlb_flush_pending')).dragTo(cell(page, 1, 0));
  await expect(page.locator('.order-warnings')).toHaveCount(0);
  await expect(page.locator('.timeline .step.irregular')).toHaveCount(0);

  // A store drawn while clear_refs holds mmap_lock for writing (v5.11 and later) would wait.
  const waits = JSON.stringify({
    version: 2,
    cpus: 2,
    steps: [
      { cpu: 1, action: 'tlb_gather_mmu' },
      { cpu: 1, action: 'clear_refs_write' },
      { cpu: 1, action: 'pte_wrprotect' },
      { cpu: 0, action: 'write_to_page' },
      { cpu: 1, action: 'tlb_finish_mmu' },
    ],
  });
  await page.locator('.import-text').fill(waits);
  await page.locator('.import-button').click();
  await expect(page.locator('.order-warning[data-kind="wait"]')).toHaveCount(0); // not under v5.10-rc4
  await page.locator('.all-verdicts summary').click();
  await page.locator('.all-verdicts .verdict[data-variant="v5.12"]').click();
  const wait = page.locator('.order-warning[data-kind="wait"]');
  await expect(wait).toHaveAttribute('data-step', '3');
  await expect(wait).toContainText('step 4 would wait under v5.12');
  await expect(wait).toContainText('mmap_lock');
  await expect(page.locator('.timeline .step[data-step="3"]')).toHaveClass(/wait/);
  await page.locator('.timeline .step[data-step="3"]').click();
  await expect(page.locator('.inspector .wait-text')).toContainText('Not a kernel order');
  expect(problems).toEqual([]);
});
