// Swagger UI as a client developer meets it: headless Chromium (Debian's, driven by playwright-core; no
// browser is downloaded) opens /docs of an app on 127.0.0.1, authorizes in the Authorize dialog with the
// client credentials grant, then runs "Try it out" → Execute with the values the UI pre-fills. The first
// click must work on a fresh app: a 201 for create user, then the full, unfiltered page for list users.
import { jest } from '@jest/globals';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { BOOTSTRAP } from './helpers/test-app.js';
import { startWithSandbox, type SandboxedApp } from './support/integrations.js';

const CHROMIUM = '/usr/bin/chromium';
/** Upper bound of one wait in the page (a busy 2-core machine renders the ~700 kB document slowly). */
const WAIT_MS = 60_000;

jest.setTimeout(240_000);

/** The operation block of Swagger UI (deep-link id `operations-<tag>-<operationId>`). */
const operation = (page: Page, tag: string, id: string): Locator => page.locator(`#operations-${tag}-${id}`);

/** Expands an operation, presses "Try it out" and Execute, and returns the status Swagger UI shows. */
async function tryItOut(block: Locator): Promise<{ status: string; body: string; url: string }> {
  await block.locator('.opblock-summary').first().click();
  await block.locator('button.try-out__btn').click();
  await block.locator('button.execute').click();
  const live = block.locator('.live-responses-table .response').first();
  await live.waitFor({ timeout: WAIT_MS });
  return {
    status: (await live.locator('.response-col_status').innerText()).trim(),
    body: await live.locator('.response-col_description pre').first().innerText(),
    url: (await block.locator('.request-url pre').innerText()).trim(),
  };
}

describe('Swagger UI at /docs in headless Chromium', () => {
  let s: SandboxedApp | undefined;
  let dir: string | undefined;
  let browser: BrowserContext | undefined;
  let page: Page;
  let baseUrl: string;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium); .ci/run does`);
    }
    dir = mkdtempSync(join(tmpdir(), 'swagger-ui-'));
    s = await startWithSandbox({ SQLITE_PATH: join(dir, 'app.sqlite'), DATABASE_URL: '' });
    await s.t.app.listen(0, '127.0.0.1');
    baseUrl = `http://127.0.0.1:${(s.t.app.getHttpServer().address() as AddressInfo).port}`;
    browser = await chromium.launchPersistentContext(join(dir, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    page = browser.pages()[0] ?? (await browser.newPage());
    page.setDefaultTimeout(WAIT_MS);
  });

  afterAll(async () => {
    try {
      await browser?.close();
    } finally {
      try {
        await s?.close();
      } finally {
        if (dir) rmSync(dir, { recursive: true, force: true });
      }
    }
  });

  it('authorizes with client credentials in the Authorize dialog, which offers no webhook signature', async () => {
    await page.goto(`${baseUrl}/docs`);
    await page.locator('.swagger-ui .btn.authorize').first().click();
    const dialog = page.locator('.modal-ux');
    await dialog.waitFor();
    // Bearer and OAuth 2.0 only: the webhook signature is made per body by a sender, not typed in here.
    const schemes = await dialog.locator('.auth-container h4').allInnerTexts();
    expect(schemes.map((text) => text.replace(/\s+/g, ' '))).toEqual([
      'bearer (http, Bearer)',
      'oauth2 (OAuth2, clientCredentials)',
    ]);
    const oauth = dialog.locator('.auth-container').filter({ hasText: 'clientCredentials' });
    await oauth.locator('#client_id_clientCredentials').fill(BOOTSTRAP.id);
    await oauth.locator('#client_secret_clientCredentials').fill(BOOTSTRAP.secret);
    await oauth.locator('button.authorize').click();
    // Once the token endpoint answered a token the flow shows "Authorized" (an error text otherwise).
    await oauth.locator('h6', { hasText: 'Authorized' }).waitFor();
    await expect(oauth.locator('.errors').count()).resolves.toBe(0);
    await oauth.locator('button.btn-done').click();
    await dialog.waitFor({ state: 'detached' });
  });

  it('create user: Execute with the pre-filled body answers 201', async () => {
    const answer = await tryItOut(operation(page, 'users', 'createUser'));
    expect(answer.status).toBe('201');
    expect(JSON.parse(answer.body)).toMatchObject({ status: 'success', data: { email: 'yamada@example.com' } });
  });

  it('list users: Execute with the pre-filled parameters answers the full, unfiltered page', async () => {
    const answer = await tryItOut(operation(page, 'users', 'listUsers'));
    expect(answer.status).toBe('200');
    // Only the defaults are sent: no filter, projection or sort the document made up.
    expect(answer.url).toBe(`${baseUrl}/api/v1/users?offset=0&limit=20`);
    const body = JSON.parse(answer.body) as { total: number; data: Record<string, unknown>[] };
    expect(body.total).toBe(1);
    expect(Object.keys(body.data[0]).sort()).toEqual(['createdAt', 'email', 'name', 'updatedAt', 'userId']);
  });
});
