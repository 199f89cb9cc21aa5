// Playwright runs against the built playground: `trunk build --release` first (scripts/test.sh does).
// The browser is Debian's /usr/bin/chromium (Playwright's own download cannot work on this machine;
// install with PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1). dist/ is served at `/` and at `/sub/tlbrace/`.
//
// Two projects: `e2e` (tests/, the checks) and `bench` (bench/, figures printed, nothing asserted
// about time). `npx playwright test --project=e2e` runs the checks; scripts/test.sh runs each.
// A server already listening on the port is never reused: the tests must run against this dist/.
import { defineConfig } from '@playwright/test';

const port = Number(process.env.E2E_PORT ?? 8391);

export default defineConfig({
  fullyParallel: true,
  forbidOnly: true,
  retries: 0,
  workers: 2,
  timeout: 30_000,
  reporter: [['line'], ['json', { outputFile: 'playwright-report/results.json' }]],
  projects: [
    { name: 'e2e', testDir: './tests' },
    { name: 'bench', testDir: './bench', timeout: 300_000 },
  ],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    browserName: 'chromium',
    launchOptions: {
      executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--disable-dev-shm-usage',
      ],
    },
    trace: 'retain-on-failure',
  },
  webServer: {
    command: `node ../scripts/serve-dist.mjs --dir dist --host 127.0.0.1 --port ${port} --mount /sub/tlbrace/`,
    url: `http://127.0.0.1:${port}/`,
    reuseExistingServer: false,
    timeout: 30_000,
    stdout: 'ignore',
    stderr: 'pipe',
  },
});
