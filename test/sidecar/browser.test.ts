import { mkdirSync } from "node:fs";
import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "./support/chromium.js";
import { type DemoAgent, startDemoAgent } from "./support/demo-agent.js";
import { type Harness, startHarness } from "./support/harness.js";

let h: Harness;
let agent: DemoAgent;
let browser: Browser;
let page: Page;
const pageErrors: Error[] = [];

beforeAll(async () => {
  h = await startHarness();
  agent = startDemoAgent(h.sidecar.grpcUrl);
  await h.sidecar.whenAgentConnected();
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1180, height: 760 } });
  page.on("console", (m) => console.log("page:", m.text()));
  page.on("pageerror", (e) => pageErrors.push(e));
}, 60_000);

// Any error the page throws fails the test during which it was thrown.
afterEach(() => {
  expect(pageErrors.splice(0)).toEqual([]);
});

afterAll(async () => {
  await browser?.close();
  await agent?.close();
  await h?.stop();
});

const lastAgentBubble = () => page.locator(".row.agent .bubble").last();

describe("chat page", () => {
  it("shows the empty state and the connected agent", async () => {
    await page.goto(h.sidecar.webUrl);
    await page.locator("#agent-state .agent-label", { hasText: "Agent connected" }).waitFor();
    expect(await page.locator("#empty").isVisible()).toBe(true);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("input");
    mkdirSync("test-results", { recursive: true });
    await page.screenshot({ path: "test-results/chat-empty.png" });
  });

  it("sends with Enter and streams the reply", async () => {
    await page.locator("#input").fill("hello from the browser");
    await page.locator("#input").press("Enter");
    await page.locator(".row.user .bubble", { hasText: "hello from the browser" }).waitFor();
    await page.locator(".chip", { hasText: "Count to 100" }).waitFor();
    expect(await lastAgentBubble().textContent()).toBe("hello from the browser");
    expect(await page.locator("#stop").isHidden()).toBe(true);
    expect(await page.locator(".conversation").count()).toBe(1);
  });

  it("Shift+Enter adds a newline instead of sending", async () => {
    await page.locator("#input").press("a");
    await page.locator("#input").press("Shift+Enter");
    expect(await page.locator("#input").inputValue()).toBe("a\n");
    await page.locator("#input").fill("");
  });

  it("stops a long reply with the stop button and ends the turn", async () => {
    await page.locator("#input").fill("count 500");
    await page.locator("#input").press("Enter");
    await page.locator(".row.agent .bubble", { hasText: /\b5 / }).waitFor();
    await page.screenshot({ path: "test-results/chat-streaming.png" });
    const stop = agent.nextStop();
    await page.locator("#stop").click();
    const feedback = await stop;
    expect(feedback.feedback.case).toBe("streamControl");
    await page.locator("#send").waitFor({ state: "visible" });
    expect(await page.locator(".row.agent .meta", { hasText: "Stopped" }).count()).toBe(1);
    const text = (await lastAgentBubble().textContent()) ?? "";
    expect(text).not.toContain("500");
  });

  it("sends a suggested prompt by clicking its chip and fills a form", async () => {
    await page.locator("#input").fill("what can you do?");
    await page.locator("#input").press("Enter");
    await page.locator(".chip", { hasText: "Plan a trip" }).click();
    const form = page.locator(".form-card");
    await form.waitFor();
    await form.getByLabel("City").fill("Oslo");
    await form.getByLabel("Nights").fill("3");
    await form.getByLabel("Class").selectOption({ label: "business" });
    await form.getByRole("button", { name: "Submit" }).click();
    await page.locator(".row.agent .bubble", { hasText: "Booked 3 nights in Oslo." }).waitFor();
    const order = await page.evaluate(() =>
      [...document.querySelectorAll(".form-card, .row.agent .bubble")].map((n) =>
        n.classList.contains("form-card") ? "form" : n.textContent,
      ),
    );
    expect(order.slice(-2)).toEqual(["form", "Booked 3 nights in Oslo."]);
    await page.locator("#input").fill("Thanks! Could you summarise the plan?");
    await page.locator("#input").press("Enter");
    await page.locator(".chip", { hasText: "Count to 100" }).waitFor();
    await page.screenshot({ path: "test-results/chat.png" });
    await page.emulateMedia({ colorScheme: "dark" });
    await page.screenshot({ path: "test-results/chat-dark.png" });
  });
});
