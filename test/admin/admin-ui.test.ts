import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { packageRoot } from '../../src/lib/index.js';
import { API_KEY, enableBroker, issue, startIdp, userToken } from '../helpers/broker.js';
import { launchChromium, skipWithoutChromium, watchPageErrors, type Browser } from '../helpers/browser.js';
import type { JwksServer, SigningKey } from '../helpers/jwks-server.js';
import { once, sdk, type Sdk } from '../helpers/sdk.js';
import { namespace, startServer, testConfig, type TestServer } from '../helpers/server.js';
import { connToken } from '../helpers/tokens.js';
import { until } from '../helpers/until.js';

const PASSWORD = 'correct horse battery staple';
const artifacts = join(packageRoot(), 'test-artifacts', 'admin-ui');
/** PARSEC_UPDATE_SCREENSHOTS=1 copies the screenshots into docs/ for the README. */
const docs = process.env.PARSEC_UPDATE_SCREENSHOTS === '1' ? join(packageRoot(), 'docs', 'admin-ui') : undefined;

const skip = skipWithoutChromium();

/**
 * The admin UI in Debian's Chromium against a populated server: SDK clients with labels,
 * a channel with history, the token broker with an IdP. One browser, one server, pages
 * visited in order; every page's screenshot lands in test-artifacts/admin-ui/.
 */
