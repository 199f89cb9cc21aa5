// The editor end to end, with real HTML5 drag and drop (locator.dragTo fires dragstart/dragover/drop in
// Chromium): build a diagram by dragging, move and remove steps, undo/redo, the keyboard path, lanes,
// and the autosave across a reload.
import { type Page } from '@playwright/test';
import { expect, test, openEmpty, paletteItem, watchForErrors } from './support';

type StepSpec = { cpu: string; action: string };

/** The steps on the timeline, in time order (data-step), as (cpu, action). */
async function timelineSteps(page: Page): Promise<StepSpec[]> {
  return page.locator('.timeline .step').evaluateAll((els) =>
    els
      .map((el) => ({
        step: Number(el.getAttribute('data-step')),
        cpu: el.getAttribute('data-cpu') ?? '',
        action: el.getAttribute('data-action') ?? '',
      }))
      .sort((a, b) => a.step - b.step)
      .map(({ cpu, action }) => ({ cpu, action })),
  );
}

const verdict = (page: Page, variant: string) => page.locator(`.verdicts .verdict[data-variant="${variant}"]`);
const cell = (page: Page, cpu: number | string, row: number) =>
  page.locator(`.timeline .lane[data-cpu="${cpu}"] .cell[data-row="${row}"]`);

async function loadPreset(page: Page, name: string) {
  await page.locator('select.presets').selectOption(name);
}

test('(a) Example 1 built by dragging alone: will-4+6 loses the data, yu-fix keeps it', async ({ page }) => {
  const problems = watchForErrors(page);
  await page.goto('/');

  // The plan comes from the core's example (loaded through the presets menu), not from this file.
  await loadPreset(page, 'example-1');
  await expect(page.locator('.timeline .step')).not.toHaveCount(0);
  const plan = await timelineSteps(page);
  expect(plan.length).toBe(13);
  await expect(page.locator('.timeline .lane')).toHaveCount(4);
  await loadPreset(page, 'new');
  await expect(page.locator('.timeline .step')).toHaveCount(0);
  // Nothing to judge yet: the matrix says so rather than showing sixteen "guaranteed".
  await expect(page.locator('.verdicts .no-steps')).toContainText('No steps yet');
  await expect(page.locator('.verdicts .verdict')).toHaveCount(0);

  for (const [row, s] of plan.entries()) {
    const target = cell(page, s.cpu, row);
    await (await paletteItem(page, s.action)).dragTo(target);
    await expect(target.locator(`.step[data-action="${s.action}"]`)).toHaveAttribute('data-step', String(row));
  }
  await expect.poll(() => timelineSteps(page)).toEqual(plan);

  await expect(verdict(page, 'will-4+6')).toHaveAttribute('data-verdict', 'lost');
  await expect(verdict(page, 'yu-fix')).toHaveAttribute('data-verdict', 'guaranteed');
  // No example to contrast: the kernels whose verdict differs from their neighbour's come first,
  // naming the fix that made the difference; v5.10-rc4 is where yu-fix's patches apply.
  const yu = page.locator('.verdict-row .verdict[data-variant="yu-fix"]');
  await expect(yu).toHaveAttribute('data-role', 'changed');
  await expect(yu.locator('.v-role')).toContainText('differs from v5.10-rc4 by yu-mkclean-pending');
  await expect(yu.locator('.v-badge')).toHaveText('✓guaranteed');
  await expect(page.locator('.verdict-row .verdict[data-variant="v5.10-rc4"] .v-badge')).toHaveText('✗data lost');

  // Opening Example 1 made its harmed kernel, will-4+6, the inspected one: it stays first, and the
  // steps that decided its verdict are marked.
  await expect(page.locator('.verdict-row .verdict[data-variant="will-4+6"]')).toHaveAttribute('data-role', 'inspected');
  const decisive = page.locator('.timeline .step.decisive');
  expect(await decisive.count()).toBeGreaterThan(0);
  await expect(page.locator('.timeline .step.decisive[data-action="drop_clean_page"]')).toHaveCount(1);
  // Every other preset is one click away under "all releases"; inspecting one shows it first.
  await page.locator('.all-verdicts summary').click();
  await page.locator('.all-verdicts .verdict[data-variant="v5.12"]').click();
  await expect(page.locator('.verdict-row .verdict[data-variant="v5.12"]')).toHaveAttribute('data-role', 'inspected');
  await expect(page.locator('.all-verdicts .verdict[data-variant="will-4+6"]')).toBeVisible();
  await expect(page.locator('.inspector')).toContainText('under v5.12');
  // Under yu-fix nothing is lost: the step that kept the data is marked, page_mkclean_one's flush.
  await yu.click();
  await expect(decisive).toHaveCount(1);
  await expect(decisive).toHaveAttribute('data-action', 'page_mkclean_one');
  expect(problems).toEqual([]);
});

