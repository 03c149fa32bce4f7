import { Code, ConnectError, createRouterTransport, type Interceptor } from "@connectrpc/connect";
import { AgentwireError, createMailbox } from "agentwire/mailbox";
import { describe, expect, it } from "vitest";
import { MailboxService } from "../../../gen/agentwire/mailbox/v1/service_pb.js";

// Which calls are retried, over an in-memory transport whose answers a test
// scripts (a unit test of the client's logic; the real server is elsewhere).

function scripted(failures: Code[]) {
  const calls = { unread: 0, send: 0 };
  const next = () => {
    const code = failures.shift();
    if (code !== undefined) throw new ConnectError("scripted failure", code);
  };
  const transport = createRouterTransport(({ service }) => {
    service(MailboxService, {
      unread() {
        calls.unread++;
        next();
        return { deliveries: [], contexts: {} };
      },
      send() {
        calls.send++;
        next();
        return { messageId: "m1", threadId: "t1", deliveredTo: ["b@t"], timestampMs: 1n };
      },
    });
  });
  const mailbox = createMailbox({ agentId: "a@t", transport, initialDelayMs: 1, maxDelayMs: 2 });
  return { mailbox, calls };
}

async function reasonOf(p: Promise<unknown>): Promise<string> {
  return p.then(
    () => "resolved",
    (e: unknown) => (e instanceof AgentwireError ? e.reason : "untyped"),
  );
}

describe("retries", () => {
  it("an idempotent read is retried after a retryable failure, up to readAttempts", async () => {
    const ok = scripted([Code.Unavailable, Code.Unavailable]);
    expect(await ok.mailbox.unread()).toEqual([]);
    expect(ok.calls.unread).toBe(3);
    const out = scripted([Code.Unavailable, Code.Unavailable, Code.Unavailable]);
    expect(await reasonOf(out.mailbox.unread())).toBe("rpc_failed");
    expect(out.calls.unread).toBe(3);
  });

  it("a refusal is not retried, and a send is never retried", async () => {
    const refused = scripted([Code.PermissionDenied]);
    expect(await reasonOf(refused.mailbox.unread())).toBe("forbidden");
    expect(refused.calls.unread).toBe(1);
    const send = scripted([Code.Unavailable]);
    expect(await reasonOf(send.mailbox.send("b@t", { x: 1 }))).toBe("rpc_failed");
    expect(send.calls.send).toBe(1);
    const tooLarge = scripted([Code.ResourceExhausted]);
    expect(await reasonOf(tooLarge.mailbox.unread())).toBe("too_large");
    expect(tooLarge.calls.unread).toBe(1);
  });

  it("the caller's deadline covers the retries and is never retried itself", async () => {
    let calls = 0;
    const m = createMailbox({
      agentId: "a@t",
      transport: createRouterTransport(({ service }) => {
        service(MailboxService, {
          unread() {
            calls++;
            throw new ConnectError("down", Code.Unavailable);
          },
        });
      }),
      readAttempts: 1000,
      initialDelayMs: 20,
      maxDelayMs: 20,
    });
    expect(await reasonOf(m.unread({ timeoutMs: 100 }))).toBe("timeout");
    expect(calls).toBeGreaterThan(1); // retried within the deadline
    expect(calls).toBeLessThan(1000); // and stopped by it
  });

  it("reason unavailable (a client-side limiter's refusal) is retried on a read, never on a send", async () => {
    const attempts = { Unread: 0, Send: 0 };
    const limiter: Interceptor = (next) => async (req) => {
      const name = req.method.name as keyof typeof attempts;
      if (attempts[name]++ === 0)
        throw new AgentwireError("unavailable", "too many calls in flight", Code.Unavailable);
      return next(req);
    };
    const transport = createRouterTransport(
      ({ service }) => {
        service(MailboxService, {
          unread: () => ({ deliveries: [], contexts: {} }),
          send: () => ({ messageId: "m1", threadId: "t1", deliveredTo: ["b@t"], timestampMs: 1n }),
        });
      },
      { transport: { interceptors: [limiter] } },
    );
    const m = createMailbox({ agentId: "a@t", transport, initialDelayMs: 1, maxDelayMs: 2 });
    expect(await m.unread()).toEqual([]);
    expect(attempts.Unread).toBe(2);
    expect(await reasonOf(m.send("b@t", { x: 1 }))).toBe("unavailable");
    expect(attempts.Send).toBe(1);
  });
});
