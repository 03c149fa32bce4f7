import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { type Message, RenderableAction, StatusUpdate_Status } from "agentwire/schema";
import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { deferred } from "../helpers/step.js";
import { launchChromium } from "./support/chromium.js";
import { type Harness, startHarness } from "./support/harness.js";
import { delta, START } from "./support/payloads.js";
import { connectRawAgent, type RawAgent } from "./support/raw-agent.js";

// The chat page in Chromium against a hand-driven agent, for what a person
// sees when a reply is stopped, superseded or cut off, on a phone, in dark mode.

let browser: Browser;
let h: Harness | undefined;
let page: Page | undefined;
const pageErrors: Error[] = [];

beforeAll(async () => {
  mkdirSync("test-results", { recursive: true });
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
});

afterEach(async () => {
  await page?.close();
  page = undefined;
  await h?.stop();
  h = undefined;
  // Any error the page threw fails the test that caused it.
  expect(pageErrors.splice(0)).toEqual([]);
});

async function openChat(webUrl: string, viewport = { width: 1180, height: 760 }): Promise<Page> {
  page = await browser.newPage({ viewport });
  page.on("pageerror", (e) => pageErrors.push(e));
  await page.goto(webUrl);
  // Attached, not visible: at phone width the agent state is in the closed sidebar.
  await page
    .locator("#agent-state .agent-label", { hasText: "Agent connected" })
    .waitFor({ state: "attached" });
  return page;
}

async function say(p: Page, text: string): Promise<void> {
  await p.locator("#input").fill(text);
  await p.locator("#input").press("Enter");
}

const agentBubbles = (p: Page) =>
  p.locator(".row.agent .bubble").evaluateAll((ns) => ns.map((n) => n.textContent));

