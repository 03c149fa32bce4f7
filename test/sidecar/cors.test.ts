import { afterEach, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "./support/harness.js";

let h: Harness;
afterEach(async () => {
  await h.stop();
});

const ALLOWED = "http://localhost:5173";

const preflight = (origin: string, path = "/api/conversations") =>
  h.web(path, {
    method: "OPTIONS",
    headers: {
      origin,
      "access-control-request-method": "POST",
      "access-control-request-headers": "content-type",
    },
  });

const createFrom = (origin: string) =>
  h.web("/api/conversations", {
    method: "POST",
    headers: { origin, "sec-fetch-site": "cross-site", "content-type": "application/json" },
  });

describe("CORS", () => {
  it("is off by default: a preflight is refused, no allow header, the guard refuses", async () => {
    h = await startHarness();
    const pre = await preflight(ALLOWED);
    expect(pre.status).toBe(403);
    expect(pre.headers.get("access-control-allow-origin")).toBeNull();
    const post = await createFrom(ALLOWED);
    expect(post.status).toBe(403);
    expect(post.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("with corsOrigin lets exactly that origin in, and still refuses every other", async () => {
    h = await startHarness({ corsOrigin: ALLOWED });
    const pre = await preflight(ALLOWED, "/api/chat/conversations/x");
    expect(pre.status).toBe(204);
    expect(pre.headers.get("access-control-allow-origin")).toBe(ALLOWED);
    expect(pre.headers.get("access-control-allow-methods")).toContain("DELETE");
    expect(pre.headers.get("access-control-allow-headers")).toContain("content-type");
    const post = await createFrom(ALLOWED);
    expect(post.status).toBe(201);
    expect(post.headers.get("access-control-allow-origin")).toBe(ALLOWED);
    expect(post.headers.get("vary")).toBe("Origin");
    const { conversation_id: id } = (await post.json()) as { conversation_id: string };
    const stream = await h.web(`/api/conversations/${id}/stream`, { headers: { origin: ALLOWED } });
    expect(stream.headers.get("access-control-allow-origin")).toBe(ALLOWED);
    await stream.body?.cancel();
    for (const other of [
      "http://localhost:5174",
      "https://localhost:5173",
      "http://evil.example",
    ]) {
      const otherPre = await preflight(other);
      expect([other, otherPre.status]).toEqual([other, 403]);
      const otherPost = await createFrom(other);
      expect([other, otherPost.status]).toEqual([other, 403]);
      expect(otherPost.headers.get("access-control-allow-origin")).toBeNull();
    }
  });

  it("refuses a corsOrigin that is not one origin, naming the option", async () => {
    h = await startHarness();
    for (const bad of ["*", "localhost:5173", "http://localhost:5173/app", "ftp://x.example"]) {
      await expect(startHarness({ corsOrigin: bad })).rejects.toThrow(/corsOrigin/);
    }
  });
});
