// What every browser test file shares: the served page's address, a
// headless Chromium (Debian's package) on a fresh profile, and a chat tab.

import assert from "node:assert/strict";
import { before, after } from "node:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

export const BASE = process.env.MADOGUCHI_URL;
export const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
export const SHOTS = process.env.TMPDIR || tmpdir();
export const TIMEOUT = 15_000;

/**
 * Chromium with a persistent context on a fresh profile directory
 * (Playwright passes it as --user-data-dir). Each test opens its own tab,
 * and sessionStorage is per tab, so each test chats in a new session.
 */
export async function launchBrowser(viewport = { width: 640, height: 860 }) {
  assert.ok(BASE, "set MADOGUCHI_URL to the served page (scripts/browser-test.sh does)");
  assert.ok(["127.0.0.1", "localhost", "[::1]"].includes(new URL(BASE).hostname), "tests talk to loopback only");
  const profile = mkdtempSync(join(tmpdir(), "madoguchi-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ],
    locale: "ja-JP",
    viewport,
    timeout: 60_000,
  });
  return { context, profile };
}

/**
 * The test file's browser: launched before its tests, closed after them.
 * Returns a getter for the browser context (set once the tests run).
 */
export function useBrowser(viewport) {
  let browser;
  before(async () => {
    browser = await launchBrowser(viewport);
  });
  after(() => closeBrowser(browser));
  return () => browser.context;
}

export async function closeBrowser(browser) {
  if (!browser) return;
  await browser.context.close();
  rmSync(browser.profile, { recursive: true, force: true });
}

/** A fresh tab with the chat open (its own sessionStorage, so a new session); page errors are collected. */
export async function openChat(context) {
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT);
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  await page.goto(BASE);
  await page.getByRole("log", { name: "会話の履歴" }).getByText("まどか サポート窓口です").waitFor();
  return { page, errors };
}
