// Type-ahead in the chat widget, in Debian's headless Chromium driven by
// playwright-core: suggestions appear under the input while the customer
// types (IME composition included), the keyboard moves through them, Enter
// sends the highlighted question and its answer comes back. Run by
// scripts/browser-test.sh (MADOGUCHI_URL is the served page).
//
//   MADOGUCHI_URL=http://127.0.0.1:8080/ node --test suggest.test.mjs

import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { SHOTS, useBrowser, openChat as openTab } from "./support.mjs";

const context = useBrowser();

async function openChat() {
  const { page, errors } = await openTab(context());
  const input = page.getByLabel("ご質問", { exact: true });
  const list = page.getByRole("listbox", { name: "入力中の質問の候補" });
  return { page, errors, input, list };
}

test("type part of a question, pick a suggestion with the keyboard, get its answer", async () => {
  const { page, errors, input, list } = await openChat();
  await input.click();
  // keystroke by keystroke, as a customer types
  await input.pressSequentially("カードのさいはっ", { delay: 40 });
  await list.waitFor();
  const options = list.getByRole("option");
  await options.first().waitFor();
  const count = await options.count();
  assert.ok(count >= 1 && count <= 5, `1-5 suggestions, got ${count}`);
  assert.match(await options.first().innerText(), /再発行/);
  assert.equal(await input.getAttribute("aria-expanded"), "true");
  assert.equal(await input.getAttribute("role"), "combobox");

  // ArrowDown twice, ArrowUp once: the first option is highlighted, and the
  // input points at it for screen readers
  await input.press("ArrowDown");
  await input.press("ArrowDown");
  await input.press("ArrowUp");
  const first = options.first();
  assert.equal(await first.getAttribute("aria-selected"), "true");
  assert.equal(await options.nth(1).getAttribute("aria-selected"), "false");
  assert.equal(await input.getAttribute("aria-activedescendant"), await first.getAttribute("id"));
  const picked = (await first.innerText()).trim();
  await page.screenshot({ path: join(SHOTS, "madoguchi-widget-suggest.png"), fullPage: true });

  // Enter sends the highlighted question (not the half-typed text)
  await input.press("Enter");
  const answer = page.locator(".mdg-answer").last();
  await answer.waitFor();
  assert.equal((await answer.locator(".mdg-question").innerText()).trim(), picked);
  assert.equal((await page.locator(".mdg-user p").last().innerText()).trim(), picked);
  assert.ok(await list.isHidden());
  assert.equal(await input.inputValue(), "");
  assert.equal(await input.getAttribute("aria-expanded"), "false");
  assert.equal(await page.locator(".mdg-user").count(), 1, "one message sent");
  assert.deepEqual(errors, []);
  await page.close();
});

test("Escape closes the suggestions; Enter then sends what was typed; a click picks", async () => {
  const { page, errors, input, list } = await openChat();
  await input.click();
  await input.pressSequentially("暗証番号", { delay: 30 });
  await list.getByRole("option").first().waitFor();
  await input.press("Escape");
  assert.ok(await list.isHidden());
  assert.equal(await input.inputValue(), "暗証番号", "the text stays");
  assert.ok(await page.locator(".mdg-widget").isVisible(), "the widget stays open");

  // typing again brings them back; a click picks one
  await input.pressSequentially("を", { delay: 30 });
  const second = list.getByRole("option").nth(1);
  await second.waitFor();
  const picked = (await second.innerText()).trim();
  await second.click();
  const answer = page.locator(".mdg-answer").last();
  await answer.waitFor();
  assert.equal((await answer.locator(".mdg-question").innerText()).trim(), picked);
  assert.equal(await page.evaluate(() => document.activeElement && document.activeElement.tagName), "TEXTAREA");

  // Enter without a highlighted suggestion sends the text as typed
  await input.pressSequentially("送料はいくら", { delay: 30 });
  await list.getByRole("option").first().waitFor();
  await input.press("Enter");
  await page.locator(".mdg-user p", { hasText: /^送料はいくら$/ }).waitFor();
  assert.ok(await list.isHidden());
  assert.deepEqual(errors, []);
  await page.close();
});

test("suggestions come while the IME is still composing kana", async () => {
  const { page, errors, input, list } = await openChat();
  await input.click();
  // The kana of 紛失 being typed, not yet converted (Chromium's IME events
  // through the DevTools protocol).
  const cdp = await context().newCDPSession(page);
  await cdp.send("Input.imeSetComposition", { text: "ふんし", selectionStart: 3, selectionEnd: 3 });
  const first = list.getByRole("option").first();
  await first.waitFor();
  assert.match(await first.innerText(), /紛失/);
  // arrow keys belong to the IME while it composes: no highlight moves
  assert.equal(await input.getAttribute("aria-activedescendant"), null);
  await cdp.send("Input.insertText", { text: "紛失" });
  await page.waitForFunction(() => document.querySelector(".mdg-input").value === "紛失");
  await first.waitFor();
  assert.match(await list.getByRole("option").first().innerText(), /紛失/);
  assert.deepEqual(errors, []);
  await page.close();
});