test('(b) moving a step by drag changes a verdict; undo and redo restore both states', async ({ page }) => {
  const problems = watchForErrors(page);
  await page.goto('/');
  await loadPreset(page, 'example-1');
  await expect(page.locator('.timeline .step')).toHaveCount(13);
  const before = await timelineSteps(page);
  await expect(verdict(page, 'will-4+6')).toHaveAttribute('data-verdict', 'lost');

  // CPU2's tlb_finish_mmu (the last step) dragged up to just before CPU0's write (row 9).
  const finish = page.locator('.timeline .step[data-action="tlb_finish_mmu"]');
  await expect(finish).toHaveAttribute('data-step', '12');
  const write = page.locator('.timeline .step[data-action="write_to_page"]');
  await expect(write).toHaveAttribute('data-step', '9');
  await finish.dragTo(cell(page, 2, 9));
  await expect(finish).toHaveAttribute('data-step', '9');
  await expect(write).toHaveAttribute('data-step', '10');
  await expect(verdict(page, 'will-4+6')).toHaveAttribute('data-verdict', 'guaranteed');
  const after = await timelineSteps(page);
  expect(after).not.toEqual(before);

  // Undo with the keyboard, redo with the button.
  await page.locator('body').press('Control+z');
  await expect(verdict(page, 'will-4+6')).toHaveAttribute('data-verdict', 'lost');
  await expect.poll(() => timelineSteps(page)).toEqual(before);
  await page.locator('button.redo').click();
  await expect(verdict(page, 'will-4+6')).toHaveAttribute('data-verdict', 'guaranteed');
  await expect.poll(() => timelineSteps(page)).toEqual(after);
  await page.locator('button.undo').click();
  await expect.poll(() => timelineSteps(page)).toEqual(before);
  await page.locator('body').press('Control+Shift+Z');
  await expect.poll(() => timelineSteps(page)).toEqual(after);

  // Moving to another lane by drag: the step keeps its row and changes CPU.
  await finish.dragTo(cell(page, 3, 9));
  await expect(finish).toHaveAttribute('data-cpu', '3');
  await expect(finish).toHaveAttribute('data-step', '9');
  expect(problems).toEqual([]);
});

test('(c) the keyboard path places, moves and removes a step', async ({ page }) => {
  const problems = watchForErrors(page);
  await openEmpty(page);

  // Focus a palette item, Enter picks it; the target shows; arrows choose; Enter places.
  await page.locator('.palette-item[data-action="cache_pte_in_tlb"]').focus();
  await page.keyboard.press('Enter');
  await expect(page.locator('.timeline')).toBeFocused();
  await expect(page.locator('.timeline .cell.drop-target')).toHaveCount(1);
  await expect(page.locator('.timeline .drop-indicator')).toBeVisible();
  await page.keyboard.press('ArrowRight');
  await expect(cell(page, 1, 0)).toHaveClass(/drop-target/);
  await page.keyboard.press('Enter');
  const placed = page.locator('.timeline .step[data-action="cache_pte_in_tlb"]');
  await expect(placed).toHaveAttribute('data-cpu', '1');
  await expect(placed).toHaveAttribute('data-step', '0');
  await expect(page.locator('.timeline .drop-target')).toHaveCount(0);

  // A second one, before the first: ArrowUp moves the target a row up.
  await page.locator('.palette-item[data-action="write_to_page"]').focus();
  await page.keyboard.press('Enter');
  await page.keyboard.press('ArrowUp');
  await page.keyboard.press('ArrowUp');
  await page.keyboard.press('Enter');
  await expect(page.locator('.timeline .step[data-action="write_to_page"]')).toHaveAttribute('data-step', '0');
  await expect(placed).toHaveAttribute('data-step', '1');

  // Escape cancels a placement.
  await page.locator('.palette-item[data-action="read_page"]').focus();
  await page.keyboard.press('Enter');
  await page.keyboard.press('Escape');
  await expect(page.locator('.timeline .step')).toHaveCount(2);

  // The new step is selected; Alt+arrows move it, Delete removes it.
  await page.locator('.timeline').focus();
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  await expect(placed).toHaveClass(/selected/);
  await page.keyboard.press('Alt+ArrowRight');
  await expect(placed).toHaveAttribute('data-cpu', '2');
  await page.keyboard.press('Alt+ArrowUp');
  await expect(placed).toHaveAttribute('data-step', '0');
  await page.keyboard.press('Delete');
  await expect(placed).toHaveCount(0);
  await expect(page.locator('.timeline .step')).toHaveCount(1);
  await page.keyboard.press('Control+z');
  await expect(placed).toHaveCount(1);
  expect(problems).toEqual([]);
});

