import type { MessageInitShape } from "@bufbuild/protobuf";
import { defaultMaxFrameBytes } from "../client/agent-client.js";
import type { UserSchema } from "../schema/index.js";
import { checkCount, checkText, SidecarOptionError } from "../sidecar-core/option-checks.js";
import { ANONYMOUS_USER } from "../sidecar-core/user-frames.js";

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

/**
 * Fills in the defaults of FakeSidecarOptions and checks them; the only place
 * they are decided. A bad value throws AgentwireError `invalid_argument`
 * naming the option.
 */
export function resolveFakeSidecarOptions(
  options: FakeSidecarOptions = {},
): ResolvedFakeSidecarOptions {
  const user = options.user ?? ANONYMOUS_USER;
  if (typeof user !== "object" || user === null || typeof user.id !== "string" || !user.id) {
    throw new SidecarOptionError("user", "expected a user with a non-empty id");
  }
  return {
    timeoutMs: checkCount("timeoutMs", options.timeoutMs ?? 5000, 1),
    maxFrameBytes: checkCount("maxFrameBytes", options.maxFrameBytes ?? defaultMaxFrameBytes, 1024),
    platform: checkText("platform", options.platform ?? "web"),
    user,
    version: checkText("version", options.version ?? "agentwire-fake"),
  };
}

/** Options of `FakeSidecar.listen`. */
export interface ListenOptions {
  /** The port to listen on (default 0: any free port). */
  port?: number;
  /** The interface to listen on (default 127.0.0.1). */
  host?: string;
}
