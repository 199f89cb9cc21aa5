// What every spec shares.
import type { Locator, Page } from '@playwright/test';

/** Collects what would mean a broken page: uncaught errors (a panic in wasm shows up here), console
 * errors, HTTP errors and failed requests (an asset or the worker script not found under a sub-path). */
export function watchForErrors(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`);
  });
  page.on('response', (res) => {
    if (res.status() >= 400) problems.push(`HTTP ${res.status()}: ${res.url()}`);
  });
  page.on('requestfailed', (req) => problems.push(`request failed: ${req.url()}`));
  return problems;
}

/** A palette item, its kernel path's group opened first (the palette folds the groups the scenario
 * does not use), ready to drag or focus. */
export async function paletteItem(page: Page, action: string): Promise<Locator> {
  const group = page.locator(`.palette-group:has(.palette-item[data-action="${action}"])`);
  if (!(await group.evaluate((el) => (el as HTMLDetailsElement).open))) {
    await group.locator('summary').click();
  }
  return page.locator(`.palette-item[data-action="${action}"]`);
}
