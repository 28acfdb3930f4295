import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { packageRoot } from '../../src/lib/index.js';
import { enableBroker, startIdp } from '../helpers/broker.js';
import { launchChromium, skipWithoutChromium, watchPageErrors, type Browser } from '../helpers/browser.js';
import { startServer, testConfig, type TestServer } from '../helpers/server.js';

const KEY = 'swagger-ui-test-key-0123456789';
const artifacts = join(packageRoot(), 'test-artifacts', 'swagger');
/** PARSEC_UPDATE_SCREENSHOTS=1 copies the screenshot into docs/ for the README. */
const docs = process.env.PARSEC_UPDATE_SCREENSHOTS === '1' ? join(packageRoot(), 'docs', 'swagger') : undefined;

/** Where Swagger lives and what it answers, without a browser. */
describe('swagger over HTTP', () => {
  const servers: TestServer[] = [];
  after(async () => {
    for (const s of servers) await s.close();
  });

  it('is off by default: /swagger and its document are 404', async () => {
    const s = await startServer(testConfig());
    servers.push(s);
    for (const path of ['/swagger', '/swagger/', '/swagger/swagger.json']) assert.equal((await fetch(`${s.httpUrl}${path}`)).status, 404, path);
  });

  it('serves under swagger.handler_prefix: a redirect to the page, the page with a strict CSP, GET only', async () => {
    const s = await startServer(testConfig((c) => (c.swagger = { enabled: true, handlerPrefix: '/docs/api/' })));
    servers.push(s);
    const redirect = await fetch(`${s.httpUrl}/docs/api`, { redirect: 'manual' });
    assert.equal(redirect.status, 302);
    assert.equal(redirect.headers.get('location'), '/docs/api/');
    const page = await fetch(`${s.httpUrl}/docs/api/`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-security-policy') ?? '', /script-src 'self';/);
    assert.match(await page.text(), /swagger-ui-bundle\.js/);
    for (const asset of ['swagger-ui-bundle.js', 'swagger-ui.css', 'init.js', 'swagger.json']) assert.equal((await fetch(`${s.httpUrl}/docs/api/${asset}`)).status, 200, asset);
    const post = await fetch(`${s.httpUrl}/docs/api/swagger.json`, { method: 'POST' });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get('allow'), 'GET, HEAD');
    assert.equal((await fetch(`${s.httpUrl}/swagger/`)).status, 404);
  });

  it('sits on the internal port with http_server.internal_port, like the metrics, and says where an external API is', async () => {
    const s = await startServer(
      testConfig((c) => {
        c.httpServer.internalPort = 0;
        c.httpApi.external = true;
        c.swagger = { enabled: true, handlerPrefix: '/swagger' };
      }),
    );
    servers.push(s);
    const internal = s.app.internalAddress()!;
    assert.equal((await fetch(`${s.httpUrl}/swagger/swagger.json`)).status, 404, 'not on the public port');
    const res = await fetch(`http://127.0.0.1:${internal.port}/swagger/swagger.json`);
    assert.equal(res.status, 200);
    const doc = (await res.json()) as { info: { description: string } };
    assert.match(doc.info.description, /listens on the public port \(http_api\.external\)/);
  });

  it('lists the token broker routes with their body schemas when the broker is on', async () => {
    const { idp } = await startIdp();
    const s = await startServer(
      testConfig((c) => {
        enableBroker(c, idp.url);
        c.swagger = { enabled: true, handlerPrefix: '/swagger' };
      }),
    );
    servers.push({ ...s, close: async () => (await s.close(), await idp.close()) });
    const doc = (await (await fetch(`${s.httpUrl}/swagger/swagger.json`)).json()) as {
      paths: Record<string, { servers?: Array<{ url: string }>; post?: { security?: unknown; requestBody: { content: Record<string, { schema: { $ref: string } }> } } }>;
      components: { schemas: Record<string, { required?: string[]; anyOf?: unknown }> };
    };
    const token = doc.paths['/token']!;
    assert.deepEqual(token.servers, [{ url: '/parsec' }]);
    assert.deepEqual(token.post!.security, [{ BearerAuth: [] }]);
    const ref = token.post!.requestBody.content['application/json']!.schema.$ref;
    assert.deepEqual(doc.components.schemas[ref.split('/').pop()!]!.required, ['channels']);
    const revoke = doc.components.schemas[doc.paths['/revoke']!.post!.requestBody.content['application/json']!.schema.$ref.split('/').pop()!]!;
    assert.deepEqual(revoke.anyOf, [{ required: ['token_id'] }, { required: ['user_id'] }]);
  });
});

/** Swagger UI in Debian's Chromium: the page loads under its CSP and runs a real call. */
describe('Swagger UI in Chromium', { skip: skipWithoutChromium() }, () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  before(async () => {
    mkdirSync(artifacts, { recursive: true });
    if (docs) mkdirSync(docs, { recursive: true });
    server = await startServer(
      testConfig((c) => {
        c.httpApi.key = KEY;
        c.swagger = { enabled: true, handlerPrefix: '/swagger' };
      }),
    );
    browser = await launchChromium();
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    page.setDefaultTimeout(20_000);
    watchPageErrors(page, pageErrors);
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('loads at /swagger with every method, authorizes with the API key and executes a publish', async () => {
    await page.goto(`${server.httpUrl}/swagger`);
    assert.equal(new URL(page.url()).pathname, '/swagger/');
    await page.getByRole('heading', { name: /Parsec server HTTP API/ }).waitFor();
    await page.locator('.opblock-summary-path', { hasText: /^\/shared_poll_publish$/ }).waitFor();
    assert.equal(await page.locator('.opblock-summary-path').count(), 31);
    const file = join(artifacts, 'swagger-ui.png');
    await page.screenshot({ path: file, fullPage: false });
    if (docs) copyFileSync(file, join(docs, 'swagger-ui.png'));

    // The first scheme in the dialog is ApiKeyAuth (X-API-Key).
    await page.locator('.auth-wrapper button.authorize').click();
    const scheme = page.locator('.dialog-ux .auth-container').first();
    await scheme.locator('input').fill(KEY);
    await scheme.locator('button.authorize').click();
    await page.locator('.dialog-ux button.btn-done').first().click();

    const publish = page.locator('#operations-publication-publish');
    await publish.locator('.opblock-summary').click();
    await publish.getByRole('button', { name: 'Try it out' }).click();
    await publish.getByRole('button', { name: 'Execute' }).click();
    const response = publish.locator('.responses-table.live-responses-table');
    await response.locator('.response-col_status', { hasText: '200' }).waitFor();
    const body = JSON.parse((await response.locator('.response-col_description pre').first().textContent()) ?? '') as { result?: unknown; error?: unknown };
    assert.deepEqual(body, { result: {} }, 'the example publish succeeded (no history in the default namespace: no offset)');
    await page.screenshot({ path: join(artifacts, 'swagger-ui-executed.png'), fullPage: false });
    assert.deepEqual(pageErrors, []);
  });
});