test('(d) a reload restores the scenario; an unreadable autosave is reported, not fatal', async ({ page }) => {
  const problems = watchForErrors(page);
  await openEmpty(page);
  await (await paletteItem(page, 'pte_mkold')).dragTo(cell(page, 2, 0));
  await (await paletteItem(page, 'flush_tlb_mm')).dragTo(cell(page, 0, 1));
  await page.locator('.lane-add').click();
  await page.locator('.timeline .step[data-step="1"] .step-note').click();
  await page.locator('.step-note-input').fill('flush everything');
  await page.locator('.step-note-input').press('Enter');
  await expect(page.locator('.timeline .step[data-step="1"] .step-note')).toHaveText('[flush everything]');
  const saved = await timelineSteps(page);

  await page.reload();
  await expect(page.locator('.timeline .lane')).toHaveCount(5);
  await expect(page.locator('.timeline .step')).toHaveCount(2);
  await expect.poll(() => timelineSteps(page)).toEqual(saved);
  await expect(page.locator('.timeline .step[data-step="1"] .step-note')).toHaveText('[flush everything]');

  // Opening an example link loads it over the saved work, undoably, and does not overwrite the save.
  await page.goto('/?example=example-2b');
  await expect(page.locator('.timeline .step')).toHaveCount(7);
  await page.goto('/');
  await expect(page.locator('.timeline .step')).toHaveCount(saved.length);
  await expect.poll(() => timelineSteps(page)).toEqual(saved);
  await page.goto('/?example=example-2b');
  await expect(page.locator('.timeline .step')).toHaveCount(7);
  await page.locator('button.undo').click();
  await expect(page.locator('.timeline .step')).toHaveCount(saved.length);
  await expect.poll(() => timelineSteps(page)).toEqual(saved);

  await page.evaluate(() => localStorage.setItem('tlbrace.scenario', '{"version":1,"cpus":99'));
  await page.goto('/');
  await expect(page.getByRole('alert')).toContainText('could not be read');
  await expect(page.locator('.timeline .lane')).toHaveCount(4);
  expect(await page.evaluate(() => localStorage.getItem('tlbrace.scenario.unreadable'))).toBe('{"version":1,"cpus":99');
  expect(problems).toEqual([]);
});

test('(e) Delete and the trash remove steps; lanes are added and removed (1 to 8)', async ({ page }) => {
  const problems = watchForErrors(page);
  await page.goto('/');
  await loadPreset(page, 'example-1');
  await expect(page.locator('.timeline .step')).toHaveCount(13);

  // Click a step, Delete removes it.
  await page.locator('.timeline .step[data-step="0"]').click();
  await expect(page.locator('.inspector')).toContainText('After step 1');
  await page.keyboard.press('Delete');
  await expect(page.locator('.timeline .step')).toHaveCount(12);
  await expect(page.locator('.timeline .step[data-action="cache_pte_in_tlb"]')).toHaveCount(0);
  // Without the stale TLB fill there is no lost write.
  await expect(verdict(page, 'will-4+6')).toHaveAttribute('data-verdict', 'guaranteed');

  // Drag a step onto the trash.
  await page.locator('.timeline .step[data-action="drop_clean_page"]').dragTo(page.locator('.trash'));
  await expect(page.locator('.timeline .step')).toHaveCount(11);
  await expect(page.locator('.timeline .step[data-action="drop_clean_page"]')).toHaveCount(0);

  // Lanes: remove CPU1 (its four steps go, CPU2 and CPU3 renumber), add up to eight, no ninth.
  await page.locator('.lane[data-cpu="1"] .lane-remove').click();
  await expect(page.locator('.timeline .lane')).toHaveCount(3);
  await expect(page.locator('.timeline .step')).toHaveCount(7);
  await expect(page.locator('.timeline .step[data-action="tlb_gather_mmu"]')).toHaveAttribute('data-cpu', '1');
  await expect(page.locator('.lane[data-cpu="2"] .lane-head')).toHaveText('CPU2');
  const add = page.locator('.lane-add');
  for (let n = 4; n <= 8; n++) {
    await add.click();
    await expect(page.locator('.timeline .lane')).toHaveCount(n);
  }
  await expect(add).toBeDisabled();
  await expect(page.locator('.lane[data-cpu="7"] .lane-head')).toHaveText('CPU7');
  // Undo goes back through every lane edit.
  for (let i = 0; i < 5; i++) await page.locator('button.undo').click();
  await expect(page.locator('.timeline .lane')).toHaveCount(3);
  await page.locator('button.undo').click();
  await expect(page.locator('.timeline .lane')).toHaveCount(4);
  await expect(page.locator('.timeline .step')).toHaveCount(11);
  expect(problems).toEqual([]);
});

