import type { MessageInitShape } from "@bufbuild/protobuf";
import { defaultMaxFrameBytes } from "../client/agent-client.js";
import type { UserSchema } from "../schema/index.js";

/** Options of `createFakeSidecar`. */
export interface FakeSidecarOptions {
  /** The default bound of every wait (`waitForAgent`, `turn.ended`, `nextFrame`, ...), in milliseconds (default 5000). */
  timeoutMs?: number;
  /** The largest frame accepted in either direction, in bytes (default 4 MiB, as a deployed sidecar). */
  maxFrameBytes?: number;
  /** The platform set on messages `sendMessage` builds (default "web"). */
  platform?: string;
  /** The user set on messages and feedback the fake builds (default the local web chat's anonymous user). */
  user?: MessageInitShape<typeof UserSchema>;
  /** The version HealthCheck reports (default "agentwire-fake"). */
  version?: string;
}

/** FakeSidecarOptions with every default filled in. */
export type ResolvedFakeSidecarOptions = Required<FakeSidecarOptions>;

/** Fills in the defaults of FakeSidecarOptions; the only place they are decided. */
export function resolveFakeSidecarOptions(
  options: FakeSidecarOptions = {},
): ResolvedFakeSidecarOptions {
  return {
    timeoutMs: options.timeoutMs ?? 5000,
    maxFrameBytes: options.maxFrameBytes ?? defaultMaxFrameBytes,
    platform: options.platform ?? "web",
    user: options.user ?? { id: "anonymous", username: "Anonymous User" },
    version: options.version ?? "agentwire-fake",
  };
}

/** Options of `FakeSidecar.listen`. */
export interface ListenOptions {
  /** The port to listen on (default 0: any free port). */
  port?: number;
  /** The interface to listen on (default 127.0.0.1). */
  host?: string;
}