describe("the chat page", () => {
  it("renders nothing of a stopped reply that arrives after the stop, and the history keeps it Stopped", async () => {
    h = await startHarness();
    const agent = await h.registeredAgent();
    const p = await openChat(h.sidecar.webUrl);
    await say(p, "count");
    const msg = await agent.nextMessage();
    const id = msg.conversationId;
    const live = await h.sse(id);
    agent.reply(id, msg.responseId, START);
    agent.reply(id, msg.responseId, delta("1 "));
    await p.locator(".row.agent .bubble", { hasText: "1" }).waitFor();
    // Hold the cancel so a number streamed meanwhile reaches the page after its stop.
    const held = deferred<void>();
    const release = deferred<void>();
    await p.route("**/cancel", async (route) => {
      held.resolve();
      await release.promise;
      await route.continue();
    });
    await p.locator("#stop").click();
    await held.promise;
    agent.reply(id, msg.responseId, delta("2 "));
    await live.next((e) => e.event === "chunk" && e.data.content === "2 ");
    release.resolve();
    await agent.next((f) => f.payload.case === "feedback");
    // The next turn's reply comes after everything of the stopped one.
    await say(p, "next");
    const next = await agent.nextMessage();
    agent.replyText(id, next.responseId, "reply to next");
    await p.locator(".row.agent .bubble", { hasText: "reply to next" }).waitFor();
    expect(await agentBubbles(p)).toEqual(["1 ", "reply to next"]);
    expect(await p.locator(".row.agent .meta", { hasText: "Stopped" }).count()).toBe(1);
    // After a reload the history shows the stopped reply as stopped.
    await p.reload();
    await p.locator(".row.agent .bubble", { hasText: "reply to next" }).waitFor();
    expect(await p.locator(".row.user .bubble").count()).toBe(2);
    expect(await p.locator(".row.agent .bubble").count()).toBe(2);
    const stopped = p.locator(".row.agent", { has: p.locator(".meta", { hasText: "Stopped" }) });
    expect(await stopped.count()).toBe(1);
    expect(await stopped.locator(".bubble").textContent()).toMatch(/^1 /);
  });

  // Once a flake (issue 17): the sidecar ends the streams on a cancel, and when the
  // page saw that end only after the next turn began, it took it for a broken
  // connection and dropped the new reply. The page now expects that end and
  // waits for the stream to be back before it sends.
  it("Enter while a reply runs stops it and sends the new message (superseding)", async () => {
    h = await startHarness();
    const agent = await h.registeredAgent();
    const p = await openChat(h.sidecar.webUrl);
    await say(p, "first");
    const first = await agent.nextMessage();
    agent.reply(first.conversationId, first.responseId, START);
    agent.reply(first.conversationId, first.responseId, delta("partial"));
    await p.locator(".row.agent .bubble", { hasText: "partial" }).waitFor();
    await say(p, "second");
    const stop = await agent.next((f) => f.payload.case === "feedback");
    expect(stop.responseId).toBe(first.responseId);
    const second = await agent.nextMessage();
    expect(second.payload.case === "incomingMessage" && second.payload.value.content).toBe(
      "second",
    );
    agent.replyText(second.conversationId, second.responseId, "answer to second");
    await p.locator(".row.agent .bubble", { hasText: "answer to second" }).waitFor();
    expect(await agentBubbles(p)).toEqual(["partial", "answer to second"]);
    expect(await p.locator(".row.agent .meta", { hasText: "Stopped" }).count()).toBe(1);
    await p.locator("#send").waitFor({ state: "visible" });
  });

  it("labels a THINKING status as Thinking…, shows an injected message, and a form from dataSchema/value", async () => {
    h = await startHarness();
    const agent = await h.registeredAgent();
    const p = await openChat(h.sidecar.webUrl);
    await say(p, "plan");
    const msg = await agent.nextMessage();
    const id = msg.conversationId;
    agent.reply(id, msg.responseId, {
      case: "status",
      value: { status: StatusUpdate_Status.THINKING },
    });
    await p.locator("#status-line", { hasText: "Thinking…" }).waitFor();
    agent.reply(id, msg.responseId, {
      case: "incomingMessage",
      value: { id: "note-1", conversationId: id, content: "a note from the agent" },
    });
    await p.locator(".row.agent .bubble", { hasText: "a note from the agent" }).waitFor();
    agent.reply(id, msg.responseId, {
      case: "renderable",
      value: {
        id: "f1",
        message: "Where to?",
        dataSchemaJson: JSON.stringify({
          type: "object",
          properties: { city: { type: "string" } },
        }),
        valueJson: JSON.stringify({ city: "Oslo" }),
        allowedActions: [RenderableAction.SUBMIT, RenderableAction.CANCEL],
      },
    });
    const form = p.locator(".form-card", { hasText: "Where to?" });
    await form.waitFor();
    expect(await form.locator("input[name=city]").inputValue()).toBe("Oslo");
    expect(await form.locator("button").allTextContents()).toEqual(["Cancel", "Submit"]);
    await form.locator("button", { hasText: "Submit" }).click();
    const answer = await agent.next((f) => f.payload.case === "feedback");
    expect(answer.payload.value).toMatchObject({
      feedback: { case: "renderableResponse", value: { id: "f1", contentJson: '{"city":"Oslo"}' } },
    });
  });

  it("attaches a file: uploaded at once, sent with the message by key, the agent gets its storage_key", async () => {
    h = await startHarness();
    const agent = await h.registeredAgent();
    const p = await openChat(h.sidecar.webUrl);
    await p.locator("#file-input").setInputFiles({
      name: "notes.txt",
      mimeType: "text/plain",
      buffer: Buffer.from("remember the milk"),
    });
    await p.locator(".file-chip", { hasText: "notes.txt" }).waitFor();
    await say(p, "see the file");
    const msg = await agent.nextMessage();
    const sent = msg.payload.value as Message;
    expect(
      sent.attachments.map((a) => [a.filename, a.mimeType, a.url, Number(a.sizeBytes)]),
    ).toEqual([["notes.txt", "text/plain", "", 17]]);
    const bytes = await (await h.web(`/api/files/${sent.attachments[0]?.storageKey}`)).text();
    expect(bytes).toBe("remember the milk");
    await p.locator(".row.user .bubble", { hasText: "notes.txt" }).waitFor();
    expect(await p.locator(".file-chip").count()).toBe(0);
    agent.replyText(msg.conversationId, msg.responseId, "got it");
    await p.locator(".row.agent .bubble", { hasText: "got it" }).waitFor();
    // The history names the file too.
    await p.reload();
    await p.locator(".row.agent .bubble", { hasText: "got it" }).waitFor();
    expect(await p.locator(".row.user .bubble .file-names").textContent()).toContain("notes.txt");
  });

  it("lists the sidecar's conversations with their titles, and deletes one from the list", async () => {
    h = await startHarness();
    const agent = await h.registeredAgent();
    // A conversation another client had with the sidecar.
    const other = await h.conversation();
    expect((await h.send(other, "Plan a trip to Oslo in May")).status).toBe(200);
    const msg = await agent.nextMessage();
    agent.replyText(other, msg.responseId, "sure");
    const done = await h.sse(other);
    await done.nextEvent("finish");
    const p = await openChat(h.sidecar.webUrl);
    const item = p.locator(".conversation-item", { hasText: "Plan a trip to Oslo in May" });
    await item.waitFor();
    // Opening it shows its history.
    await p.locator(".row.agent .bubble", { hasText: "sure" }).waitFor();
    await item.hover();
    await item.locator(".conversation-delete").click();
    await item.waitFor({ state: "detached" });
    expect((await h.web(`/api/chat/conversations/${other}`)).status).toBe(404);
    expect(await p.locator("#chat-title").textContent()).toBe("New chat");
  });

  it("at 390x844 the sidebar (New chat, the list, the agent state) opens from a toggle", async () => {
    h = await startHarness();
    await h.registeredAgent();
    const p = await openChat(h.sidecar.webUrl, { width: 390, height: 844 });
    expect(await p.locator("#new-chat").isVisible()).toBe(false);
    const toggle = p.locator("#sidebar-toggle");
    expect(await toggle.isVisible()).toBe(true);
    await p.screenshot({ path: "test-results/chat-phone.png" });
    await toggle.click();
    expect(await toggle.getAttribute("aria-expanded")).toBe("true");
    for (const part of ["#new-chat", "#conversation-list", "#agent-state"]) {
      expect([part, await p.locator(part).isVisible()]).toEqual([part, true]);
    }
    const box = await p.locator("#sidebar").boundingBox();
    expect(box?.x).toBe(0);
    expect(box?.width).toBeLessThanOrEqual(390);
    await p.screenshot({ path: "test-results/chat-phone-sidebar.png" });
    await p.locator("#new-chat").click();
    expect(await p.locator("#new-chat").isVisible()).toBe(false);
    expect(await toggle.getAttribute("aria-expanded")).toBe("false");
  });

  it("the user bubble's text has a contrast of at least 4.5:1 in light and dark mode", async () => {
    h = await startHarness();
    await h.registeredAgent();
    const p = await openChat(h.sidecar.webUrl);
    await say(p, "contrast");
    const bubble = p.locator(".row.user .bubble").first();
    await bubble.waitFor();
    for (const colorScheme of ["light", "dark"] as const) {
      await p.emulateMedia({ colorScheme });
      const worst = await bubble.evaluate((node) => {
        const rgb = (s: string) => (s.match(/[\d.]+/g) ?? []).slice(0, 3).map(Number);
        const lum = (c: number[]) => {
          const [r = 0, g = 0, b = 0] = c.map((v) => {
            const x = v / 255;
            return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
          });
          return 0.2126 * r + 0.7152 * g + 0.0722 * b;
        };
        const style = getComputedStyle(node);
        const text = lum(rgb(style.color));
        // Every colour stop of the background gradient (or the plain background colour).
        const stops = style.backgroundImage.match(/rgba?\([^)]*\)/g) ?? [style.backgroundColor];
        return Math.min(
          ...stops.map((s) => {
            const [hi, lo] = [text, lum(rgb(s))].sort((a, b) => b - a) as [number, number];
            return (hi + 0.05) / (lo + 0.05);
          }),
        );
      });
      expect([colorScheme, worst]).toEqual([colorScheme, expect.any(Number)]);
      expect(worst, `${colorScheme} mode`).toBeGreaterThanOrEqual(4.5);
    }
    await p.screenshot({ path: "test-results/chat-dark-user.png" });
  });
});

