// Share links, embeds, and import/export, against the built playground (dist/).
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Locator, type Page, type FrameLocator } from '@playwright/test';
import { expect, test, watchForErrors } from './support';

const repo = join(__dirname, '..', '..');
/** The seed mail's Example 1, quoted with `> ` as in the thread (core's fixture). */
const seedExample1 = readFileSync(join(repo, 'core/tests/fixtures/seed-example-1.txt'), 'utf8');
/** Example 1's share fragment as core writes it (core/tests/golden/v2, kept equal to the encoder). */
const example1Link = readFileSync(join(repo, 'core/tests/golden/v2/example-1.url'), 'utf8').trim();
/** The same as model v1 wrote it: old links still open. */
const example1LinkV1 = readFileSync(join(repo, 'core/tests/golden/v1/example-1.url'), 'utf8').trim();

/** Every preset: the kernel releases and the seed thread's proposals. */
const VARIANTS = [
  'v3.12', 'v3.13', 'v3.15', 'v4.12', 'v4.13', 'v4.15', 'v5.2', 'v5.10-rc4',
  'will-4+6', 'yu-fix', 'yu-fix+flush', 'v5.10', 'v5.11', 'v5.12', 'v6.0', 'v6.2',
];

type Root = Page | FrameLocator;

/** What the page shows: each lane's steps (action ids, in order) and each variant's verdict. */
async function snapshot(root: Root) {
  // Every preset's column (the editor adds a custom one; the embed has none).
  await expect(root.locator('.verdicts .verdict:not([data-variant="custom"])')).toHaveCount(VARIANTS.length);
  const lanes: string[][] = [];
  const laneCount = await root.locator('.timeline .lane').count();
  for (let cpu = 0; cpu < laneCount; cpu++) {
    const steps = root.locator(`.timeline .lane[data-cpu="${cpu}"] .step`);
    lanes.push(await steps.evaluateAll((els) => els.map((e) => `${e.getAttribute('data-step')}:${e.getAttribute('data-action')}`)));
  }
  const verdicts: Record<string, string | null> = {};
  for (const v of VARIANTS) {
    verdicts[v] = await root.locator(`.verdicts .verdict[data-variant="${v}"]`).getAttribute('data-verdict');
  }
  return { lanes, verdicts };
}

async function paste(page: Page, text: string) {
  await page.locator('.import-text').fill(text);
  await page.locator('.import-button').click();
}

async function expectExample1(root: Root) {
  const { lanes, verdicts } = await snapshot(root);
  expect(lanes.length).toBe(4);
  expect(lanes.flat().length).toBe(13);
  expect(verdicts['will-4+6']).toBe('lost');
  expect(verdicts['yu-fix']).toBe('guaranteed');
  return { lanes, verdicts };
}

for (const base of ['/', '/sub/tlbrace/']) {
  test(`share link round trip at ${base}`, async ({ page, context, baseURL }) => {
    await context.grantPermissions(['clipboard-read', 'clipboard-write']);
    const problems = watchForErrors(page);
    await page.goto(base);
    await paste(page, seedExample1);
    const before = await expectExample1(page);

    await page.locator('.share-button').click();
    await expect(page.getByRole('status').filter({ hasText: 'copied' })).toBeVisible();
    const shown = await page.locator('.share-link').inputValue();
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    expect(copied).toBe(shown);
    expect(copied.startsWith(`${baseURL}${base}#v2.`)).toBe(true);

    const other = await context.newPage();
    const otherProblems = watchForErrors(other);
    await other.goto(copied);
    const after = await snapshot(other);
    expect(after).toEqual(before);
    // Opened, the fragment is dropped (the autosave takes over from there).
    await expect.poll(() => other.evaluate(() => location.hash)).toBe('');
    await expect(other.locator('[role=alert]')).toHaveCount(0);
    expect(problems).toEqual([]);
    expect(otherProblems).toEqual([]);
  });
}

test('a v1 link from model v1 still opens', async ({ page }) => {
  const problems = watchForErrors(page);
  expect(example1LinkV1.startsWith('v1.')).toBe(true);
  await page.goto(`/#${example1LinkV1}`);
  await expectExample1(page);
  await expect(page.locator('[role=alert]')).toHaveCount(0);
  expect(problems).toEqual([]);
});

