// The widget's 「解決しましたか？」 buttons (issue 12) in headless Chromium.
// Run by scripts/browser-test.sh with MADOGUCHI_URL set to the served page.

import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { SHOTS, useBrowser, openChat as openTab } from "./support.mjs";

const context = useBrowser();

const openChat = () => openTab(context());

async function ask(page, text) {
  const input = page.getByLabel("ご質問", { exact: true });
  await input.fill(text);
  await input.press("Enter");
}

/* Asks a question the FAQ answers; returns the answer's 「解決しましたか？」 group. */
async function answered(page, text) {
  await ask(page, text);
  const answer = page.locator(".mdg-answer").last();
  await answer.waitFor();
  const group = answer.getByRole("group", { name: "解決しましたか？" });
  await group.waitFor();
  return group;
}

test("いいえ under an answer offers the other candidates; はい thanks", async () => {
  const { page, errors } = await openChat();
  const group = await answered(page, "送料はいくらですか");
  assert.match(await group.innerText(), /解決しましたか？/);

  await group.getByRole("button", { name: "いいえ" }).click();
  const clarify = page.locator(".mdg-clarify").last();
  await clarify.waitFor();
  assert.match(await clarify.innerText(), /お役に立てず申し訳ありません/);
  assert.ok((await clarify.getByRole("button").count()) >= 1);
  // Answered once: both buttons are disabled, a thank-you is shown.
  assert.ok(await group.getByRole("button", { name: "はい" }).isDisabled());
  assert.ok(await group.getByRole("button", { name: "いいえ" }).isDisabled());
  await group.getByText("ご回答ありがとうございます").waitFor();

  // Pick a candidate; say はい to that answer: no new bot message.
  await clarify.getByRole("button").first().click();
  const second = page.locator(".mdg-answer").nth(1);
  await second.waitFor();
  const bubbles = await page.locator(".mdg-log > *").count();
  await second.getByRole("group", { name: "解決しましたか？" }).getByRole("button", { name: "はい" }).click();
  await second.getByText("ご回答ありがとうございました").waitFor();
  assert.equal(await page.locator(".mdg-log > *").count(), bubbles);
  await page.screenshot({ path: join(SHOTS, "madoguchi-widget-feedback.png"), fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});

test("a typed ありがとう answers 「解決しましたか？」 too", async () => {
  const { page, errors } = await openChat();
  const group = await answered(page, "送料はいくらですか");
  const bubbles = await page.locator(".mdg-log > *").count();
  await ask(page, "ありがとうございました！");
  await page.getByText("お役に立ててよかったです").waitFor();
  assert.ok(await group.getByRole("button", { name: "はい" }).isDisabled());
  assert.ok(await group.getByRole("button", { name: "いいえ" }).isDisabled());
  await group.getByText("ご回答ありがとうございました").waitFor();
  assert.ok((await page.locator(".mdg-log > *").count()) > bubbles, "the courteous line is shown");
  assert.deepEqual(errors, []);
  await page.close();
});