test('selecting a step shows the state after it, with the changed fields marked', async ({ page }) => {
  await page.goto('/?example=example-1');
  await verdict(page, 'will-4+6').click();
  // Step 10: CPU0's store through the stale entry writes version 2.
  await page.locator('.timeline .step[data-step="9"]').click();
  const inspector = page.locator('.inspector');
  await expect(inspector).toContainText('under will-4+6');
  const data = inspector.locator('[data-field="frame.0.data"]');
  await expect(data).toHaveText('v2');
  await expect(data).toHaveClass(/changed/);
  await expect(inspector.locator('[data-field="page.0"]')).not.toHaveClass(/changed/);
  // CPU0's entry is writable and dirty over a clean, read-only PTE.
  await expect(inspector.locator('[data-field="tlb.0.0"]')).toHaveText('W D → F0');
  await expect(inspector.locator('.stale-mark')).toHaveCount(1);
  // The explanation names what the store did.
  await expect(inspector.locator('.event-text')).toContainText('stale');
  // ArrowUp with the timeline focused goes to the step before (the I/O): the disk changed there.
  await page.locator('.timeline').focus();
  await page.keyboard.press('ArrowUp');
  await expect(inspector).toContainText('After step 9');
  await expect(data).not.toHaveClass(/changed/);
  await expect(inspector.locator('[data-field="page.0"]')).toHaveClass(/changed/);
});

test('a timeline that cannot run shows the error in the matrix, on the step and in an alert', async ({ page }) => {
  const problems = watchForErrors(page);
  await openEmpty(page);
  await (await paletteItem(page, 'dec_tlb_flush_pending')).dragTo(cell(page, 1, 0));
  // Since v4.13 the pending state is a counter, which cannot go below zero; before, it was a flag.
  await expect(verdict(page, 'v3.12')).toHaveAttribute('data-verdict', 'guaranteed');
  for (const v of ['v4.13', 'v5.10-rc4', 'will-4+6', 'yu-fix', 'yu-fix+flush', 'v5.12', 'v6.2', 'custom']) {
    await expect(verdict(page, v)).toHaveAttribute('data-verdict', 'error');
  }
  // The change is shown first, naming the fix, with the words "cannot run" and why.
  const counter = page.locator('.verdict-row .verdict[data-variant="v4.13"]');
  await expect(counter.locator('.v-role')).toHaveText('differs from v4.12 by pending-counter');
  await expect(counter.locator('.v-badge')).toHaveText('?cannot run');
  await expect(counter).toContainText('below zero');
  await expect(page.locator('.timeline .step.error-step')).toHaveAttribute('data-step', '0');
  await expect(page.getByRole('alert')).toContainText('cannot run');
  // An inc before it makes it valid again.
  await (await paletteItem(page, 'inc_tlb_flush_pending')).dragTo(cell(page, 1, 0));
  await expect(verdict(page, 'v5.12')).toHaveAttribute('data-verdict', 'guaranteed');
  await expect(verdict(page, 'v4.13')).toHaveAttribute('data-verdict', 'guaranteed');
  await expect(page.getByRole('alert')).toHaveCount(0);
  expect(problems).toEqual([]);
});

