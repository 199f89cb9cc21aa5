// Nothing a user made is lost: links and examples opened over saved work, the recent scenarios,
// several tabs, a browser that refuses to store, and Open minimised in the worker.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Page } from '@playwright/test';
import { expect, openEmpty, paletteItem, test, watchForErrors } from './support';

const repo = join(__dirname, '..', '..');
const example1Link = readFileSync(join(repo, 'core/tests/golden/v2/example-1.url'), 'utf8').trim();
const seedExample1 = readFileSync(join(repo, 'core/tests/fixtures/seed-example-1.txt'), 'utf8');

const cell = (page: Page, cpu: number, row: number) =>
  page.locator(`.timeline .lane[data-cpu="${cpu}"] .cell[data-row="${row}"]`);
const saved = (page: Page) => page.evaluate(() => localStorage.getItem('tlbrace.scenario') ?? '');

/** Makes "My race" (two steps, a title) on an empty timeline, and waits for it to be saved. */
async function myRace(page: Page) {
  await openEmpty(page);
  await (await paletteItem(page, 'cache_pte_in_tlb')).dragTo(cell(page, 0, 0));
  await (await paletteItem(page, 'write_to_page')).dragTo(cell(page, 1, 1));
  await page.locator('.scenario-title .title-edit').click();
  await page.locator('.title-input').fill('My race');
  await page.locator('.title-input').press('Enter');
  await expect(page.locator('.scenario-title')).toHaveText('My race');
  await expect.poll(() => saved(page)).toContain('My race');
}

/** The recent menu's entries, as it lists them. */
async function recentTitles(page: Page): Promise<string[]> {
  return page.locator('select.recent option.recent-entry').allTextContents();
}

/** Chooses the recent entry whose text contains `title`. */
async function openRecent(page: Page, title: string) {
  const options = page.locator('select.recent option.recent-entry');
  const texts = await options.allTextContents();
  const i = texts.findIndex((t) => t.includes(title));
  expect(i, `${title} in ${texts.join(' | ')}`).toBeGreaterThanOrEqual(0);
  await page.locator('select.recent').selectOption(await options.nth(i).getAttribute('value') ?? '');
}

test('a colleague\'s link never overwrites saved work; both stay one choice away', async ({ context }) => {
  const mine = await context.newPage();
  const problems = watchForErrors(mine);
  await myRace(mine);
  const before = await saved(mine);

  // The colleague's link, opened in the same browser.
  const theirs = await context.newPage();
  await theirs.goto(`/#${example1Link}`);
  await expect(theirs.locator('.timeline .step')).toHaveCount(13);
  await expect(theirs.locator('.opened-notice')).toContainText('My race');
  expect(await saved(theirs)).toBe(before);
  // Back to my work is one click, and back again is Redo.
  await theirs.locator('.opened-notice .back-to-saved').click();
  await expect(theirs.locator('.scenario-title')).toHaveText('My race');
  await theirs.locator('button.redo').click();
  await expect(theirs.locator('.timeline .step')).toHaveCount(13);
  expect(await saved(theirs)).toBe(before);

  // Both tabs closed; the page opened again: my race, the colleague's one choice away.
  await theirs.close();
  await mine.close();
  const again = await context.newPage();
  const againProblems = watchForErrors(again);
  await again.goto('/');
  await expect(again.locator('.scenario-title')).toHaveText('My race');
  await expect(again.locator('.timeline .step')).toHaveCount(2);
  const titles = await recentTitles(again);
  expect(titles.some((t) => t.startsWith('Example 1: memory corruption'))).toBe(true);
  expect(titles.some((t) => t.startsWith('My race (4 CPUs, 2 steps)'))).toBe(true);
  await openRecent(again, 'Example 1');
  await expect(again.locator('.timeline .step')).toHaveCount(13);
  // Loaded from Recent it is the user's choice (saved); my race went first in the list.
  await expect.poll(() => saved(again)).toContain('Example 1');
  expect((await recentTitles(again))[0]).toContain('My race');
  await openRecent(again, 'My race');
  await expect(again.locator('.scenario-title')).toHaveText('My race');
  expect(problems).toEqual([]);
  expect(againProblems).toEqual([]);
});

