// The insights report (issue 12) in headless Chromium: GET /admin/report
// over the scripted day that scripts/browser-test.sh wrote into the
// server's --events directory. Checks that it renders (labels, numbers,
// charts, a non-blank screenshot), that it fetches nothing and runs no
// script, and that it prints on white. With MADOGUCHI_DOCS_SHOT=path the
// screenshot is also written there (README's docs/report.png).

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, copyFileSync } from "node:fs";
import { join } from "node:path";
import { BASE, SHOTS, useBrowser } from "./support.mjs";

const DAY = "2026-11-16";

const context = useBrowser({ width: 800, height: 1000 });

/** Share of pixels that are not (nearly) white in a PNG, measured in the browser. */
async function inkShare(png) {
  const page = await context().newPage();
  await page.setContent("<canvas id=c></canvas>");
  const share = await page.evaluate(async (b64) => {
    const img = new Image();
    img.src = "data:image/png;base64," + b64;
    await img.decode();
    const c = document.getElementById("c");
    c.width = img.width; c.height = img.height;
    const g = c.getContext("2d");
    g.drawImage(img, 0, 0);
    const d = g.getImageData(0, 0, c.width, c.height).data;
    let ink = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i] < 200 || d[i + 1] < 200 || d[i + 2] < 200) ink++;
    return ink / (d.length / 4);
  }, png.toString("base64"));
  await page.close();
  return share;
}

test("the admin report of the scripted day renders with its numbers", async () => {
  const page = await context().newPage();
  const errors = [];
  const requests = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  page.on("request", (r) => requests.push(r.url()));
  const url = new URL(`admin/report?from=${DAY}&to=${DAY}`, BASE).toString();
  const response = await page.goto(url);
  assert.equal(response.status(), 200);
  assert.match(response.headers()["content-type"], /text\/html/);

  assert.equal(await page.title(), "お問い合わせレポート");
  const headings = await page.locator("h2").allInnerTexts();
  for (const h of ["概要", "日別の推移", "応答の種類", "担当者への引き継ぎ", "お客さまの声（VOC）", "よく使われた回答",
    "「解決しない」が多い回答", "次に書くべきFAQ（答えられなかった質問）", "カスタマーハラスメント"]) {
    assert.ok(headings.includes(h), `heading ${h} in ${headings}`);
  }
  // The numbers of the scripted day (tests/insights.rs checks them all).
  const summary = await page.locator("#summary").innerText();
  assert.match(summary, /21\s*対話数/);
  assert.match(summary, /19\s*セッション数/);
  assert.match(summary, /15\.8%\s*解決率/);
  assert.match(summary, /2\s*うち受付時間外/);
  assert.match(await page.locator("#topics").innerText(), /ペットの写真を送りたい\s+4/);
  assert.match(await page.locator("#harassment").innerText(), /該当メッセージ 2 件、対応終了 1 件/);
  // Charts: inline SVG with bars, no script, nothing fetched but the page.
  assert.ok((await page.locator("svg.chart").count()) >= 5);
  assert.ok((await page.locator("svg.chart rect").count()) >= 10);
  assert.equal(await page.locator("script").count(), 0);
  assert.deepEqual(requests, [url]);

  const png = await page.screenshot({ fullPage: true, path: join(SHOTS, "madoguchi-report.png") });
  const ink = await inkShare(png);
  assert.ok(ink > 0.02 && ink < 0.6, `the screenshot is neither blank nor a dark block (ink ${ink})`);
  if (process.env.MADOGUCHI_DOCS_SHOT) copyFileSync(join(SHOTS, "madoguchi-report.png"), process.env.MADOGUCHI_DOCS_SHOT);

  // Printed: white page, dark text.
  await page.emulateMedia({ media: "print" });
  const colors = await page.evaluate(() => {
    const s = getComputedStyle(document.body);
    return [s.backgroundColor, s.color];
  });
  assert.deepEqual(colors, ["rgb(255, 255, 255)", "rgb(34, 34, 34)"]);
  const pdf = await page.pdf({ format: "A4" });
  assert.ok(pdf.length > 10_000, "prints to a PDF");
  assert.deepEqual(errors, []);
  await page.close();
});

test("the CLI's report.html is the same page (file://)", async () => {
  const file = process.env.MADOGUCHI_REPORT_HTML;
  if (!file) return;
  const html = readFileSync(file, "utf8");
  assert.ok(html.includes("次に書くべきFAQ") && !html.includes("<script"));
  const page = await context().newPage();
  await page.goto("file://" + file);
  assert.match(await page.locator("#summary").innerText(), /19\s*セッション数/);
  await page.close();
});
