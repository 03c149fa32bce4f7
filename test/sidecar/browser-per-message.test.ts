import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEchoAgent } from "../../examples/echo-agent.js";
import { launchChromium } from "./support/chromium.js";
import { type Harness, startHarness } from "./support/harness.js";

// A web client as the upstream playground is written, in Chromium: for each
// message it POSTs, then (8–30 ms later) opens a new EventSource for that
// message's reply, against the echo agent, which is done before the stream
// connects. Served from its own origin, let in with corsOrigin.

let h: Harness;
let agent: ReturnType<typeof startEchoAgent>;
let browser: Browser;
let client: Server;
let clientUrl: string;

const SENDS = 50;

/** The client page: `window.run(api, n)` resolves with one result per send. */
const CLIENT_PAGE = `<!doctype html><html><body><script>
function once(api, id, i) {
  var text = "message " + i + " with a few words";
  return fetch(api + "/api/conversations/" + id + "/messages", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ content: text }),
  }).then(function (res) {
    if (res.status !== 200) return { i: i, status: res.status };
    return res.json().then(function (sent) {
      // The playground opens its stream 8-30 ms after the POST answered.
      return new Promise(function (r) { setTimeout(r, 8 + (i * 7) % 23); }).then(function () {
        return new Promise(function (resolve) {
          var es = new EventSource(api + "/api/conversations/" + id + "/stream");
          var reply = "", started = false, errors = 0;
          // A stream that never finishes is a hang: give up on it after 10 s and report it.
          var timer = setTimeout(function () { es.close(); resolve({ i: i, text: reply, started: started, finished: false }); }, 10000);
          es.addEventListener("chunk", function (ev) {
            var d = JSON.parse(ev.data);
            if (d.response_id !== sent.message_id) return;
            if (d.chunk_type === "start") { started = true; reply = d.content; }
            else if (d.chunk_type === "replace") reply = d.content;
            else reply += d.content;
          });
          es.addEventListener("finish", function (ev) {
            var d = JSON.parse(ev.data);
            if (d.response_id !== sent.message_id) return;
            clearTimeout(timer);
            es.close();
            resolve({ i: i, text: reply, started: started, finished: true, expected: "echo: " + text });
          });
          es.addEventListener("error", function (ev) { if (ev.data) errors++; });
        });
      });
    });
  });
}
window.run = function (api, n) {
  return fetch(api + "/api/conversations", { method: "POST", headers: { "content-type": "application/json" } })
    .then(function (r) { return r.json(); })
    .then(function (c) {
      var results = [];
      var chain = Promise.resolve();
      for (var i = 0; i < n; i++) (function (i) {
        chain = chain.then(function () { return once(api, c.conversation_id, i); }).then(function (r) { results.push(r); });
      })(i);
      return chain.then(function () { return results; });
    });
};
</script></body></html>`;

beforeAll(async () => {
  client = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(CLIENT_PAGE);
  });
  await new Promise<void>((resolve) => client.listen(0, "127.0.0.1", resolve));
  clientUrl = `http://127.0.0.1:${(client.address() as AddressInfo).port}`;
  h = await startHarness({ corsOrigin: clientUrl });
  agent = startEchoAgent({ address: new URL(h.sidecar.grpcUrl).host });
  await agent.ready;
  await h.sidecar.whenAgentConnected();
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await agent?.close();
  await h?.stop();
  client?.closeAllConnections();
  await new Promise<void>((resolve) => (client ? client.close(() => resolve()) : resolve()));
});

interface Result {
  i: number;
  status?: number;
  text?: string;
  expected?: string;
  started?: boolean;
  finished?: boolean;
}

describe("a client that opens its event stream per message", () => {
  it(`gets every reply whole and every finish, ${SENDS} of ${SENDS}`, async () => {
    const page = await browser.newPage();
    const errors: Error[] = [];
    page.on("pageerror", (e) => errors.push(e));
    await page.goto(`${clientUrl}/`);
    const results = (await page.evaluate(
      ([api, n]) =>
        (window as unknown as { run(a: string, n: number): Promise<unknown> }).run(api, n),
      [h.sidecar.webUrl, SENDS] as const,
    )) as Result[];
    await page.close();
    expect(errors).toEqual([]);
    expect(results).toHaveLength(SENDS);
    const bad = results.filter(
      (r) => r.status !== undefined || !r.finished || !r.started || r.text !== r.expected,
    );
    expect(bad).toEqual([]);
  }, 120_000);
});
