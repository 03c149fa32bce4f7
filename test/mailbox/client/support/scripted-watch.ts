import { create, fromJson, type JsonValue } from "@bufbuild/protobuf";
import { ValueSchema } from "@bufbuild/protobuf/wkt";
import {
  Code,
  ConnectError,
  createRouterTransport,
  type HandlerContext,
  type Interceptor,
  type Transport,
} from "@connectrpc/connect";
import { MessageSchema } from "../../../../gen/agentwire/mailbox/v1/mailbox_pb.js";
import {
  MailboxService,
  type WatchRequest,
  type WatchResponse,
  WatchResponseSchema,
} from "../../../../gen/agentwire/mailbox/v1/service_pb.js";
import { Inbox } from "../../../helpers/step.js";

type Step = { send: WatchResponse } | { end: true } | { fail: ConnectError };

/** One Watch stream as the scripted service sees it; the test says what it answers. */
export class ScriptedWatchStream {
  private readonly steps = new Inbox<Step>();
  /** Resolves when the client cancelled the stream. */
  readonly cancelled: Promise<void>;

  constructor(
    readonly request: WatchRequest,
    readonly ctx: HandlerContext,
  ) {
    this.cancelled = new Promise((resolve) => {
      if (ctx.signal.aborted) resolve();
      ctx.signal.addEventListener("abort", () => resolve(), { once: true });
    });
  }

  /** Sends a delivery of `seq` with `payload` (a frame with an empty context). */
  deliver(seq: number, payload: JsonValue = { n: seq }, from = "sender@t"): void {
    const message = create(MessageSchema, {
      id: `m${seq}`,
      threadId: "t1",
      sender: from,
      to: ["me@t"],
      payload: fromJson(ValueSchema, payload),
      timestampMs: 1000n + BigInt(seq),
    });
    this.steps.push({
      send: create(WatchResponseSchema, {
        event: { case: "frame", value: { seq: BigInt(seq), message, context: {} } },
      }),
    });
  }

  /** Sends a heartbeat. */
  heartbeat(latestSeq = 0): void {
    this.steps.push({
      send: create(WatchResponseSchema, {
        event: { case: "heartbeat", value: { latestSeq: BigInt(latestSeq), timeMs: 1n } },
      }),
    });
  }

  /** Ends the stream with OK. */
  end(): void {
    this.steps.push({ end: true });
  }

  /** Ends the stream with an error status. */
  fail(code: Code, message = "scripted failure"): void {
    this.steps.push({ fail: new ConnectError(message, code) });
  }

  /** @internal the handler's responses. */
  async *responses(): AsyncGenerator<WatchResponse> {
    for (;;) {
      const step = await Promise.race([
        this.steps.next("a scripted watch step", 600_000),
        this.cancelled.then((): Step => ({ end: true })),
      ]);
      if ("end" in step) return;
      if ("fail" in step) throw step.fail;
      yield step.send;
    }
  }
}

/**
 * An in-memory MailboxService whose Watch streams a test scripts (a unit test
 * of the client's logic); `interceptors` run on the client's side of the transport.
 */
export function createScriptedWatch(interceptors: Interceptor[] = []): {
  transport: Transport;
  streams: Inbox<ScriptedWatchStream>;
} {
  const streams = new Inbox<ScriptedWatchStream>();
  const transport = createRouterTransport(
    ({ service }) => {
      service(MailboxService, {
        watch(request, ctx) {
          const stream = new ScriptedWatchStream(request, ctx);
          streams.push(stream);
          return stream.responses();
        },
        register() {
          throw new ConnectError("not scripted", Code.Unimplemented);
        },
      });
    },
    { transport: { interceptors } },
  );
  return { transport, streams };
}
