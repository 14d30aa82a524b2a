import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { describe, it } from 'vitest';

/** Debian's Chromium: the browser tests never download one. */
export const CHROMIUM = '/usr/bin/chromium';

const CI = !['', '0', 'false'].includes(process.env.CI ?? '');

/** Whether the browser tests can run here. */
export const hasChromium = existsSync(CHROMIUM);

/**
 * Without Chromium: a test that fails in CI (which must run the browser tests: .ci/run installs
 * it) and is skipped elsewhere, saying how to install it.
 */
export function needChromium(what: string): void {
  if (hasChromium) return;
  describe(what, () => {
    it('needs Chromium', (context) => {
      if (CI) throw new Error(`${CHROMIUM} is missing: CI must run the browser tests (.ci/run installs it)`);
      context.skip(`${CHROMIUM} is missing: apt-get install chromium to run the browser tests`);
    });
  });
}

/** Headless Chromium, with nothing of its own on the network (no updates, no sync, no QUIC). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-quic',
      '--no-first-run',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
