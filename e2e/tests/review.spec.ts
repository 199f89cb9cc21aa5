// The review features: diagrams with lines the model does not know, the release timeline, "which fix
// closes it?", where two kernels part ways, the hazard marker, a reply ready to mail, self-checking
// embeds and the Mermaid export. Against the built playground (dist/).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { watchForErrors } from './support';

const repo = join(__dirname, '..', '..');
const fixture = (name: string) => readFileSync(join(repo, 'core/tests/fixtures', name), 'utf8');
/** Example 1 with a view recording that its author saw v5.12 guaranteed (the model says lost). */
const seenChanged = readFileSync(join(repo, 'e2e/fixtures/example-1-seen-changed.url'), 'utf8').trim();

async function paste(page: Page, text: string) {
  await page.locator('.import-text').fill(text);
  await page.locator('.import-button').click();
}

const steps = (page: Page) => page.locator('.timeline .step');
const verdict = (page: Page, v: string) => page.locator(`.verdicts .verdict[data-variant="${v}"]`);

test('a commit diagram with an unknown line waits in the panel, then opens as one undoable edit', async ({ page }) => {
  const problems = watchForErrors(page);
  await page.goto('/?example=example-1');
  await expect(steps(page)).toHaveCount(13);

  // 6ce64428d621's first diagram: `[ RW PTE sitting in the TLB ]` names no action.
  await paste(page, fixture('history-6ce64428d621-1.txt'));
  const panel = page.locator('.unmapped-panel');
  await expect(panel).toBeVisible();
  const line = panel.locator('.unmapped');
  await expect(line).toHaveCount(1);
  await expect(line).toHaveAttribute('data-line', '5');
  await expect(line).toHaveAttribute('data-cpu', '2');
  await expect(line.locator('.unmapped-text')).toHaveText('[RW PTE sitting in the TLB]');
  await expect(line.locator('.unmapped-where')).toContainText('line 5');
  await expect(line.locator('.unmapped-where')).toContainText('CPU2');
  // The suggestions, the whole action list and "ignore this line".
  await expect(line.locator('.unmapped-suggestion').first()).toHaveAttribute('data-action', 'cache_pte_in_tlb');
  await expect(line.locator('select.unmapped-action option')).toHaveCount(37);
  await expect(line.locator('.unmapped-ignore')).toBeVisible();
  // Nothing is replaced until Open.
  await expect(panel.locator('.unmapped-open')).toBeDisabled();
  await expect(steps(page)).toHaveCount(13);

  await line.locator('.unmapped-suggestion[data-action="cache_pte_in_tlb"]').click();
  await expect(line).toHaveClass(/resolved/);
  await panel.locator('.unmapped-open').click();
  await expect(panel).toHaveCount(0);
  await expect(page.locator('.timeline .lane')).toHaveCount(3);
  await expect(steps(page)).toHaveCount(5);
  await expect(page.locator('.timeline .step[data-step="0"]')).toHaveAttribute('data-action', 'cache_pte_in_tlb');
  await expect(page.locator('.timeline .step[data-step="0"]')).toHaveAttribute('data-cpu', '2');
  // Its verdicts: as drawn (a file page, the COW never racing a write), every kernel holds.
  await expect(verdict(page, 'v5.11')).toHaveAttribute('data-verdict', 'guaranteed');
  await expect(verdict(page, 'v5.12')).toHaveAttribute('data-verdict', 'guaranteed');

  // One undoable edit: Undo brings Example 1 back.
  await page.locator('.undo').click();
  await expect(steps(page)).toHaveCount(13);
  expect(problems).toEqual([]);
});

test('unknown lines map through suggestions or the action list, and a diagram left with no steps is refused', async ({ page }) => {
  const problems = watchForErrors(page);
  await page.goto('/?example=ksm');
  await expect(steps(page)).toHaveCount(12);

  // 3ea277194daa's diagram: two lines of user-space words.
  await paste(page, fixture('history-3ea277194daa.txt'));
  const lines = page.locator('.unmapped-panel .unmapped');
  await expect(lines).toHaveCount(2);
  await lines.nth(0).locator('.unmapped-suggestion[data-action="cache_pte_in_tlb"]').click();
  await lines.nth(1).locator('select.unmapped-action').selectOption('write_to_page');
  await expect(lines.nth(1).locator('.unmapped-choice')).toContainText('Write to page');
  // A pick can be changed before Open.
  await lines.nth(1).locator('.unmapped-change').click();
  await lines.nth(1).locator('.unmapped-suggestion[data-action="write_to_page"]').click();
  await page.locator('.unmapped-open').click();
  await expect(steps(page)).toHaveCount(5);
  await expect(verdict(page, 'v4.12')).toHaveAttribute('data-verdict', 'write-after-protect');
  await expect(verdict(page, 'v4.13')).toHaveAttribute('data-verdict', 'guaranteed');

  // A diagram whose only line is ignored has no steps: refused, the scenario kept.
  await paste(page, '  CPU0        CPU1\n  ----        ----\n\n              frobnicate_pte()\n');
  await page.locator('.unmapped-panel .unmapped-ignore').click();
  await page.locator('.unmapped-open').click();
  await expect(page.locator('.unmapped-panel [role=alert]')).toContainText('no steps');
  await expect(steps(page)).toHaveCount(5);
  await page.locator('.unmapped-cancel').click();
  await expect(page.locator('.unmapped-panel')).toHaveCount(0);
  expect(problems).toEqual([]);
});