test('a damaged or newer link shows an error and keeps the scenario', async ({ page, browser }) => {
  const problems = watchForErrors(page);
  await page.goto(`/sub/tlbrace/#${example1Link}`);
  const before = await expectExample1(page);

  // Truncated, arriving on an open page (hashchange).
  await page.evaluate((h) => { location.hash = h; }, example1Link.slice(0, example1Link.length - 12));
  const alert = page.locator('[role=alert]');
  await expect(alert).toContainText('share link');
  expect(await snapshot(page)).toEqual(before);

  // Made by a newer release.
  await page.evaluate((h) => { location.hash = h; }, `v9.${example1Link.slice(3)}`);
  await expect(alert).toContainText('newer tlbrace');
  expect(await snapshot(page)).toEqual(before);

  // Dismissed, then a good link opens again.
  await alert.getByRole('button', { name: 'Dismiss' }).click();
  await expect(alert).toHaveCount(0);

  // Edited (a note), the opened link is the user's work, and saved.
  await page.locator('.timeline .step[data-step="0"]').click();
  await page.locator('.timeline .step[data-step="0"] .step-note').click();
  await page.locator('.step-note-input').fill('mine now');
  await page.locator('.step-note-input').press('Enter');
  await expect.poll(() => page.evaluate(() => localStorage.getItem('tlbrace.scenario') ?? '')).toContain('mine now');

  // A new tab opening a damaged link keeps the work saved in this browser (Example 1, edited).
  const tab = await page.context().newPage();
  const tabProblems = watchForErrors(tab);
  await tab.goto(`/sub/tlbrace/#${example1Link.slice(0, 30)}`);
  await expect(tab.locator('[role=alert]')).toContainText('Could not open the share link');
  expect(await snapshot(tab)).toEqual(before);

  // In a browser with nothing saved, it leaves the default scenario: four empty lanes.
  const context = await browser.newContext();
  const fresh = await context.newPage();
  const freshProblems = watchForErrors(fresh);
  await fresh.goto(`/sub/tlbrace/#${example1Link.slice(0, 30)}`);
  await expect(fresh.locator('[role=alert]')).toContainText('Could not open the share link');
  await expect(fresh.locator('.timeline .lane')).toHaveCount(4);
  await expect(fresh.locator('.timeline .step')).toHaveCount(0);
  await expect(fresh.locator('.verdicts .no-steps')).toBeVisible();
  await context.close();
  expect(problems).toEqual([]);
  expect(tabProblems).toEqual([]);
  expect(freshProblems).toEqual([]);
});

/** The iframe's height and the height of the embed's content, once the embed has loaded. */
async function frameHeights(iframe: Locator) {
  const frame = await (await iframe.elementHandle())!.contentFrame();
  const inner = await frame!.evaluate(() => ({
    scroll: document.documentElement.scrollHeight,
    content: document.querySelector('.embed')!.getBoundingClientRect().height,
  }));
  const outer = await iframe.evaluate((f) => f.getBoundingClientRect().height);
  return { outer, ...inner };
}