test('?example= opens over saved work once, leaves the address bar, and stays out of links', async ({ page, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  const problems = watchForErrors(page);
  await myRace(page);
  const before = await saved(page);

  await page.goto('/sub/tlbrace/?example=example-2b&step=3');
  await expect(page.locator('.timeline .step')).toHaveCount(7);
  await expect(page.locator('.timeline .step.selected')).toHaveAttribute('data-step', '2');
  // Applied once: the address bar no longer asks for it, and links never carry it.
  await expect.poll(() => page.url()).toMatch(/\/sub\/tlbrace\/$/);
  await page.locator('.share-button').click();
  await expect(page.locator('.share-link')).not.toHaveValue(/example=|step=/);
  await page.locator('.embed-button').click();
  await expect(page.locator('.embed-snippet')).not.toHaveValue(/example=|step=/);
  expect(await saved(page)).toBe(before);

  // A reload shows the saved work, not the example again; the example is in Recent.
  await page.reload();
  await expect(page.locator('.scenario-title')).toHaveText('My race');
  expect((await recentTitles(page)).some((t) => t.startsWith('Example 2, case b'))).toBe(true);
  expect(problems).toEqual([]);
});

test('"Open in tlbrace" from an embed, and a link pasted into an open tab, open without overwriting', async ({ page, context }) => {
  const problems = watchForErrors(page);
  await myRace(page);
  const before = await saved(page);

  const embed = await context.newPage();
  await embed.goto(`/?embed#${example1Link}`);
  const [editor] = await Promise.all([context.waitForEvent('page'), embed.locator('.open-in-tlbrace').click()]);
  await expect(editor.locator('.timeline .step')).toHaveCount(13);
  await expect(editor.locator('.opened-notice')).toContainText('My race');
  expect(await saved(editor)).toBe(before);
  await editor.close();
  await embed.close();

  // Pasted into this tab's address bar (a hashchange): opened, the saved work kept.
  await page.evaluate((h) => { location.hash = h; }, example1Link);
  await expect(page.locator('.timeline .step')).toHaveCount(13);
  expect(await saved(page)).toBe(before);
  // Edited, it becomes the work, and my race is in Recent.
  await page.locator('.timeline .step[data-step="0"]').click();
  await page.keyboard.press('Delete');
  await expect.poll(() => saved(page)).toContain('Example 1');
  expect((await recentTitles(page)).some((t) => t.startsWith('My race'))).toBe(true);
  expect(problems).toEqual([]);
});

test('another tab\'s save is announced, and neither tab\'s work is lost', async ({ context }) => {
  const a = await context.newPage();
  const problems = watchForErrors(a);
  await myRace(a);
  const b = await context.newPage();
  await b.goto('/');
  await expect(b.locator('.scenario-title')).toHaveText('My race');
  // Tab B makes it its own: "Their race".
  await b.locator('.scenario-title .title-edit').click();
  await b.locator('.title-input').fill('Their race');
  await b.locator('.title-input').press('Enter');
  await expect.poll(() => saved(b)).toContain('Their race');

  // Tab A is told, and keeps showing its own.
  const notice = a.locator('.other-tab[role=alert]');
  await expect(notice).toContainText('Their race');
  await expect(a.locator('.scenario-title')).toHaveText('My race');
  // A's next edit saves A's work; B's goes into Recent first.
  await a.locator('.scenario-title .title-edit').click();
  await a.locator('.title-input').fill('My race, again');
  await a.locator('.title-input').press('Enter');
  await expect.poll(() => saved(a)).toContain('My race, again');
  expect((await recentTitles(a)).some((t) => t.startsWith('Their race'))).toBe(true);
  // And the notice opens B's here on request.
  await notice.locator('.open-other-tab').click();
  await expect(a.locator('.scenario-title')).toHaveText('Their race');
  expect(problems).toEqual([]);
});

test('a browser that refuses to store says so', async ({ page }) => {
  await openEmpty(page);
  await page.evaluate(() => {
    const setItem = Storage.prototype.setItem;
    Storage.prototype.setItem = function (key: string, value: string) {
      if (key === 'tlbrace.scenario') throw new DOMException('the quota is exceeded', 'QuotaExceededError');
      return setItem.call(this, key, value);
    };
  });
  await (await paletteItem(page, 'cache_pte_in_tlb')).dragTo(cell(page, 0, 0));
  const alert = page.locator('.save-error[role=alert]');
  await expect(alert).toContainText('not being saved');
  await expect(alert).toContainText('quota');
  await expect(alert).toContainText('share link');
  // The work itself stays on the page.
  await expect(page.locator('.timeline .step')).toHaveCount(1);
});

test('Open minimised runs in a worker, with Cancel', async ({ page }) => {
  const problems = watchForErrors(page);
  const workers: string[] = [];
  page.on('request', (r) => {
    if (r.url().endsWith('/tlbrace-worker.js')) workers.push(r.url());
  });
  await page.goto('/?example=example-1');
  await page.locator('.explore-button').click();
  await expect(page.locator('.explore-status')).toContainText('Searched 3 variants', { timeout: 20_000 });
  expect(workers).toHaveLength(1);

  // A worker of its own: the page's thread only waits for its reply.
  await page.evaluate(() => {
    const w = window as unknown as { sawMinimising: boolean };
    w.sawMinimising = false;
    new MutationObserver(() => {
      if (document.querySelector('.minimise-running progress')) w.sawMinimising = true;
    }).observe(document.body, { childList: true, subtree: true });
  });
  await page.locator('.explore-result[data-variant="yu-fix"] .minimise-counterexample').click();
  const cex = page.locator('.counterexample');
  await expect(cex.locator('.cex-verdict[data-variant="yu-fix"]')).toHaveAttribute('data-verdict', 'soft-dirty-miss');
  expect(await cex.locator('.step').count()).toBeLessThan(13);
  expect(workers).toHaveLength(2);
  expect(await page.evaluate(() => (window as unknown as { sawMinimising: boolean }).sawMinimising)).toBe(true);
  await expect(page.locator('.minimise-running')).toHaveCount(0);

  // A worker slow to start: Cancel ends it, and nothing opens.
  await page.locator('.close-counterexample').click();
  await page.route('**/tlbrace-worker.js', async (route) => {
    await new Promise((r) => setTimeout(r, 4_000));
    await route.continue().catch(() => {});
  });
  await page.locator('.explore-result[data-variant="will-4+6"] .minimise-counterexample').click();
  await expect(page.locator('.minimise-running')).toContainText('Minimising will-4+6');
  await page.locator('.minimise-cancel').click();
  await expect(page.locator('.minimise-running')).toHaveCount(0);
  await page.waitForTimeout(0);
  await expect(page.locator('.counterexample')).toHaveCount(0);
  expect(problems.filter((p) => !p.includes('tlbrace-worker.js'))).toEqual([]);
});

test('a paste with many diagrams offers a bounded list', async ({ page }) => {
  await page.goto('/');
  const mail = Array.from({ length: 25 }, (_, i) => `Diagram ${i + 1}:\n\n${seedExample1}\n`).join('\n');
  await page.locator('.import-text').fill(mail);
  await page.locator('.import-button').click();
  await expect(page.locator('.io-panel .status')).toContainText('25 diagrams found');
  await expect(page.locator('.import-choice')).toHaveCount(20);
  await expect(page.locator('.import-more')).toContainText('and 5 more');
});