describe('admin UI in Chromium', { skip }, () => {
  let server: TestServer;
  let idp: JwksServer;
  let key: SigningKey;
  let browser: Browser;
  let page: Page;
  const clients: Sdk[] = [];
  /** Script errors and CSP refusals in the page: none may happen. */
  const pageErrors: string[] = [];

  const connect = async (user: string, labels: Record<string, string>, channels: string[] = ['chat']): Promise<Sdk> => {
    const c = sdk('json', server.url, { token: await connToken(user, { labels }) });
    clients.push(c);
    const subs = channels.map((ch) => c.newSubscription(ch));
    for (const s of subs) s.subscribe();
    c.connect();
    await Promise.all(subs.map((s) => once(s, 'subscribed', 5000)));
    return c;
  };

  const shot = async (name: string): Promise<void> => {
    const file = join(artifacts, `${name}.png`);
    // From the top, so the sticky header sits where it belongs in the full-page image.
    await page.evaluate('window.scrollTo(0, 0)');
    await page.screenshot({ path: file, fullPage: true });
    if (docs) copyFileSync(file, join(docs, `${name}.png`));
  };

  const api = async (method: string, params: unknown): Promise<unknown> => {
    const res = await fetch(`${server.httpUrl}/api/${method}`, { method: 'POST', headers: { 'X-API-Key': API_KEY }, body: JSON.stringify(params) });
    return res.json();
  };

  const open = async (id: string, heading: string): Promise<void> => {
    await page.getByRole('link', { name: heading, exact: true }).click();
    await page.waitForURL(new RegExp(`#/${id}$`));
    await page.getByRole('heading', { level: 1, name: heading }).waitFor();
  };

  before(async () => {
    mkdirSync(artifacts, { recursive: true });
    if (docs) mkdirSync(docs, { recursive: true });
    ({ idp, key } = await startIdp());
    server = await startServer(
      testConfig((c) => {
        enableBroker(c, idp.url);
        c.admin = { ...c.admin, enabled: true, password: PASSWORD, secret: 'admin-secret-with-enough-length' };
        c.node.name = 'parsec-1';
        const ch = c.channel.withoutNamespace;
        c.channel.withoutNamespace = { ...ch, presence: true, joinLeave: true, historySize: 50, historyTtl: 300_000, allowSubscribeForClient: true, allowPublishForSubscriber: true };
        c.channel.namespaces = [namespace('team', { presence: true })];
      }),
    );
    browser = await launchChromium();
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    page.setDefaultTimeout(15_000);
    watchPageErrors(page, pageErrors);
    await connect('alice', { region: 'eu', tier: 'pro' }, ['chat', 'news']);
    await connect('bob', { region: 'us', tier: 'free' });
    await connect('dana', { region: 'us', tier: 'pro' }, ['news']);
    for (let i = 1; i <= 3; i++) await api('publish', { channel: 'chat', data: { text: `message ${i}`, from: 'backend' } });
  });

  after(async () => {
    for (const c of clients) c.disconnect();
    await browser?.close();
    await server?.close();
    await idp?.close();
  });

  it('refuses a wrong password with the server message, then logs in', async () => {
    await page.goto(`${server.httpUrl}/`);
    const password = page.getByLabel('Password');
    await password.fill('not the password');
    await page.getByRole('button', { name: 'Log in', exact: true }).click();
    await page.getByRole('alert').filter({ hasText: 'wrong password' }).waitFor();
    await shot('login');
    await password.fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in', exact: true }).click();
    await page.getByRole('navigation', { name: 'Pages' }).waitFor();
    const cookies = await browser.context.cookies();
    const session = cookies.find((c) => c.name === 'parsec_admin');
    assert.ok(session, 'a session cookie is set');
    assert.equal(session.httpOnly, true);
    assert.equal(session.sameSite, 'Strict');
  });

  it('Overview shows the node and live totals; the page is keyboard reachable', async () => {
    await page.getByRole('cell', { name: /parsec-1/ }).waitFor();
    await page.locator('.stat', { hasText: 'Connections' }).locator('.stat-value', { hasText: /^3$/ }).waitFor();
    await page.getByText(/Engine memory: delivering/).waitFor();
    await shot('overview');
    // Tab from the top: the skip link, then the first page link.
    await page.locator('body').focus();
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate('document.activeElement?.textContent'), 'Skip to content');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate("document.activeElement?.getAttribute('href')"), '#/connections');
  });

  it('Connections lists the SDK clients; a label filter finds one and disconnects it', async () => {
    await open('connections', 'Connections');
    await page.locator('tr[data-user="alice"]').waitFor();
    await page.locator('tr[data-user="bob"]').waitFor();
    await shot('connections');
    const news = clients[2]!.getSubscription('news')!;
    const unsubscribed = once(news, 'unsubscribed', 10_000);
    await page.locator('tr[data-user="dana"]').getByRole('button', { name: 'Unsubscribe' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Unsubscribe', exact: true }).click();
    await unsubscribed;
    await page.getByText('Unsubscribed 1 connection(s) from news.').waitFor();
    await page.getByRole('button', { name: '+ Add condition' }).click();
    await page.getByLabel('Label key 1').fill('region');
    await page.getByLabel('Label value 1').fill('eu');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.locator('tr[data-user="bob"]').waitFor({ state: 'detached' });
    assert.equal(await page.locator('tbody tr').count(), 1);
    const alice = clients[0]!;
    const gone = once<{ code: number }>(alice, 'disconnected', 10_000);
    await page.locator('tr[data-user="alice"]').getByRole('button', { name: 'Disconnect' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Code').fill('4501');
    await dialog.getByRole('button', { name: 'Disconnect', exact: true }).click();
    assert.equal((await gone).code, 4501);
    await page.getByText(/Disconnected 1 connection/).waitFor();
    await page.getByRole('button', { name: 'Disconnect all matching…' }).click();
    await page.getByRole('dialog').getByRole('heading', { name: 'Disconnect all 0 matching?' }).waitFor();
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
  });

  it('Channels shows presence and history newest first, and publishes to an SDK subscriber', async () => {
    await open('channels', 'Channels');
    await page.getByRole('button', { name: /^chat\s*1$/ }).click();
    await page.getByText('message 3').waitFor();
    const texts = await page.locator('ol.history pre').allTextContents();
    assert.ok(texts[0]!.includes('message 3') && texts[2]!.includes('message 1'), 'newest first');
    await page.locator('tbody tr', { hasText: 'bob' }).waitFor();
    const bob = clients[1]!;
    const sub = bob.getSubscription('chat')!;
    const got = once<{ data: { text: string } }>(sub, 'publication', 10_000);
    await page.getByLabel('Data (JSON)').fill('{"text": "hello from the admin UI"}');
    await page.getByRole('button', { name: 'Publish', exact: true }).click();
    assert.equal((await got).data.text, 'hello from the admin UI');
    await page.locator('ol.history pre').first().filter({ hasText: 'hello from the admin UI' }).waitFor();
    await shot('channels');
  });

  it('Blocks: blocking a user ends its session and refuses its connect', async () => {
    await open('blocks', 'Blocks & rate limits');
    const dana = clients[2]!;
    const ended = once<{ code: number }>(dana, 'disconnected', 10_000);
    await page.getByLabel('User', { exact: true }).fill('dana');
    await page.getByLabel('Reason').fill('spam');
    await page.getByRole('button', { name: 'Block', exact: true }).click();
    await page.getByText('Blocked dana').waitFor();
    assert.equal((await ended).code, 3503);
    const again = sdk('json', server.url, { token: await connToken('dana') });
    clients.push(again);
    const refused = once<{ code: number }>(again, 'disconnected', 10_000);
    again.connect();
    assert.equal((await refused).code, 3503);
    await page.getByRole('table', { name: 'Blocked users' }).getByRole('cell', { name: 'dana', exact: true }).waitFor();
  });

  it('Rate limits: a publish bucket set from the page refuses an SDK publish with 111', async () => {
    const limits = page.getByLabel(/Layers in force/);
    await limits.fill(JSON.stringify({ client_command: { enabled: true, publish: { enabled: true, buckets: [{ interval: '1m', rate: 1 }] } } }, null, 2));
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText(/Rate limits saved/).waitFor();
    await page.getByText(/Live overrides of client_command/).waitFor();
    const sub = clients[1]!.getSubscription('chat')!;
    let code = 0;
    await until(async () => {
      code = await sub.publish({ text: 'over the limit?' }).then(
        () => 0,
        (err: { code: number }) => err.code,
      );
      return code !== 0;
    }, 10_000, 100);
    assert.equal(code, 111);
    await page.getByRole('button', { name: 'Reload', exact: true }).click();
    await page.getByRole('table', { name: 'Refusals on this node' }).getByRole('cell', { name: 'publish' }).waitFor();
    await shot('blocks');
    await page.getByRole('button', { name: 'Return to the config file' }).click();
    await page.getByText('All layers come from the config file.').waitFor();
  });

  it('Activity shows recorded sessions and channel traffic', async () => {
    const erin = await connect('erin', { region: 'eu', tier: 'free' }, ['orders']);
    const sub = erin.getSubscription('orders')!;
    let got = 0;
    sub.on('publication', () => got++);
    for (let i = 1; i <= 4; i++) await api('publish', { channel: 'orders', data: { order: i } });
    await until(() => got === 4);
    // activity_sessions and activity_channels write the recorder's buffered batch before they read.
    await open('activity', 'Activity');
    const session = page.getByRole('table', { name: 'Sessions' }).locator('tr[data-user="erin"]');
    await session.getByText('open', { exact: true }).waitFor();
    await page.getByRole('table', { name: 'Sessions' }).locator('tr[data-user="alice"]').getByText(/4501/).waitFor();
    const orders = page.getByRole('table', { name: 'Channel traffic' }).locator('tr[data-channel="orders"]');
    await orders.waitFor();
    assert.equal(await orders.locator('td[data-label="Publications"]').textContent(), '4');
    assert.equal(await orders.locator('td[data-label="Deliveries"]').textContent(), '4');
    const chat = page.getByRole('table', { name: 'Channel traffic' }).locator('tr[data-channel="chat"] td[data-label="Publications"]');
    assert.ok(Number(await chat.textContent()) >= 4, 'the chat channel\'s publications');
    await page.getByRole('list', { name: 'Top channels by publications' }).getByText('orders').waitFor();
    await page.getByRole('list', { name: 'Sessions by transport' }).getByText('websocket').waitFor();
    await shot('activity');
  });

  it('Tokens: revoking a broker-issued token ends its session', async () => {
    const issued = await issue(server, await userToken(key, 'u-carol'), ['team:a']);
    const carol = sdk('json', server.url, { token: issued.token });
    clients.push(carol);
    carol.connect();
    await once(carol, 'connected', 5000);
    await open('tokens', 'Tokens');
    await page.getByLabel('Search by user').fill('u-carol');
    await page.getByRole('button', { name: 'Search' }).click();
    const row = page.locator(`tr[data-token="${issued.token_id}"]`);
    await row.waitFor();
    const ended = once<{ code: number }>(carol, 'disconnected', 10_000);
    await row.getByRole('button', { name: 'Revoke' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Revoke', exact: true }).click();
    const { code } = await ended;
    assert.ok(code >= 3500, `a terminal disconnect, got ${code}`);
    await row.getByText('revoked').waitFor();
    await shot('tokens');
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Issue and download JSON' }).click();
    const file = await (await download).path();
    // One device: {"<client id>": "<token>"}, as POST /parsec/credentials answers.
    const credentials = Object.entries(JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>);
    assert.equal(credentials.length, 1);
    assert.match(credentials[0]![1], /^ey[\w-]+\.[\w-]+\.[\w-]+$/);
  });

  it('Actions log lists what was done, by whom', async () => {
    await open('actions', 'Actions log');
    await page.getByRole('cell', { name: 'api:disconnect' }).first().waitFor();
    await page.getByRole('cell', { name: 'api:publish' }).first().waitFor();
    await page.getByRole('cell', { name: 'tokens:POST /revocations' }).waitFor();
    await page.getByRole('cell', { name: 'api:block_user' }).waitFor();
    await page.getByRole('cell', { name: 'api:rate_limits_set' }).first().waitFor();
    assert.ok((await page.getByRole('cell', { name: /^admin/ }).count()) >= 3);
    await shot('actions');
  });

  it('fits a 390 px screen in dark mode', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.emulateMedia({ colorScheme: 'dark' });
    await open('connections', 'Connections');
    await page.locator('tr[data-user="bob"]').waitFor();
    const overflow = Number(await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth'));
    assert.ok(overflow <= 1, `no horizontal scrolling, got ${overflow}px`);
    await shot('connections-narrow-dark');
    await open('overview', 'Overview');
    await page.locator('.stat').first().waitFor();
    await shot('overview-narrow-dark');
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.emulateMedia({ colorScheme: 'light' });
  });

  it('logs out: the session cookie no longer works', async () => {
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByLabel('Password').waitFor();
    const res = await page.request.post(`${server.httpUrl}/admin/api/info`, { data: {}, headers: { 'Content-Type': 'application/json' } });
    assert.equal(res.status(), 401);
    assert.deepEqual(pageErrors, []);
  });
});
