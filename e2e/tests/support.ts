// What every spec shares.
import type { Page } from '@playwright/test';

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