test('the embed demo page shows two embeds sized from their messages', async ({ page }) => {
  const problems = watchForErrors(page);
  await page.goto('/sub/tlbrace/embed-demo.html');
  const iframes = page.locator('iframe.tlbrace');
  await expect(iframes).toHaveCount(2);
  for (let i = 0; i < 2; i++) {
    const iframe = iframes.nth(i);
    await iframe.scrollIntoViewIfNeeded();
    const src = await iframe.getAttribute('src');
    expect(src).toMatch(/^\.\/index\.html\?embed#v2\./);
    const inside = page.frameLocator(`iframe.tlbrace >> nth=${i}`);
    await expect(inside.locator('.timeline .lane').first()).toBeVisible();
    expect(await inside.locator('.timeline .lane').count()).toBeGreaterThanOrEqual(3);
    await expect(inside.locator('.verdicts .verdict')).toHaveCount(VARIANTS.length);
    await expect(inside.locator('.open-in-tlbrace')).toHaveAttribute('target', '_blank');
    await expect(iframe).toHaveAttribute('data-sized', 'true');
    await expect.poll(async () => {
      const h = await frameHeights(iframe);
      return Math.abs(h.outer - h.scroll) <= 3 && Math.abs(h.outer - h.content) <= 3;
    }).toBe(true);
    const h = await frameHeights(iframe);
    expect(h.outer).toBeGreaterThan(250);
    expect(Math.round(h.outer)).not.toBe(150);
  }
  // Example 1 loses data under v5.10-rc4; Example 2c never does.
  const first = page.frameLocator('iframe.tlbrace >> nth=0');
  await expect(first.locator('.verdict[data-variant="v5.10-rc4"]')).toHaveAttribute('data-verdict', 'lost');
  const second = page.frameLocator('iframe.tlbrace >> nth=1');
  for (const v of VARIANTS) {
    await expect(second.locator(`.verdict[data-variant="${v}"]`)).toHaveAttribute('data-verdict', 'guaranteed');
  }

  // Selecting another variant changes the explanation's length; the iframe follows.
  const iframe = iframes.nth(0);
  const tall = (await frameHeights(iframe)).outer;
  await first.locator('.verdict[data-variant="yu-fix"]').click();
  await expect(first.locator('.explanation')).toHaveAttribute('data-variant', 'yu-fix');
  await expect.poll(async () => (await frameHeights(iframe)).outer).toBeLessThan(tall - 20);
  const h = await frameHeights(iframe);
  expect(Math.abs(h.outer - h.content)).toBeLessThanOrEqual(3);

  // "Open in tlbrace" opens the editor with the same scenario.
  const [editor] = await Promise.all([
    page.context().waitForEvent('page'),
    first.locator('.open-in-tlbrace').click(),
  ]);
  await expectExample1(editor);
  await expect(editor.locator('.share-button')).toBeVisible();
  expect(problems).toEqual([]);
});

test('the page\'s architecture goes into the SVG, the share link and the embed, and back', async ({ page, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  const problems = watchForErrors(page);
  await page.goto(`/sub/tlbrace/#${example1Link}`);
  await expectExample1(page);
  await page.locator('.arch-select').selectOption('arm64');

  const [svg] = await Promise.all([page.waitForEvent('download'), page.locator('.download-svg').click()]);
  expect(readFileSync((await svg.path())!, 'utf8')).toContain('Verdicts (arm64)');

  await page.locator('.share-button').click();
  expect(await page.locator('.share-link').inputValue()).toMatch(/\/sub\/tlbrace\/\?arch=arm64#v2\./);
  await page.locator('.embed-button').click();
  expect(await page.locator('.embed-snippet').inputValue()).toMatch(/\?embed&amp;arch=arm64#v2\./);

  // The embed runs every preset on arm64, and opens the editor on arm64.
  const embed = await context.newPage();
  const embedProblems = watchForErrors(embed);
  await embed.goto((await page.locator('.embed-preview').getAttribute('href'))!);
  await expect(embed.locator('.overview')).toHaveAttribute('data-arch', 'arm64');
  await expect(embed.locator('.explanation h3')).toContainText('@arm64');
  const editor = await context.newPage();
  const editorProblems = watchForErrors(editor);
  await editor.goto((await embed.locator('.open-in-tlbrace').getAttribute('href'))!);
  await expectExample1(editor);
  await expect(editor.locator('.arch-select')).toHaveValue('arm64');
  await expect(editor.locator('.verdicts .verdict[data-variant="will-4+6"]')).toHaveAttribute('title', /^will-4\+6@arm64:/);
  expect(problems).toEqual([]);
  expect(embedProblems).toEqual([]);
  expect(editorProblems).toEqual([]);
});

test('pasting the seed mail\'s Example 1 gives its verdicts', async ({ page }) => {
  const problems = watchForErrors(page);
  await page.goto('/');
  expect(seedExample1.startsWith('> ')).toBe(true);
  await paste(page, seedExample1);
  const { verdicts } = await expectExample1(page);
  expect(verdicts['v5.10-rc4']).toBe('lost');
  expect(verdicts['v5.12']).toBe('lost');
  expect(verdicts['yu-fix+flush']).toBe('guaranteed');
  await expect(page.getByRole('status')).toContainText('condition line');

  // An unknown action waits in the panel of unmapped lines, at its line, and Example 1 stays.
  await paste(page, '> CPU0        CPU1\n> ----        ----\n>\n>             frobnicate_pte()\n');
  await expect(page.locator('.unmapped-panel .unmapped')).toHaveAttribute('data-line', '4');
  await expectExample1(page);
  await page.locator('.unmapped-cancel').click();

  // A mail with two diagrams: pick the second.
  const twoDiagrams = `${seedExample1}\n> and the second one.\n>\n${readFileSync(join(repo, 'core/tests/fixtures/seed-example-2c.txt'), 'utf8')}`;
  await paste(page, twoDiagrams);
  await expect(page.locator('.import-choice')).toHaveCount(2);
  await page.locator('.import-choice').nth(1).click();
  const two = await snapshot(page);
  expect(two.lanes.length).toBe(3);
  expect(Object.values(two.verdicts)).toEqual(VARIANTS.map(() => 'guaranteed'));
  expect(problems).toEqual([]);
});

test('JSON download and upload round-trip; bad files are refused; SVG and ASCII export', async ({ page, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  const problems = watchForErrors(page);
  await page.goto(`/sub/tlbrace/#${example1Link}`);
  const before = await expectExample1(page);

  const [json] = await Promise.all([page.waitForEvent('download'), page.locator('.download-json').click()]);
  expect(json.suggestedFilename()).toMatch(/^tlbrace-example-1.*\.json$/);
  const dir = mkdtempSync(join(tmpdir(), 'tlbrace-e2e-'));
  const jsonPath = join(dir, json.suggestedFilename());
  await json.saveAs(jsonPath);
  const parsed = JSON.parse(readFileSync(jsonPath, 'utf8'));
  expect(parsed.version).toBe(2);
  expect(parsed.steps.length).toBe(13);

  const [svg] = await Promise.all([page.waitForEvent('download'), page.locator('.download-svg').click()]);
  expect(svg.suggestedFilename()).toMatch(/\.svg$/);
  const svgPath = join(dir, 'x.svg');
  await svg.saveAs(svgPath);
  const svgText = readFileSync(svgPath, 'utf8');
  expect(svgText).toContain('<svg');
  expect(svgText).toMatch(/<text[^>]*>CPU0<\/text>/);

  await page.locator('.copy-ascii').click();
  await expect(page.getByRole('status')).toContainText('copied');
  const ascii = await page.evaluate(() => navigator.clipboard.readText());
  expect(ascii).toBe(await page.locator('.export-ascii').textContent());
  expect(ascii).toContain('page_mkclean_one()');

  // Upload into a fresh page (default scenario), then the verdicts match.
  const fresh = await context.newPage();
  const freshProblems = watchForErrors(fresh);
  await fresh.goto('/sub/tlbrace/');
  await fresh.locator('.upload-json').setInputFiles(jsonPath);
  await expect(fresh.getByRole('status')).toContainText('Loaded');
  expect(await snapshot(fresh)).toEqual(before);

  // Wrong shape and over-size files are refused with a message, the scenario kept.
  const wrong = join(dir, 'wrong.json');
  writeFileSync(wrong, '{"hello": "world"}');
  await fresh.locator('.upload-json').setInputFiles(wrong);
  await expect(fresh.locator('[role=alert]')).toContainText('wrong.json');
  await expect(fresh.locator('[role=alert]')).toContainText('version');
  expect(await snapshot(fresh)).toEqual(before);
  const big = join(dir, 'big.json');
  writeFileSync(big, `{"version": 2, "pad": "${'x'.repeat(1500 * 1024)}"}`);
  await fresh.locator('.upload-json').setInputFiles(big);
  await expect(fresh.locator('[role=alert]')).toContainText('KiB');
  expect(await snapshot(fresh)).toEqual(before);

  // The embed snippet names this page with the embed flag, a title and a height.
  await fresh.locator('.embed-button').click();
  const snippet = await fresh.locator('.embed-snippet').inputValue();
  expect(snippet).toMatch(/<iframe src="http:\/\/127\.0\.0\.1:\d+\/sub\/tlbrace\/\?embed#v2\.[A-Za-z0-9_-]+" title="tlbrace: Example 1[^"]*"/);
  expect(snippet).toContain('tlbrace:height');
  expect(problems).toEqual([]);
  expect(freshProblems).toEqual([]);
});

test('without a clipboard the link is shown in a selectable field', async ({ page }) => {
  const problems = watchForErrors(page);
  // As on a plain-http origin: no navigator.clipboard at all.
  await page.addInitScript(() => {
    Object.defineProperty(Navigator.prototype, 'clipboard', { get: () => undefined, configurable: true });
  });
  await page.goto(`/sub/tlbrace/#${example1Link}`);
  await expectExample1(page);
  await page.locator('.share-button').click();
  await expect(page.locator('[role=alert]')).toContainText('Select the link below');
  const field = page.locator('.share-link');
  // Example 1's link, with what its author saw recorded (Scenario::view).
  await expect(field).toHaveValue(/\/sub\/tlbrace\/#v2\.[A-Za-z0-9_-]+$/);
  await field.focus();
  const selected = await field.evaluate((el: HTMLInputElement) => el.value.slice(el.selectionStart ?? 0, el.selectionEnd ?? 0));
  expect(selected).toBe(await field.inputValue());
  expect(problems).toEqual([]);
});
