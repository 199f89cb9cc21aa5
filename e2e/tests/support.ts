// What every spec shares: `test` (Playwright's, with a guard that fails any test whose pages log a
// Content-Security-Policy violation), error watching, and palette helpers.
import { test as base, expect, type Browser, type BrowserContext, type Locator, type Page } from '@playwright/test';

export { expect };

/** A console message that reports a Content-Security-Policy violation (Chromium's "Refused to …
 * because it violates the following Content Security Policy directive"). */
export function isCspViolation(text: string): boolean {
  return /Content Security Policy/i.test(text);
}

/** Playwright's `test`, whose every page (in the test's context, in contexts the test makes, and in
 * their frames) is watched for CSP violations: any fails the test. `csp` is the list so far, for a
 * test that provokes one on purpose (it empties the list after checking it). */
export const test = base.extend<{ csp: string[] }>({
  csp: [
    async ({ browser, context }, use) => {
      const violations: string[] = [];
      const watch = (page: Page) =>
        page.on('console', (msg) => {
          if (isCspViolation(msg.text())) violations.push(`${page.url()}: ${msg.text()}`);
        });
      const watchContext = (c: BrowserContext) => {
        c.pages().forEach(watch);
        c.on('page', watch);
        return c;
      };
      watchContext(context);
      const b = browser as Browser & { newContext: Browser['newContext'] };
      const newContext = b.newContext;
      b.newContext = async (...args) => watchContext(await newContext.apply(b, args));
      try {
        await use(violations);
      } finally {
        b.newContext = newContext;
      }
      expect(violations, 'Content-Security-Policy violations').toEqual([]);
    },
    { auto: true },
  ],
});

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

/** Opens the page at `base` on an empty timeline, as a user who cleared their own would find it:
 * an empty scenario saved in this browser (a first visit opens on Example 1 instead). */
export async function openEmpty(page: Page, base = '/') {
  await page.goto(base);
  await expect(page.locator('.timeline .lane').first()).toBeVisible();
  await page.evaluate(() => localStorage.setItem('tlbrace.scenario', '{"version":2,"cpus":4,"steps":[]}'));
  await page.reload();
  await expect(page.locator('.timeline .lane')).toHaveCount(4);
  await expect(page.locator('.timeline .step')).toHaveCount(0);
}
