// The run viewer's page in real headless Chromium (Debian's /usr/bin/chromium,
// driven by playwright-core): the list of runs, the statechart with the active
// state lit, an approval sent from the page, live updates. Screenshots go to
// test/ui/artifacts/ (git-ignored) on every run. Without Chromium these tests
// fail with the reason; they are never skipped.
import { existsSync, mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { approvalRouting } from "../../machines/approval-routing.js";
import { createEngine, sqliteStore, type Engine, type Store } from "../../src/index.js";
import { createRunApi } from "../../src/ui/api.js";
import { startUiServer, type UiServer } from "../../src/ui/http.js";

const CHROMIUM = "/usr/bin/chromium";
const ARTIFACTS = new URL("./artifacts/", import.meta.url).pathname;
const TOKEN = "browser-test-token-0123456789";
const review = (id: string) => ({ id, kind: "expense", confidence: 0.8 });

let store: Store;
let engine: Engine;
let ui: UiServer;
let browser: BrowserContext;
let page: Page;
let base: string;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`The browser tests need Debian's Chromium at ${CHROMIUM}, found none: install it with \`apt-get install -y chromium\` (.ci/run does)`);
  }
  mkdirSync(ARTIFACTS, { recursive: true });
  store = sqliteStore(join(mkdtempSync(join(tmpdir(), "stepchart-ui-browser-")), "runs.db"));
  engine = createEngine({ workflows: [approvalRouting], store, log: () => undefined });
  await engine.start("ApprovalRouting", review("exp-1"), { runId: "exp-1" });
  await engine.start("ApprovalRouting", review("exp-2"), { runId: "exp-2" });
  await engine.start("ApprovalRouting", { id: "auto-1", kind: "invoice", confidence: 0.95 }, { runId: "auto-1" });
  await engine.result("auto-1");
  await engine.start("ApprovalRouting", { id: "bad-1", kind: "poem", confidence: 0.5 }, { runId: "bad-1" });
  await engine.result("bad-1").catch(() => undefined);
  ui = await startUiServer({ api: createRunApi({ engine, store, workflows: [approvalRouting] }), token: TOKEN, port: 0, pollMs: 100 });
  base = `http://127.0.0.1:${ui.port}/`;
  // A fresh profile, and no background traffic: on a closed network Chromium's own connections are refused.
  browser = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), "stepchart-chromium-")), {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1400, height: 1000 },
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  page = await browser.newPage();
  await page.goto(ui.url);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await ui?.close();
  await engine?.close();
  await store?.close();
});

async function rows(p: Page): Promise<string[][]> {
  return p.$$eval("tr.run-row", (trs) => trs.map((tr) => [tr.getAttribute("data-run-id") ?? "", tr.querySelector("[data-status]")?.textContent ?? ""]));
}

