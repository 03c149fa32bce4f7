import { AgentwireError, createMailbox, type Mailbox } from "agentwire/mailbox";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningServer, startServer } from "./support/server.js";

const adminKey = "admin-key-of-the-token-test-0123456789";

async function reason(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AgentwireError);
  return (error as AgentwireError).reason;
}

describe("token mode", () => {
  let server: RunningServer;
  const clients: Mailbox[] = [];
  const client = (agentId: string, token?: string) => {
    const m = createMailbox({ agentId, baseUrl: server.url, token });
    clients.push(m);
    return m;
  };
  let tokens: Record<string, string>;
  beforeAll(async () => {
    server = await startServer({ auth: "tokens", adminKey });
    tokens = {};
    for (const id of ["alice@tok", "bob@tok"]) {
      const registration = await client(id, adminKey).register();
      expect(registration.created).toBe(true);
      expect(typeof registration.token).toBe("string");
      tokens[id] = registration.token as string;
    }
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await server.close();
  });

  it("an agent with its own token sends and reads", async () => {
    const alice = client("alice@tok", tokens["alice@tok"]);
    const bob = client("bob@tok", tokens["bob@tok"]);
    const sent = await alice.send("bob@tok", { hello: "bob" });
    const [d] = await bob.unread();
    expect(d?.message.id).toBe(sent.messageId);
    expect(d?.message.from).toBe("alice@tok");
  });

  it("a client with another agent's token is refused with a typed forbidden error, and nothing changes", async () => {
    const bob = client("bob@tok", tokens["bob@tok"]);
    const before = (await bob.unread()).length;
    const spoof = client("alice@tok", tokens["bob@tok"]); // claims alice, proves bob
    expect(await reason(spoof.send("bob@tok", { forged: true }))).toBe("forbidden");
    expect(await reason(spoof.unread())).toBe("forbidden");
    expect(await reason(spoof.threads())).toBe("forbidden");
    const watchEnd = await (async () => {
      try {
        for await (const _ of spoof.watch()) return "delivered";
        return "ended";
      } catch (e) {
        return (e as AgentwireError).reason;
      }
    })();
    expect(watchEnd).toBe("forbidden");
    expect((await bob.unread()).length).toBe(before);
  });

  it("no token, or an unknown one, is unauthenticated", async () => {
    expect(await reason(client("alice@tok").unread())).toBe("unauthenticated");
    expect(await reason(client("alice@tok", "not-a-token").unread())).toBe("unauthenticated");
  });
});
