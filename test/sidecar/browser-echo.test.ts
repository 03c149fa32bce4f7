import { mkdirSync } from "node:fs";
import type { Browser } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startEchoAgent } from "../../examples/echo-agent.js";
import { until } from "../helpers/step.js";
import { launchChromium } from "./support/chromium.js";
import { type Harness, startHarness } from "./support/harness.js";

// The chat page in Debian's Chromium with the real example agent: what a
// newcomer sees after `npm start`.

let h: Harness;
let agent: ReturnType<typeof startEchoAgent>;
let browser: Browser;
const pageErrors: Error[] = [];

/** A new page whose errors fail the test. */
async function newPage() {
  const page = await browser.newPage({ viewport: { width: 1180, height: 760 } });
  page.on("pageerror", (e) => pageErrors.push(e));
  return page;
}

beforeAll(async () => {
  h = await startHarness();
  agent = startEchoAgent({ address: new URL(h.sidecar.grpcUrl).host });
  await agent.ready;
  browser = await launchChromium({ fakeMicrophone: true });
}, 60_000);

afterEach(() => {
  expect(pageErrors.splice(0)).toEqual([]);
});

afterAll(async () => {
  await browser?.close();
  await agent?.close();
  await h?.stop();
});

describe("the chat page with the echo agent", () => {
  it("streams the echo, and the stop button ends `count 200` early", async () => {
    const page = await newPage();
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

  it("streams a voice message over the audio WebSocket while recording and shows the agent's answer", async () => {
    const page = await newPage();
    const sent: (string | Buffer)[] = [];
    const received: string[] = [];
    const sockets: string[] = [];
    page.on("websocket", (ws) => {
      sockets.push(new URL(ws.url()).pathname);
      ws.on("framesent", (frame) => sent.push(frame.payload));
      ws.on("framereceived", (frame) => received.push(String(frame.payload)));
    });
    await page.goto(h.sidecar.webUrl);
    await page.locator("#agent-state .agent-label", { hasText: "Agent connected" }).waitFor();
    const mic = page.locator("#mic");
    await mic.waitFor({ state: "visible" });
    await mic.click();
    await page.locator('#mic[data-recording="true"]').waitFor();
    // Audio goes out while the user still speaks: two slices sent before the second click stops it.
    await page.waitForFunction(
      () => Number(document.getElementById("mic")?.dataset.bytes ?? 0) > 0,
    );
    await until(
      () => sent.filter((f) => typeof f !== "string").length >= 2,
      "two audio slices sent",
    );
    // The page opened the newest conversation (the test above's), so only the
    // voice message's own bubble is looked for: it appears once recording stops.
    const voiceBubble = page.locator(".row.user .bubble", { hasText: "Voice message" });
    expect(await voiceBubble.count()).toBe(0);
    await mic.click();
    await page.locator(".row.user .bubble", { hasText: "Voice message" }).waitFor();
    const answer = page.locator(".row.agent .bubble", {
      hasText: /^echo: heard \d+ bytes of webm audio$/,
    });
    await answer.waitFor();
    expect(await page.locator('#mic[data-recording="false"]').count()).toBe(1);
    expect(sockets).toHaveLength(1);
    expect(sockets[0]).toMatch(/^\/api\/conversations\/[^/]+\/audio$/);
    const config = JSON.parse(String(sent[0]));
    expect(config).toMatchObject({ type: "audio.config", mime_type: "audio/webm;codecs=opus" });
    expect(JSON.parse(String(sent.at(-1)))).toEqual({ type: "audio.end" });
    const audio = sent.slice(1, -1);
    expect(audio.every((f) => typeof f !== "string")).toBe(true);
    const bytes = audio.reduce((n, f) => n + f.length, 0);
    // The agent heard exactly what the page streamed.
    expect(await answer.textContent()).toBe(`echo: heard ${bytes} bytes of webm audio`);
    expect(received.map((r) => JSON.parse(r).type)).toEqual(["audio.started", "audio.done"]);
    await page.screenshot({ path: "test-results/chat-voice.png" });
    await page.close();
  });
});
