import { expect, test, watchForErrors } from './support';

// The same build at the root and under a sub-path: asset URLs must be relative.
for (const base of ['/', '/sub/tlbrace/']) {
  test(`renders the header and four CPU lanes at ${base}`, async ({ page }) => {
    const problems = watchForErrors(page);
    await page.goto(base);

    await expect(page.getByRole('heading', { level: 1, name: 'tlbrace' })).toBeVisible();
    await expect(page.getByTestId('header').locator('.tagline')).not.toBeEmpty();

    const lanes = page.locator('.timeline .lane');
    await expect(lanes).toHaveCount(4);
    for (let cpu = 0; cpu < 4; cpu++) {
      await expect(lanes.nth(cpu)).toHaveAttribute('data-cpu', String(cpu));
      await expect(lanes.nth(cpu).locator('.lane-head')).toHaveText(`CPU${cpu}`);
    }
    expect(problems).toEqual([]);
  });
}

test('index.html refers to its assets by relative URLs', async ({ request }) => {
  const html = await (await request.get('/sub/tlbrace/')).text();
  const urls = [...html.matchAll(/(?:src|href|module_or_path:)\s*=?\s*['"]([^'"]+)['"]/g)].map((m) => m[1]);
  const assets = urls.filter((u) => /\.(js|wasm|css)$/.test(u));
  expect(assets.length).toBeGreaterThanOrEqual(3);
  for (const url of assets) expect(url, url).toMatch(/^\.\//);
});