test('the release timeline shows where the KSM race flips, and by which commit', async ({ page }) => {
  const problems = watchForErrors(page);
  await page.goto('/?example=ksm');
  const releases = page.locator('.release-timeline .release');
  await expect(releases).toHaveCount(13);
  await expect(releases.first()).toHaveAttribute('data-release', 'v3.12');
  await expect(releases.last()).toHaveAttribute('data-release', 'v6.2');
  await expect(page.locator('.release[data-release="v4.12"]')).toHaveAttribute('data-verdict', 'lost');
  await expect(page.locator('.release[data-release="v4.13"]')).toHaveAttribute('data-verdict', 'guaranteed');
  const flips = page.locator('.release-timeline .release-flip');
  await expect(flips).toHaveCount(1);
  await expect(flips).toHaveAttribute('data-from', 'v4.12');
  await expect(flips).toHaveAttribute('data-to', 'v4.13');
  // The flip sits just before v4.13.
  const order = await page.locator('.release-timeline > li').evaluateAll((els) =>
    els.map((e) => e.getAttribute('data-release') ?? `flip:${e.getAttribute('data-to')}`));
  expect(order.indexOf('flip:v4.13')).toBe(order.indexOf('v4.13') - 1);
  const commit = flips.locator('a.flip-commit[data-fix="ksm-checks-pending"]');
  await expect(commit).toHaveText('b3a81d0841a9');
  await expect(commit).toHaveAttribute('href', 'https://git.kernel.org/linus/b3a81d0841a9');
  // Laid out in its own row: between the matrix and the workspace, overlapping neither (at a
  // desktop size, where the workspace takes the rest of the window), with the intro strip above too.
  await page.setViewportSize({ width: 1440, height: 1000 });
  for (const example of ['ksm', 'example-1']) {
    await page.goto(`/?example=${example}`);
    await expect(releases).toHaveCount(13);
    const box = async (selector: string) => (await page.locator(selector).boundingBox())!;
    const [matrix, strip, workspace] = [await box('.verdicts'), await box('.release-timeline'), await box('.workspace')];
    expect(strip.height, example).toBeGreaterThan(20);
    expect(strip.y, example).toBeGreaterThanOrEqual(matrix.y + matrix.height - 1);
    expect(workspace.y, example).toBeGreaterThanOrEqual(strip.y + strip.height - 1);
  }
  expect(problems).toEqual([]);
});

test('which fix closes Example 1: the pending check with a flush after clear_refs; the check alone is tempting', async ({ page }) => {
  const problems = watchForErrors(page);
  await page.goto('/?example=example-1');
  const finder = page.locator('.fix-finder');
  await finder.locator('select.fix-base').selectOption('v5.10-rc4');
  await finder.locator('.fix-button').click();
  const closing = finder.locator('.fix-closing[data-variant="yu-fix+flush"]');
  await expect(closing).toBeVisible({ timeout: 25_000 });
  await expect(finder.locator('.fix-headline')).toContainText('From v5.10-rc4:');
  await expect(closing.locator('.fix-presets')).toContainText('these changes are also in yu-fix+flush');
  await expect(closing.locator('.fix-change[data-fix="yu-mkclean-pending"][data-on="true"]')).toContainText('page_mkclean_one');
  await expect(closing.locator('.fix-change[data-fix="clear-refs-flush"][data-on="true"]')).toContainText('flush_tlb_mm');
  const tempting = finder.locator('.fix-tempting[data-variant="v5.10-rc4+yu-mkclean-pending"]');
  await expect(tempting).toBeVisible();
  await expect(tempting.locator('.fix-change')).toHaveCount(1);
  await expect(tempting).toContainText('soft-dirty missed');
  // Its counterexample opens beside the explorer, under the tempting kernel.
  await tempting.locator('.fix-open').click();
  await expect(page.locator('.cex-verdict')).toHaveAttribute('data-verdict', 'soft-dirty-miss');
  await expect(page.locator('.cex-verdict-name')).toHaveText('v5.10-rc4+yu-mkclean-pending');
  await expect(finder.locator('.fix-cancel')).toBeDisabled();

  // Cancel ends a search at once.
  await finder.locator('.fix-button').click();
  await finder.locator('.fix-cancel').click();
  await expect(finder.locator('.fix-status')).toContainText('Cancelled after');
  await expect(finder.locator('.fix-button')).toBeEnabled();
  expect(problems).toEqual([]);
});