test('on a narrow window the palette is above the timeline, which scrolls sideways', async ({ page }) => {
  await page.setViewportSize({ width: 420, height: 900 });
  await page.goto('/?example=example-1');
  const palette = await page.locator('.palette').boundingBox();
  const timeline = await page.locator('.timeline').boundingBox();
  expect(palette && timeline).toBeTruthy();
  expect(palette!.y + palette!.height).toBeLessThanOrEqual(timeline!.y);
  expect(timeline!.width).toBeLessThanOrEqual(420);
  const scrolls = await page.locator('.timeline').evaluate((el) => el.scrollWidth > el.clientWidth);
  expect(scrolls).toBe(true);
  // The page itself does not scroll sideways.
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(420);
});

test('the custom column follows its fixes, the arch applies to every column, verdicts take the keyboard', async ({ page }) => {
  await page.goto('/?example=example-1');
  const custom = verdict(page, 'custom');
  await expect(custom).toHaveAttribute('data-verdict', 'guaranteed'); // page_mkclean_one never skips
  await expect(custom.locator('.v-name')).toHaveText('v5.10-rc4+mkclean-never-skips');
  // Will Deacon's series, typed as a spec: the custom column now agrees with will-4+6.
  await custom.locator('summary').click();
  await page.locator('.custom-spec').fill('will-4+6');
  await page.locator('.custom-spec').press('Enter');
  await expect(custom).toHaveAttribute('data-verdict', 'lost');
  await expect(page.locator('.custom-fix[data-fix="will-records"] input')).toBeChecked();
  // Plus Yu Zhao's page_mkclean_one check, ticked in the fix table.
  await page.locator('.custom-fix[data-fix="yu-mkclean-pending"] input').check();
  await expect(custom).toHaveAttribute('data-verdict', 'guaranteed');
  await expect(page.locator('.custom-spec')).toHaveValue('v5.10-rc4+will-records+will-ranged+yu-mkclean-pending');
  // A spec that does not read is refused with core's message.
  await page.locator('.custom-spec').fill('v9.9');
  await page.locator('.custom-spec').press('Enter');
  await expect(page.locator('.custom-error')).toContainText('unknown variant');
  await expect(custom).toHaveAttribute('data-verdict', 'guaranteed');
  // The arch applies to the presets and to the custom column (each column names the variant it ran).
  await expect(verdict(page, 'will-4+6')).toHaveAttribute('title', /^will-4\+6:/);
  await expect(custom).toHaveAttribute('title', /; x86\n/);
  await page.locator('.arch-select').selectOption('arm64');
  await expect(verdict(page, 'will-4+6')).toHaveAttribute('title', /^will-4\+6@arm64:/);
  await expect(custom).toHaveAttribute('title', /; arm64\n/);
  await expect(page.locator('.custom-fix[data-fix="yu-mkclean-pending"] input')).toBeChecked();

  await verdict(page, 'yu-fix').locator('.v-main').focus();
  await page.keyboard.press('Enter');
  await expect(verdict(page, 'yu-fix')).toHaveClass(/selected/);
  await expect(page.locator('.inspector')).toContainText('under yu-fix');
});

test('the initial-state editor changes the verdicts, undoably; an impossible state is refused with a message', async ({ page }) => {
  const problems = watchForErrors(page);
  await openEmpty(page);
  await page.locator('details.initial summary').click();
  // No steps and the default start: nothing to judge yet. A start of its own is judged.
  await expect(page.locator('.verdicts .no-steps')).toBeVisible();
  await page.locator('.initial input[data-field="pg_dirty"][data-page="0"]').uncheck();
  // The PTE's dirty bit still records the write.
  await expect(verdict(page, 'v5.12')).toHaveAttribute('data-verdict', 'guaranteed');
  await page.locator('.initial input[data-field="dirty"]').uncheck();
  // Now nothing records that memory (v1) is newer than disk (v0).
  await expect(verdict(page, 'v5.12')).toHaveAttribute('data-verdict', 'at-risk');
  await page.locator('button.undo').click();
  await expect(verdict(page, 'v5.12')).toHaveAttribute('data-verdict', 'guaranteed');
  await expect(page.locator('.initial input[data-field="dirty"]')).toBeChecked();

  // A PTE that is not present cannot be writable: refused, the checkbox stays as the scenario says.
  await page.locator('.initial input[data-field="present"]').click();
  await expect(page.getByRole('alert')).toContainText('not present');
  await expect(page.locator('.initial input[data-field="present"]')).toBeChecked();
  await page.getByRole('alert').locator('.dismiss').click();
  await expect(page.getByRole('alert')).toHaveCount(0);
  expect(problems).toEqual([]);
});
