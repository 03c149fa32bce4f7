import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "./support/chromium.js";
import { type Harness, startHarness } from "./support/harness.js";
import type { RawAgent } from "./support/raw-agent.js";

// A hostile page on another origin (another port of 127.0.0.1: same site,
// other origin) tries every state-changing route of the dev sidecar in
// Chromium; each must be refused, while the chat page itself keeps working.

let h: Harness;
let browser: Browser;
let hostile: Server;
let hostileUrl: string;
let agent: RawAgent;

/** The hostile page: fires forged requests at the sidecar, then sets `window.done`. */
function hostilePage(sidecar: string, id: string): string {
  const conv = `${sidecar}/api/conversations/${id}`;
  return `<!doctype html><html><body>
<form id="f" method="POST" action="${conv}/messages" enctype="text/plain" target="sink">
  <input name='{"content":"forged by a form","x":"' value='"}'>
</form>
<iframe name="sink"></iframe>
<script>
(async function () {
  var simple = { method: "POST", mode: "no-cors", headers: { "content-type": "text/plain" } };
  var forgedForm = new FormData();
  forgedForm.append("audio", new Blob(["forged audio"], { type: "audio/webm" }), "a.webm");
  var attempts = [
    ["${sidecar}/api/conversations", { method: "POST", mode: "no-cors" }],
    ["${conv}/messages", Object.assign({ body: '{"content":"forged"}' }, simple)],
    ["${conv}/cancel", { method: "POST", mode: "no-cors" }],
    ["${conv}/audio", Object.assign({ body: "RIFF forged audio" }, simple)],
    ["${conv}/renderables/form-1", Object.assign({ body: '{"action":"cancel"}' }, simple)],
    // The deployed adapter's multipart upload: a simple request too, refused by its origin.
    ["${conv}/audio", { method: "POST", mode: "no-cors", body: forgedForm }],
    // A preflighted request: the sidecar never allows it, so it is not even sent.
    ["${conv}/messages", { method: "POST", headers: { "content-type": "application/json" }, body: '{"content":"forged json"}' }],
  ];
  var results = [];
  for (var a of attempts) {
    try { await fetch(a[0], a[1]); results.push("sent"); } catch (e) { results.push("blocked"); }
  }
  // A WebSocket is not covered by CORS: the sidecar must refuse the upgrade itself.
  results.push(await new Promise(function (resolve) {
    var ws = new WebSocket("${sidecar.replace(/^http/, "ws")}/api/conversations/${id}/audio");
    ws.onopen = function () { ws.close(); resolve("ws open"); };
    ws.onclose = function () { resolve("ws refused"); };
  }));
  var sink = document.querySelector("iframe");
  await new Promise(function (resolve) { sink.onload = resolve; document.getElementById("f").submit(); });
  window.results = results;
  window.done = true;
})();
</script></body></html>`;
}

beforeAll(async () => {
  h = await startHarness();
  agent = await h.registeredAgent();
  hostile = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(hostilePage(h.sidecar.webUrl, hostileConversation));
  });
  await new Promise<void>((resolve) => hostile.listen(0, "127.0.0.1", resolve));
  hostileUrl = `http://127.0.0.1:${(hostile.address() as AddressInfo).port}/`;
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  hostile?.closeAllConnections();
  await new Promise<void>((resolve) => (hostile ? hostile.close(() => resolve()) : resolve()));
  await h?.stop();
});

let hostileConversation = "";

describe("a page on another origin", () => {
  it("gets every state-changing route refused, and the agent sees none of it", async () => {
    hostileConversation = await h.conversation();
    expect((await h.send(hostileConversation, "a running turn")).status).toBe(200);
    const running = await agent.nextMessage();
    const conversationsBefore = h.sidecar.conversationCount;

    const page = await browser.newPage();
    const errors: Error[] = [];
    page.on("pageerror", (e) => errors.push(e));
    const answers: string[] = [];
    page.on("response", (r) => {
      const req = r.request();
      if (r.url().startsWith(h.sidecar.webUrl)) {
        answers.push(`${req.method()} ${new URL(r.url()).pathname} ${r.status()}`);
      }
    });
    await page.goto(hostileUrl);
    await page.waitForFunction(() => (window as unknown as { done?: boolean }).done === true);
    const results = await page.evaluate(() => (window as unknown as { results: string[] }).results);
    expect(errors).toEqual([]);
    // The preflighted request never left the browser; the simple ones did and were refused.
    expect(results).toEqual([
      "sent",
      "sent",
      "sent",
      "sent",
      "sent",
      "sent",
      "blocked",
      "ws refused",
    ]);
    const conv = `/api/conversations/${hostileConversation}`;
    const posts = answers.filter((a) => a.startsWith("POST "));
    expect(posts.sort()).toEqual(
      [
        "POST /api/conversations 403",
        `POST ${conv}/messages 403`,
        `POST ${conv}/cancel 403`,
        `POST ${conv}/audio 403`,
        `POST ${conv}/audio 403`,
        `POST ${conv}/renderables/form-1 403`,
        `POST ${conv}/messages 403`, // the form
      ].sort(),
    );
    expect(answers.filter((a) => !a.startsWith("POST ") && !a.startsWith("OPTIONS "))).toEqual([]);
    expect(h.sidecar.conversationCount).toBe(conversationsBefore);

    // Nothing forged reached the agent: the next frame it gets is the real stop.
    expect((await h.post(`${conv}/cancel`)).status).toBe(204);
    const next = await agent.next();
    expect(next.payload.case).toBe("feedback");
    expect(next.responseId).toBe(running.responseId);
    await page.close();
  });

  it("leaves the chat page itself working (same origin)", async () => {
    const page = await browser.newPage();
    const errors: Error[] = [];
    page.on("pageerror", (e) => errors.push(e));
    await page.goto(h.sidecar.webUrl);
    await page.locator("#agent-state .agent-label", { hasText: "Agent connected" }).waitFor();
    await page.locator("#input").fill("hello from my own page");
    await page.locator("#input").press("Enter");
    const msg = await agent.nextMessage();
    expect(msg.payload.case === "incomingMessage" && msg.payload.value.content).toBe(
      "hello from my own page",
    );
    agent.replyText(msg.conversationId, msg.responseId, "answered");
    await page.locator(".row.agent .bubble", { hasText: "answered" }).waitFor();
    await page.locator("#send").waitFor({ state: "visible" });
    expect(errors).toEqual([]);
    await page.close();
  });
});