/** A free port on 127.0.0.1. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const root = fileURLToPath(new URL("../../", import.meta.url));

/** `agentwire dev --no-agent` in a child process, so the test can kill it as a crash would. */
async function sidecarProcess(grpcPort: number, webPort: number): Promise<ChildProcess> {
  // node itself with the tsx loader, not the tsx CLI: a SIGKILL must reach the server.
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      "bin/agentwire.ts",
      "dev",
      "--grpc-port",
      String(grpcPort),
      "--web-port",
      String(webPort),
      "--no-agent",
    ],
    { cwd: root, stdio: ["ignore", "pipe", "pipe"] },
  );
  const ready = deferred<void>();
  let output = "";
  child.stdout?.on("data", (d: Buffer) => {
    output += d.toString();
    if (output.includes("Press Ctrl-C")) ready.resolve();
  });
  child.stderr?.on("data", (d: Buffer) => {
    output += d.toString();
  });
  child.on("exit", () => ready.reject(new Error(`the sidecar exited:\n${output}`)));
  await ready.promise;
  return child;
}

describe("a sidecar that dies mid-reply", () => {
  const children: ChildProcess[] = [];
  const agents: RawAgent[] = [];
  afterEach(async () => {
    for (const a of agents.splice(0)) a.abort();
    for (const c of children.splice(0)) {
      if (c.exitCode === null && c.signalCode === null) {
        const exited = new Promise((resolve) => c.once("exit", resolve));
        c.kill("SIGKILL");
        await exited;
      }
    }
  });

  it("ends the reply with an error, and Enter sends again once the sidecar is back", async () => {
    const [grpcPort, webPort] = [await freePort(), await freePort()];
    const first = await sidecarProcess(grpcPort, webPort);
    children.push(first);
    const grpcUrl = `http://127.0.0.1:${grpcPort}`;
    const agent = connectRawAgent(grpcUrl);
    agents.push(agent);
    const p = await openChat(`http://127.0.0.1:${webPort}`);
    await say(p, "count");
    const msg = await agent.nextMessage();
    agent.reply(msg.conversationId, msg.responseId, START);
    agent.reply(msg.conversationId, msg.responseId, delta("1 "));
    await p.locator(".row.agent .bubble", { hasText: "1" }).waitFor();
    const exited = new Promise((resolve) => first.once("exit", resolve));
    first.kill("SIGKILL");
    await exited;
    await p.locator(".error-card", { hasText: "connection to the sidecar broke" }).waitFor();
    await p.locator("#send").waitFor({ state: "visible" });
    expect(await p.locator("#stop").isHidden()).toBe(true);
    expect(await p.locator(".row.agent .bubble.streaming").count()).toBe(0);

    children.push(await sidecarProcess(grpcPort, webPort));
    const again = connectRawAgent(grpcUrl);
    agents.push(again);
    await p
      .locator("#agent-state .agent-label", { hasText: "Agent connected" })
      .waitFor({ state: "attached" });
    await say(p, "are you back?");
    const next = await again.nextMessage();
    expect(next.payload.case === "incomingMessage" && next.payload.value.content).toBe(
      "are you back?",
    );
    again.replyText(next.conversationId, next.responseId, "I am back");
    await p.locator(".row.agent .bubble", { hasText: "I am back" }).waitFor();
  }, 60_000);
});