describe("the run viewer in Chromium", () => {
  it("lists the store's runs with their status, and filters them by status", async () => {
    await page.waitForSelector('tr.run-row[data-run-id="bad-1"]');
    expect((await rows(page)).sort()).toEqual([
      ["auto-1", "done"],
      ["bad-1", "failed"],
      ["exp-1", "waiting"],
      ["exp-2", "waiting"],
    ]);
    await page.selectOption("#status-filter", "waiting");
    await page.waitForFunction(() => document.querySelectorAll("tr.run-row").length === 2);
    expect((await rows(page)).map(([id]) => id).sort()).toEqual(["exp-1", "exp-2"]);
    await page.selectOption("#status-filter", "");
    await page.waitForFunction(() => document.querySelectorAll("tr.run-row").length === 4);
    expect(await page.textContent("#access")).toBe("can send events");
    expect(page.url()).toBe(base); // the token left the address bar
  }, 30_000);

  it("lights the active state of a waiting run in its statechart and shows its timeline", async () => {
    await page.click('tr.run-row[data-run-id="exp-1"]');
    await page.waitForSelector("#diagram g.state.active-leaf");
    const lit = await page.$$eval("#diagram g.state.active-leaf", (gs) => gs.map((g) => g.getAttribute("data-path")));
    expect(lit).toEqual(["ApprovalRouting.review.WaitForApproval.$waiting"]);
    const active = await page.$$eval("#diagram g.state.active", (gs) => gs.map((g) => g.getAttribute("data-path")));
    expect(active).toEqual(expect.arrayContaining(["ApprovalRouting.review", "ApprovalRouting.review.WaitForApproval"]));
    const labels = await page.$$eval("#timeline .tl-row", (rs) => rs.map((r) => `${r.getAttribute("data-kind")} ${r.querySelector(".tl-label")?.textContent}`));
    expect(labels).toEqual(["block ApprovalRouting", "block review", "step SendForReview", "block WaitForApproval", "wait waiting for DECIDE"]);
    expect(await page.inputValue('textarea[data-payload-for="DECIDE"]')).toBe('{\n  "approved": false,\n  "by": ""\n}');
    await page.screenshot({ path: join(ARTIFACTS, "waiting-run.png"), fullPage: true });
  }, 30_000);

  it("moves the waiting run on when the approval is sent from the page", async () => {
    await page.fill('textarea[data-payload-for="DECIDE"]', JSON.stringify({ approved: true, by: "dr-browser" }));
    await page.click('button[data-event="DECIDE"]');
    expect(await engine.result("exp-1")).toMatchObject({ decision: "approved", by: "dr-browser" });
    await page.waitForSelector('#run-view[data-status="done"]');
    await page.waitForSelector('#diagram g.state.active-leaf[data-path="$done"]');
    await page.waitForSelector('tr.run-row[data-run-id="exp-1"] [data-status="done"]');
    expect(await page.textContent("#action-result")).toBe("DECIDE sent");
    await page.screenshot({ path: join(ARTIFACTS, "approved-run.png"), fullPage: true });
  }, 30_000);

  it("shows a run started elsewhere, and its progress, without a reload", async () => {
    await engine.start("ApprovalRouting", review("live-1"), { runId: "live-1" });
    await page.waitForSelector('tr.run-row[data-run-id="live-1"] [data-status="waiting"]');
    await page.click('tr.run-row[data-run-id="live-1"]');
    await page.waitForSelector('#run-view[data-status="waiting"]');
    await engine.signal("live-1", { type: "DECIDE", approved: false, by: "elsewhere" });
    await page.waitForSelector('#run-view[data-status="done"]');
    expect(await page.textContent("#run-output")).toContain('"decision": "rejected"');
  }, 30_000);

  it("shows a failed run's error: category, failed step and compensation", async () => {
    await page.click('tr.run-row[data-run-id="bad-1"]');
    await page.waitForSelector('#run-view[data-status="failed"]');
    const field = (name: string) => page.textContent(`#error-fields dd[data-field="${name}"]`);
    expect(await field("category")).toBe("validation");
    expect(await field("failed step")).toBe("ApprovalRouting");
    expect(await field("compensated")).toBe("none");
    expect(await field("cause")).toContain("ValidationError · validation (schema_mismatch)");
    expect(await page.$$eval("#diagram g.state.active-leaf", (gs) => gs.map((g) => g.getAttribute("data-path")))).toEqual(["$failed"]);
    await page.screenshot({ path: join(ARTIFACTS, "failed-run.png"), fullPage: true });
  }, 30_000);

  it("is read-only without the token: the buttons are disabled and nothing is sent", async () => {
    const anonymous = await browser.newPage();
    try {
      await anonymous.goto(`${base}?run=exp-2`);
      await anonymous.waitForSelector('button[data-event="DECIDE"]');
      expect(await anonymous.isDisabled('button[data-event="DECIDE"]')).toBe(true);
      expect(await anonymous.textContent("#access")).toBe("read-only");
      expect((await engine.get("exp-2"))!.status).toBe("waiting");
    } finally {
      await anonymous.close();
    }
  }, 30_000);
});
