import { mkdirSync } from "node:fs";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEchoAgent } from "../../examples/echo-agent.js";
import { type Harness, startHarness } from "./support/harness.js";

// The chat page in Debian's Chromium with the real example agent: what a
// newcomer sees after `npm start`.

let h: Harness;
let agent: ReturnType<typeof startEchoAgent>;
let browser: Browser;

beforeAll(async () => {
  h = await startHarness();
  agent = startEchoAgent({ address: new URL(h.sidecar.grpcUrl).host });
  await agent.ready;
  browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await agent?.close();
  await h?.stop();
});

describe("the chat page with the echo agent", () => {
  it("streams the echo, and the stop button ends `count 200` early", async () => {
    const page = await browser.newPage({ viewport: { width: 1180, height: 760 } });
    await page.goto(h.sidecar.webUrl);
    await page.locator("#agent-state .agent-label", { hasText: "Agent connected" }).waitFor();
    await page.locator("#input").fill("hello agentwire");
    await page.locator("#input").press("Enter");
    const echo = page.locator(".row.agent .bubble", { hasText: "echo: hello agentwire" });
    await echo.waitFor();
    expect(await echo.textContent()).toBe("echo: hello agentwire");

    await page.locator("#input").fill("count 200");
    await page.locator("#input").press("Enter");
    const counting = page.locator(".row.agent .bubble", { hasText: /^1 2 3 4 / });
    await counting.waitFor();
    await page.locator("#stop").click();
    await page.locator(".row.agent .meta", { hasText: "Stopped" }).waitFor();
    await page.locator("#send").waitFor({ state: "visible" });
    const stoppedAt = (await counting.textContent()) ?? "";
    expect(stoppedAt).not.toContain("200");
    // Nothing more arrives for the stopped turn: the next turn's echo comes
    // back while the stopped bubble keeps its text.
    await page.locator("#input").fill("still there?");
    await page.locator("#input").press("Enter");
    await page.locator(".row.agent .bubble", { hasText: "echo: still there?" }).waitFor();
    expect(await counting.textContent()).toBe(stoppedAt);
    mkdirSync("test-results", { recursive: true });
    await page.screenshot({ path: "test-results/chat-echo.png" });
    await page.close();
  });
});