test('where v5.10-rc4 and yu-fix part ways on Example 1: step 8, page_mkclean_one, by yu-mkclean-pending', async ({ page }) => {
  const problems = watchForErrors(page);
  await page.goto('/?example=example-1');
  const panel = page.locator('.part-ways');
  await panel.locator('select.diff-a').selectOption('v5.10-rc4');
  await panel.locator('select.diff-b').selectOption('yu-fix');
  const first = panel.locator('.diff-step.first');
  await expect(first).toHaveCount(1);
  await expect(first).toHaveAttribute('data-step', '7');
  await expect(first).toContainText('page_mkclean_one');
  await expect(panel.locator('.diff-first')).toContainText('They part ways at step 8');
  await expect(panel.locator('.diff-fix[data-fix="yu-mkclean-pending"]')).toBeVisible();
  await expect(panel.locator('.diff-field[data-field="CPU0 TLB0"]')).toContainText('wd@F0');
  await expect(panel.locator('.diff-step.bookkeeping[data-step="4"]')).toHaveCount(1);
  await expect(panel.locator('.diff-step')).toHaveCount(13);
  expect(problems).toEqual([]);
});

test('the hazard marker comes before the harm, and a latent verdict names its since-step', async ({ page }) => {
  const problems = watchForErrors(page);
  // The soft-dirty race: the stale entry outlives every owed flush before the store that escapes.
  await page.goto('/?example=soft-dirty');
  const hazard = page.locator('.timeline .step.hazard');
  await expect(hazard).toHaveCount(1);
  const at = Number(await hazard.getAttribute('data-step'));
  const decisive = await page.locator('.timeline .step.decisive').evaluateAll((els) =>
    els.map((e) => Number(e.getAttribute('data-step'))));
  const harm = Math.max(...decisive);
  expect(at).toBeLessThan(harm);
  const mark = hazard.locator('.hazard-mark');
  await expect(mark).toHaveAttribute('title', /^Hazard under v\S+: after step \d+ \(CPU\d/);
  await expect(mark).toHaveAttribute('title', new RegExp(`The harm comes at step ${harm + 1} `));

  // Example 1 loses its data before CPU1's owed flush comes: core finds no such step there.
  await page.goto('/?example=example-1');
  await expect(steps(page)).toHaveCount(13);
  await expect(page.locator('.timeline .step.hazard')).toHaveCount(0);

  // b3a81d0841a9's diagram, as drawn on a file page, ends latent.
  await paste(page, fixture('history-b3a81d0841a9.txt'));
  const lines = page.locator('.unmapped-panel .unmapped');
  await expect(lines).toHaveCount(3);
  await lines.nth(0).locator('.unmapped-suggestion[data-action="write_to_page"]').click();
  await lines.nth(1).locator('.unmapped-ignore').click();
  await lines.nth(2).locator('.unmapped-suggestion[data-action="cache_pte_in_tlb"]').click();
  await page.locator('.unmapped-open').click();
  // Every kernel says latent; the inspector still follows Example 1's will-4+6.
  await expect(verdict(page, 'will-4+6')).toHaveAttribute('data-verdict', 'latent');
  await expect(page.locator('.timeline .step.hazard .hazard-mark'))
    .toHaveAttribute('title', /The verdict is latent: since step \d+ \(CPU\d/);
  expect(problems).toEqual([]);
});

/** Quotes a mail with `> ` and re-wraps each paragraph at 72 columns, as a mail client does. */
function quoteAndRewrap(text: string): string {
  const quoted = text.split('\n').map((l) => `> ${l}`).join('\n');
  return quoted.split('\n> \n').map((para) => {
    const out: string[] = [];
    let line = '';
    for (const w of para.split(/\s+/).filter((w) => w !== '')) {
      if (line !== '' && line.length + 1 + w.length > 72) {
        out.push(line);
        line = '';
      }
      line = line === '' ? w : `${line} ${w}`;
    }
    out.push(line);
    return out.join('\n');
  }).join('\n\n');
}

test('a reply copied, quoted and re-wrapped opens the same scenario; a damaged one is refused', async ({ page, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  const problems = watchForErrors(page);
  await page.goto('/sub/tlbrace/?example=example-1');
  await page.locator('.reply-button').click();
  const area = page.locator('textarea.reply-text');
  await expect(area).toBeVisible();
  await page.locator('.reply-copy').click();
  await expect(page.getByRole('status').filter({ hasText: 'Reply copied' })).toBeVisible();
  const reply = await page.evaluate(() => navigator.clipboard.readText());
  expect(reply).toBe(await area.inputValue());
  expect(reply).toContain('page_mkclean_one()');
  expect(reply).toContain('will-4+6');
  // The link points at this page, without a fragment of its own.
  const base = new URL('/sub/tlbrace/', page.url()).href;
  expect(reply).toContain(`[tlbrace: ${base}`);
  for (const l of reply.split('\n')) expect(l.length).toBeLessThanOrEqual(78);

  const mailed = quoteAndRewrap(reply);
  // Another scenario first, then the mailed reply brings Example 1 back.
  await page.locator('select.presets').selectOption('ksm');
  await expect(steps(page)).toHaveCount(12);
  await paste(page, mailed);
  await expect(page.locator('.io-panel [role=status]')).toContainText('Loaded');
  await expect(steps(page)).toHaveCount(13);
  await expect(verdict(page, 'will-4+6')).toHaveAttribute('data-verdict', 'lost');
  await expect(verdict(page, 'yu-fix')).toHaveAttribute('data-verdict', 'guaranteed');

  // One character of the link changed by a mail client: refused, the scenario kept.
  await page.locator('select.presets').selectOption('ksm');
  await expect(steps(page)).toHaveCount(12);
  const end = mailed.lastIndexOf(']');
  const at = end - 4;
  const damaged = mailed.slice(0, at) + (mailed[at] === 'Q' ? 'R' : 'Q') + mailed.slice(at + 1);
  await paste(page, damaged);
  await expect(page.locator('.io-panel [role=alert]')).toContainText('this link was damaged');
  await expect(steps(page)).toHaveCount(12);
  expect(problems).toEqual([]);
});

test('an embed says when the model changed its verdict since it was written, and opens on its author\'s kernel', async ({ page, context }) => {
  const problems = watchForErrors(page);
  // Made by the editor: what the author sees is what the model says.
  await page.goto('/?example=example-1');
  await verdict(page, 'yu-fix').click();
  await page.locator('.embed-button').click();
  const url = await page.locator('.embed-preview').getAttribute('href');
  expect(url).toMatch(/\?embed(&[^#]*)?#v2\./);
  const embed = await context.newPage();
  const embedProblems = watchForErrors(embed);
  await embed.goto(url!);
  await expect(embed.locator('.overview .verdict')).toHaveCount(16);
  await expect(embed.locator('.verdict-changed')).toHaveCount(0);
  await expect(embed.locator('.explanation')).toHaveAttribute('data-variant', 'yu-fix');

  // A link whose author saw v5.12 guaranteed: the model says lost.
  await embed.goto(`/sub/tlbrace/?embed#${seenChanged}`);
  const notice = embed.locator('.verdict-changed');
  await expect(notice).toBeVisible();
  await expect(notice).toContainText('verdict changed since this was written: was guaranteed, now lost under v5.12');
  await expect(embed.locator('.explanation')).toHaveAttribute('data-variant', 'v5.12');
  // The share link records what the editor's author sees too.
  expect(problems).toEqual([]);
  expect(embedProblems).toEqual([]);
});

test('Mermaid downloads beside SVG and JSON, ending with the first kernels\' verdicts', async ({ page }) => {
  const problems = watchForErrors(page);
  await page.goto('/?example=example-1');
  const [download] = await Promise.all([page.waitForEvent('download'), page.locator('.download-mermaid').click()]);
  expect(download.suggestedFilename()).toMatch(/^tlbrace-example-1.*\.mmd$/);
  const text = readFileSync((await download.path())!, 'utf8');
  expect(text.startsWith('sequenceDiagram\n')).toBe(true);
  expect(text).toContain('participant CPU3');
  expect(text).toContain('page_mkclean_one()');
  expect(text).toContain('will-4+6: lost');
  expect(text).toContain('yu-fix: guaranteed');
  expect(problems).toEqual([]);
});
