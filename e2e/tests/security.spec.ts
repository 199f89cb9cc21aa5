// The page's own defences: its Content-Security-Policy (every spec fails on a violation, through
// support.ts's `test`), and the editor's refusal to run in another origin's frame.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Page, type Route } from '@playwright/test';
import { expect, test, watchForErrors } from './support';

const dist = join(__dirname, '..', '..', 'dist');
const example1Link = readFileSync(join(__dirname, '..', '..', 'core/tests/golden/v2/example-1.url'), 'utf8').trim();

test('the page carries a Content-Security-Policy and loads no inline script', async ({ page }) => {
  const html = readFileSync(join(dist, 'index.html'), 'utf8');
  const meta = html.match(/<meta http-equiv="Content-Security-Policy" content="([^"]+)"/);
  expect(meta, 'a CSP meta in dist/index.html').not.toBeNull();
  const policy = meta![1];
  for (const directive of [
    "script-src 'self' 'wasm-unsafe-eval'",
    "worker-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
  ]) {
    expect(policy).toContain(directive);
  }
  const scriptSrc = policy.split(';').find((d) => d.trim().startsWith('script-src'))!;
  expect(scriptSrc).not.toMatch(/'unsafe-(eval|inline)'/);
  // Trunk's loader is a file (Trunk.toml's pattern_script): no script without a src.
  const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
  expect(scripts.length).toBeGreaterThan(0);
  for (const [, attrs, body] of scripts) {
    expect(attrs).toMatch(/\bsrc="\.\//);
    expect(body.trim()).toBe('');
  }

  // The editor runs under it: the verdicts, the explorer's worker, and nothing refused.
  const problems = watchForErrors(page);
  await page.goto('/sub/tlbrace/?example=example-1');
  await expect(page.locator('.verdicts .verdict[data-variant="will-4+6"]')).toHaveAttribute('data-verdict', 'lost');
  await page.locator('.explore-button').click();
  await expect(page.locator('.explore-result')).not.toHaveCount(0, { timeout: 20_000 });
  expect(problems).toEqual([]);
});

test('the policy is enforced: an injected inline script does not run', async ({ page, csp }) => {
  await page.goto('/');
  await expect(page.locator('.timeline')).toBeVisible();
  const ran = await page.evaluate(async () => {
    const s = document.createElement('script');
    s.textContent = 'window.injected = true';
    document.body.append(s);
    await new Promise((r) => setTimeout(r, 0));
    return (window as unknown as { injected?: boolean }).injected === true;
  });
  expect(ran).toBe(false);
  await expect.poll(() => csp.length).toBeGreaterThan(0);
  expect(csp.splice(0).join('\n')).toContain('script-src');
});

/** Serves `html` as a page of another origin (http://elsewhere.test/), and lets this origin's editor
 * be framed there by dropping the `frame-ancestors` header serve-dist sends: as on a host that cannot
 * send headers (GitHub Pages), only the page's own check is left. */
async function elsewhere(page: Page, html: string) {
  await page.route('http://elsewhere.test/**', (route) => route.fulfill({ contentType: 'text/html', body: html }));
  await page.route(
    (url) => url.hostname === '127.0.0.1' && !/\.[a-z]+$/.test(url.pathname),
    async (route: Route) => {
      const response = await route.fetch();
      const headers = { ...response.headers() };
      for (const h of ['content-security-policy', 'content-encoding', 'content-length']) delete headers[h];
      await route.fulfill({ response, headers, body: await response.body() });
    },
  );
}

test('the editor refuses to run in another origin\'s frame; the embed runs there', async ({ page, baseURL }) => {
  const problems = watchForErrors(page);
  const editorUrl = `${baseURL}/sub/tlbrace/#${example1Link}`;
  const embedUrl = `${baseURL}/sub/tlbrace/?embed#${example1Link}`;
  await elsewhere(
    page,
    `<!doctype html><title>elsewhere</title>
     <iframe id="editor" src="${editorUrl}" width="800" height="400"></iframe>
     <iframe id="embed" src="${embedUrl}" width="800" height="400"></iframe>`,
  );
  await page.goto('http://elsewhere.test/page.html');
  const editor = page.frameLocator('#editor');
  await expect(editor.locator('.framed-notice')).toContainText('does not run inside another site');
  await expect(editor.locator('.timeline')).toHaveCount(0);
  const link = editor.locator('.framed-notice a.open-top');
  await expect(link).toHaveAttribute('target', '_blank');
  expect(await link.getAttribute('href')).toBe(editorUrl);
  const embed = page.frameLocator('#embed');
  await expect(embed.locator('.overview .timeline .step')).toHaveCount(13);
  await expect(embed.locator('.verdict[data-variant="will-4+6"]')).toHaveAttribute('data-verdict', 'lost');

  // Top-level, the same URL is the editor.
  const [tab] = await Promise.all([page.context().waitForEvent('page'), link.click()]);
  await expect(tab.locator('.timeline .step')).toHaveCount(13);
  expect(problems).toEqual([]);
});

test('in a frame of its own origin the editor runs', async ({ page }) => {
  const problems = watchForErrors(page);
  await page.goto('/sub/tlbrace/embed-demo.html');
  await page.evaluate(() => {
    const f = document.createElement('iframe');
    f.id = 'own';
    f.src = './index.html?example=example-1';
    f.width = '1200';
    f.height = '600';
    document.body.prepend(f);
  });
  await expect(page.frameLocator('#own').locator('.timeline .step')).toHaveCount(13);
  await expect(page.frameLocator('#own').locator('.framed-notice')).toHaveCount(0);
  expect(problems).toEqual([]);
});
