/** Debian's chromium driven by playwright-core (playwright's own browser download is not available here). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

export const CHROMIUM = process.env.WG_TEST_CHROMIUM ?? '/usr/bin/chromium';

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

export interface Browser {
  context: BrowserContext;
  /** Every URL the pages asked for, to check that none leaves 127.0.0.1. */
  requests: string[];
  close(): Promise<void>;
}

/** A fresh profile each time, removed again on close. */
export async function openBrowser(): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'wg-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: 1400, height: 900 },
  });
  const requests: string[] = [];
  context.on('request', (request) => requests.push(request.url()));
  return {
    context,
    requests,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** The requests that went anywhere but the server under test (data: and about: stay in the browser). */
export function strayRequests(requests: readonly string[], port: number): string[] {
  return requests.filter((url) => {
    const parsed = new URL(url);
    if (parsed.protocol === 'data:' || parsed.protocol === 'about:' || parsed.protocol === 'blob:') return false;
    return parsed.hostname !== '127.0.0.1' || parsed.port !== String(port);
  });
}

/** The text of each selector on a page of `wg serve`, in a browser opened and closed for it, once the first one shows. */
export async function textsOnPage(url: string, selectors: string[]): Promise<Array<string | null>> {
  const browser = await openBrowser();
  try {
    const page = await browser.context.newPage();
    await page.goto(url);
    await page.waitForSelector(selectors[0]!, { timeout: 20_000 });
    return await Promise.all(selectors.map((selector) => page.textContent(selector)));
  } finally {
    await browser.close();
  }
}
