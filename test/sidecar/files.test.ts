import { Attachment_Type, type Message } from "agentwire/schema";
import { afterEach, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "./support/harness.js";

let h: Harness;
afterEach(async () => {
  await h.stop();
});

interface FileMeta {
  key: string;
  filename: string;
  mime_type: string;
  size_bytes: number;
  url: string;
  created_at: string;
}

/** Uploads as the chat page's origin does: multipart with a `file` field. */
function uploadForm(name: string, type: string, bytes: Uint8Array, origin = h.sidecar.webUrl) {
  const form = new FormData();
  form.set("file", new Blob([bytes as Uint8Array<ArrayBuffer>], { type }), name);
  return h.web("/api/files", { method: "POST", headers: { origin }, body: form });
}

describe("the files API", () => {
  it("takes a multipart upload, serves it back as a download, and deletes it", async () => {
    h = await startHarness();
    const bytes = new TextEncoder().encode("<script>alert(1)</script>");
    const res = await uploadForm("notes <1>.html", "text/html", bytes);
    expect(res.status).toBe(201);
    const meta = (await res.json()) as FileMeta;
    expect(meta).toMatchObject({
      filename: "notes <1>.html",
      mime_type: "text/html",
      size_bytes: bytes.length,
      url: `/api/files/${meta.key}`,
    });
    const got = await h.web(meta.url);
    expect(got.status).toBe(200);
    expect(new Uint8Array(await got.arrayBuffer())).toEqual(bytes);
    expect(got.headers.get("content-type")).toBe("text/html");
    // Never rendered in the chat page's origin.
    expect(got.headers.get("content-disposition")).toMatch(
      /^attachment; filename\*=UTF-8''notes%20/,
    );
    expect(got.headers.get("content-security-policy")).toContain("sandbox");
    const del = await h.web(meta.url, {
      method: "DELETE",
      headers: { origin: h.sidecar.webUrl },
    });
    expect(del.status).toBe(204);
    expect((await h.web(meta.url)).status).toBe(404);
  });

  it("takes raw bytes with their content type and ?filename=", async () => {
    h = await startHarness();
    const res = await h.web("/api/files?filename=report.pdf", {
      method: "POST",
      headers: { "content-type": "application/pdf" },
      body: new Uint8Array([37, 80, 68, 70]),
    });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({
      filename: "report.pdf",
      mime_type: "application/pdf",
      size_bytes: 4,
    });
  });

  it("sends a message's [{key}] attachments to the agent with storage_key and no url, and keeps them in history", async () => {
    h = await startHarness();
    const agent = await h.registeredAgent();
    const png = new Uint8Array(300).fill(9);
    const meta = (await (await uploadForm("cat.png", "image/png", png)).json()) as FileMeta;
    const id = await h.conversation();
    const res = await h.post(`/api/conversations/${id}/messages`, {
      content: "look",
      attachments: [{ key: meta.key }],
    });
    expect(res.status).toBe(200);
    const msg = (await agent.nextMessage()).payload.value as Message;
    expect(msg.attachments).toHaveLength(1);
    expect(msg.attachments[0]).toMatchObject({
      type: Attachment_Type.IMAGE,
      url: "",
      filename: "cat.png",
      mimeType: "image/png",
      sizeBytes: 300n,
      storageKey: meta.key,
    });
    // The agent fetches the bytes by key from the files API.
    const bytes = new Uint8Array(
      await (await h.web(`/api/files/${msg.attachments[0]?.storageKey}`)).arrayBuffer(),
    );
    expect(bytes).toEqual(png);
    const history = (await (await h.web(`/api/conversations/${id}/history`)).json()) as {
      messages: { attachments?: { storage_key: string }[] }[];
    };
    expect(history.messages[0]?.attachments?.[0]?.storage_key).toBe(meta.key);
    const unknown = await h.post(`/api/conversations/${id}/messages`, {
      content: "again",
      attachments: [{ key: "nope" }],
    });
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({ error: "unknown_file" });
  });

  it("bounds a file's size and the store's count, and refuses cross-site uploads", async () => {
    h = await startHarness({ maxFileBytes: 1000, maxFiles: 2 });
    const big = await uploadForm("big.bin", "application/octet-stream", new Uint8Array(1001));
    expect(big.status).toBe(413);
    const rawBig = await h.web("/api/files", {
      method: "POST",
      headers: { "content-type": "application/octet-stream" },
      body: new Uint8Array(1001),
    });
    expect(rawBig.status).toBe(413);
    expect((await uploadForm("a", "text/plain", new Uint8Array(10))).status).toBe(201);
    expect((await uploadForm("b", "text/plain", new Uint8Array(10))).status).toBe(201);
    const full = await uploadForm("c", "text/plain", new Uint8Array(10));
    expect(full.status).toBe(507);
    expect(await full.json()).toMatchObject({ error: "file_store_full" });
    expect(
      (await uploadForm("d", "text/plain", new Uint8Array(10), "http://evil.example")).status,
    ).toBe(403);
    // Multipart is a type any page may send: without a same-origin sign it is refused.
    const form = new FormData();
    form.set("file", new Blob(["x"]), "x.txt");
    expect((await h.web("/api/files", { method: "POST", body: form })).status).toBe(415);
    await expect(startHarness({ maxFiles: 0 })).rejects.toThrow(/maxFiles/);
  });
});
