import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { afterAll, beforeAll, expect, it } from "vitest";
import { projectRoot } from "../../helpers/buf.js";
import { Inbox } from "../../helpers/step.js";
import { startMailbox, type TestMailbox } from "../mailbox-harness.js";

// An independent gRPC client (@grpc/grpc-js with the .proto files loaded by
// protobufjs) over h2c on the mailbox's one port: unary calls and Watch.
type Json = Record<string, unknown>;
type Unary = (req: Json, cb: (err: grpc.ServiceError | null, res: Json) => void) => void;

let mailbox: TestMailbox;
let client: grpc.Client &
  Record<string, Unary> & {
    Watch(req: Json): grpc.ClientReadableStream<Json>;
  };

beforeAll(async () => {
  mailbox = await startMailbox({ sseHeartbeatMs: 20 });
  const definition = protoLoader.loadSync("agentwire/mailbox/v1/service.proto", {
    includeDirs: [join(projectRoot, "proto")],
    keepCase: true,
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
  });
  const pkg = grpc.loadPackageDefinition(definition) as unknown as {
    agentwire: { mailbox: { v1: { MailboxService: grpc.ServiceClientConstructor } } };
  };
  const address = new URL(mailbox.url).host;
  client = new pkg.agentwire.mailbox.v1.MailboxService(
    address,
    grpc.credentials.createInsecure(),
  ) as typeof client;
});
afterAll(async () => {
  client.close();
  await mailbox.close();
});

const call = (method: string, req: Json) =>
  new Promise<Json>((resolve, reject) =>
    client[method]?.(req, (err, res) => (err ? reject(err) : resolve(res))),
  );

it("sends and reads through grpc-js, with JSON payloads as google.protobuf.Value", async () => {
  const sent = await call("Send", {
    sender: "a@grpcjs",
    to: ["b@grpcjs"],
    payload: { stringValue: "hello" },
  });
  expect(sent.delivered_to).toEqual(["b@grpcjs"]);
  const unread = await call("Unread", { agent_id: "b@grpcjs" });
  const deliveries = unread.deliveries as { seq: string; message: Json }[];
  expect(deliveries.map((d) => d.seq)).toEqual(["1"]);
  expect(deliveries[0]?.message.payload).toMatchObject({ stringValue: "hello" });
  await expect(
    call("GetThread", { thread_id: "nope", agent_id: "a@grpcjs" }),
  ).rejects.toMatchObject({
    code: grpc.status.NOT_FOUND,
  });
  await expect(call("Send", { sender: "a@grpcjs", to: [] })).rejects.toMatchObject({
    code: grpc.status.INVALID_ARGUMENT,
  });
});

it("watches: replay, live, heartbeats", async () => {
  await call("Send", { sender: "a@grpcjs", to: ["w@grpcjs"] });
  const events = new Inbox<Json>();
  const stream = client.Watch({ agent_id: "w@grpcjs", after_seq: "0" });
  stream.on("data", events.push);
  const ended = new Promise<void>((resolve) => {
    stream.on("error", () => resolve());
    stream.on("end", () => resolve());
  });
  const first = await events.nextMatching((e) => e.event === "delivery", "the replay");
  expect((first.delivery as Json).seq).toBe("1");
  await call("Send", { sender: "c@grpcjs", to: ["w@grpcjs"] });
  const live = await events.nextMatching((e) => e.event === "delivery", "the live delivery");
  expect((live.delivery as Json).seq).toBe("2");
  const beat = await events.nextMatching((e) => e.event === "heartbeat", "a heartbeat");
  expect((beat.heartbeat as Json).latest_seq).toBe("2");
  stream.cancel();
  await ended;
});
