import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { skipWithoutProgram } from './services.js';

/** Debian's Chromium (`apt-get install chromium`), or PARSEC_TEST_CHROMIUM. */
export const chromiumPath = process.env.PARSEC_TEST_CHROMIUM ?? '/usr/bin/chromium';

/** Flags that keep a headless Chromium quiet, offline and light on a shared machine. */
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Whether browser suites must be skipped: false when Chromium is installed. Without it the
 * suite is skipped loudly, or fails under PARSEC_REQUIRE_SERVICES=1 (as CI sets).
 */
export function skipWithoutChromium(): string | false {
  return skipWithoutProgram('Chromium (apt-get install -y chromium, or set PARSEC_TEST_CHROMIUM)', chromiumPath, ['--version'], /Chromium|Chrome/);
}

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** A headless Chromium with a fresh profile that is removed on close. */
export async function launchChromium(viewport = { width: 1280, height: 800 }): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'parsec-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    args: ARGS,
    viewport,
    acceptDownloads: true,
    timeout: 60_000,
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Collects a page's script errors and Content-Security-Policy refusals into `into`: a test asserts there are none. */
export function watchPageErrors(page: Page, into: string[]): void {
  page.on('pageerror', (err) => into.push(err.message));
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy|Uncaught/.test(m.text())) into.push(m.text());
  });
}
