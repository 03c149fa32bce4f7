import type { Browser } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "./support/chromium.js";
import { type Harness, startHarness } from "./support/harness.js";

// The chat page's voice message in Chromium with a fake microphone, against
// a hand-driven agent: the agent hears the audio while the user still
// records, and a missing agent stops the recording with an error.

let h: Harness;
let browser: Browser;
const pageErrors: Error[] = [];

beforeAll(async () => {
  h = await startHarness();
  browser = await launchChromium({ fakeMicrophone: true });
}, 60_000);

afterEach(() => {
  expect(pageErrors.splice(0)).toEqual([]);
});

afterAll(async () => {
  await browser?.close();
  await h?.stop();
});

describe("the chat page's voice message", () => {
  it("with no agent: the recording stops and the page says why", async () => {
    const page = await browser.newPage();
    page.on("pageerror", (e) => pageErrors.push(e));
    await page.goto(h.sidecar.webUrl);
    await page.locator("#agent-state .agent-label", { hasText: "No agent connected" }).waitFor();
    await page.locator("#mic").click();
    await page.locator(".error-card", { hasText: "no agent is connected" }).waitFor();
    await page.locator('#mic[data-recording="false"]').waitFor();
    expect(await page.locator(".row.user").count()).toBe(0);
    expect(await page.locator("#stop").isHidden()).toBe(true);
    await page.close();
  });

  it("reaches the agent while the user records; the agent's answer shows", async () => {
    const agent = await h.registeredAgent();
    const page = await browser.newPage();
    page.on("pageerror", (e) => pageErrors.push(e));
    await page.goto(h.sidecar.webUrl);
    await page.locator("#agent-state .agent-label", { hasText: "Agent connected" }).waitFor();
    await page.locator("#mic").click();
    const config = await agent.next((f) => f.payload.case === "audioConfig");
    // Two chunks at the agent while the microphone still records.
    await agent.next((f) => f.payload.case === "audioChunk");
    await agent.next((f) => f.payload.case === "audioChunk");
    expect(await page.locator('#mic[data-recording="true"]').count()).toBe(1);
    expect(agent.received.some((f) => f.payload.case === "incomingMessage")).toBe(false);
    await page.locator("#mic").click();
    const placeholder = await agent.nextMessage();
    expect(placeholder.responseId).toBe(config.responseId);
    expect(placeholder.payload.value).toMatchObject({ content: "[audio]", platform: "web" });
    const chunks = agent.received.flatMap((f) =>
      f.payload.case === "audioChunk" ? [f.payload.value] : [],
    );
    expect(chunks.map((c) => Number(c.sequence))).toEqual(chunks.map((_, i) => i + 1));
    expect(chunks.at(-1)?.done).toBe(true);
    // WebM starts with the EBML magic number: the first chunk is the recording's start.
    expect(
      Buffer.from(chunks[0]?.data ?? [])
        .subarray(0, 4)
        .toString("hex"),
    ).toBe("1a45dfa3");
    await page.locator(".row.user .bubble", { hasText: /^Voice message · \d+\.\d s$/ }).waitFor();
    agent.replyText(config.conversationId, config.responseId, "I heard ", "you");
    await page.locator(".row.agent .bubble", { hasText: "I heard you" }).waitFor();
    await page.locator("#send").waitFor({ state: "visible" });
    await page.close();
  });
});
