import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { createAgentClient, createSession } from "agentwire";
import { HealthCheckResponse_Status } from "agentwire/schema";
import { describe, expect, it } from "vitest";
import { projectRoot } from "../helpers/buf.js";
import { Inbox } from "../helpers/step.js";

// A second, independent server implementation: @grpc/grpc-js with the
// project's own .proto files loaded by @grpc/proto-loader (protobufjs).

type Json = Record<string, unknown>;

async function startGrpcJsSidecar() {
  const definition = protoLoader.loadSync("astro/messaging/v1/service.proto", {
    includeDirs: [join(projectRoot, "proto")],
    keepCase: true,
    longs: String,
    enums: String,
    defaults: false,
    oneofs: true,
  });
  const pkg = grpc.loadPackageDefinition(definition) as unknown as {
    astro: { messaging: { v1: { AgentMessaging: grpc.ServiceClientConstructor } } };
  };
  const streams = new Inbox<{ received: Inbox<Json>; call: grpc.ServerDuplexStream<Json, Json> }>();
  const server = new grpc.Server();
  server.addService(pkg.astro.messaging.v1.AgentMessaging.service, {
    ProcessConversation(call: grpc.ServerDuplexStream<Json, Json>) {
      const received = new Inbox<Json>();
      call.on("data", received.push);
      call.on("end", () => call.end());
      call.on("error", () => {});
      streams.push({ received, call });
    },
    HealthCheck(_: unknown, cb: grpc.sendUnaryData<Json>) {
      cb(null, { status: "HEALTHY", version: "grpc-js" });
    },
    GetThreadHistory(call: grpc.ServerUnaryCall<Json, Json>, cb: grpc.sendUnaryData<Json>) {
      cb(null, {
        conversation_id: call.request.conversation_id,
        is_complete: true,
        messages: [{ message_id: "m1", content: "hi" }],
      });
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) =>
      e ? reject(e) : resolve(p),
    ),
  );
  return { address: `127.0.0.1:${port}`, streams, server };
}

describe("against a grpc-js server loading the project's protos", () => {
  it("handshake, frames both ways with oneofs, maps and int64, unary calls, and a clean close", async () => {
    const sidecar = await startGrpcJsSidecar();
    const client = createAgentClient({ address: sidecar.address });
    expect(await client.healthCheck()).toMatchObject({
      status: HealthCheckResponse_Status.HEALTHY,
      version: "grpc-js",
    });
    const history = await client.getThreadHistory({ conversationId: "c1", maxMessages: 0 });
    expect(history.messages[0]).toMatchObject({ messageId: "m1", content: "hi" });

    const session = createSession(client, {
      config: { systemPrompt: "interop", tools: [{ name: "search" }] },
    });
    const messages = new Inbox<{ id: string; userData: Record<string, string>; size: bigint }>();
    session.on("message", (m) =>
      messages.push({
        id: m.id,
        userData: m.user?.userData ?? {},
        size: m.attachments[0]?.sizeBytes ?? 0n,
      }),
    );
    const { received, call } = await sidecar.streams.next("a stream");
    const config = await received.next("the config");
    expect(config).toMatchObject({
      agent_config: { system_prompt: "interop", tools: [{ name: "search" }] },
      request: "agent_config",
    });
    await session.ready();

    call.write({
      conversation_id: "c1",
      response_id: "m1",
      incoming_message: {
        id: "m1",
        content: "hello",
        user: { id: "u", user_data: { team: "core", tz: "UTC" } },
        attachments: [{ type: "FILE", size_bytes: "9007199254740993" }],
      },
    });
    expect(await messages.next()).toEqual({
      id: "m1",
      userData: { team: "core", tz: "UTC" },
      size: 9007199254740993n,
    });

    await session.respond({
      conversationId: "c1",
      responseId: "m1",
      traceContext: { traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" },
      payload: { case: "content", value: { type: 2, content: "hi there" } },
    });
    const reply = await received.next("the reply");
    expect(reply).toMatchObject({
      request: "agent_response",
      agent_response: {
        conversation_id: "c1",
        response_id: "m1",
        payload: "content",
        content: { type: "DELTA", content: "hi there" },
        trace_context: { traceparent: expect.stringMatching(/^00-0af7/) },
      },
    });

    await session.close();
    expect(session.state).toBe("closed");
    client.close();
    await new Promise<void>((resolve) => sidecar.server.tryShutdown(() => resolve()));
  });

  it("reconnects after the grpc-js server ends the stream with UNAVAILABLE", async () => {
    const sidecar = await startGrpcJsSidecar();
    const client = createAgentClient({ address: sidecar.address });
    const session = createSession(client, {
      config: { systemPrompt: "x" },
      initialDelayMs: 5,
      maxDelayMs: 10,
    });
    const first = await sidecar.streams.next();
    await first.received.next("config");
    first.call.emit("error", { code: grpc.status.UNAVAILABLE, details: "going away" });
    const second = await sidecar.streams.next("the second stream");
    expect(await second.received.next("config again")).toMatchObject({ request: "agent_config" });
    await session.close();
    client.close();
    await new Promise<void>((resolve) => sidecar.server.tryShutdown(() => resolve()));
  });
});
