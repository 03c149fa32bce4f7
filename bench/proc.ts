/**
 * The benchmark's processes: the orchestrator forks the bench sidecar and the
 * measured clients as tsx children and talks to them over the IPC channel
 * (request/reply commands plus one-way events). Every child is tracked and
 * killed when the orchestrator exits, fails or is interrupted, and a child
 * exits by itself when its parent's channel closes, so none outlives a run.
 */
import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";

/** A message on the IPC channel. */
type Wire =
  | { kind: "call"; id: number; cmd: string; args: unknown }
  | { kind: "reply"; id: number; ok: true; value: unknown }
  | { kind: "reply"; id: number; ok: false; error: string }
  | { kind: "event"; name: string; data: unknown };

/** A command handler in a child process. */
export type CommandHandler = (args: never) => unknown;

/** Serves the parent's commands in a child process; exits when the parent goes away. */
export function serveCommands(handlers: Record<string, CommandHandler>): void {
  if (process.send === undefined) throw new Error("serveCommands: not started with an IPC channel");
  process.on("disconnect", () => process.exit(0));
  process.on("message", (raw: Wire) => {
    if (raw.kind !== "call") return;
    const handler = handlers[raw.cmd];
    const reply = (w: Wire) => {
      if (process.connected) process.send?.(w);
    };
    if (handler === undefined) {
      reply({ kind: "reply", id: raw.id, ok: false, error: `unknown command ${raw.cmd}` });
      return;
    }
    Promise.resolve()
      .then(() => handler(raw.args as never))
      .then(
        (value) => reply({ kind: "reply", id: raw.id, ok: true, value: value ?? null }),
        (e: unknown) =>
          reply({
            kind: "reply",
            id: raw.id,
            ok: false,
            error: e instanceof Error ? (e.stack ?? e.message) : String(e),
          }),
      );
  });
}

/** Sends a one-way event from a child process to the parent. */
export function emitEvent(name: string, data: unknown = null): void {
  if (process.connected) process.send?.({ kind: "event", name, data } satisfies Wire);
}

const live = new Set<ChildProcess>();
let cleanupInstalled = false;

function installCleanup(): void {
  if (cleanupInstalled) return;
  cleanupInstalled = true;
  const killAll = () => {
    for (const child of live) child.kill("SIGKILL");
    live.clear();
  };
  process.on("exit", killAll);
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.on(signal, () => {
      killAll();
      process.exit(130);
    });
  }
}

/** Tracks a process the orchestrator started some other way, so it is killed with the rest. */
export function trackProcess(child: ChildProcess): void {
  installCleanup();
  live.add(child);
  child.once("exit", () => live.delete(child));
}

/** A forked benchmark process seen from the orchestrator. */
export class Child {
  private readonly process: ChildProcess;
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { resolve: (v: unknown) => void; reject: (e: Error) => void }
  >();
  private readonly waiters: Array<{ name: string; resolve: (data: unknown) => void }> = [];
  private readonly backlog: Array<{ name: string; data: unknown }> = [];
  /** Resolves with the exit code (or signal) when the process ended. */
  readonly exited: Promise<string>;

  constructor(
    readonly label: string,
    script: string,
    args: string[],
    execArgv: string[] = [],
  ) {
    installCleanup();
    this.process = fork(fileURLToPath(new URL(script, import.meta.url)), args, {
      execArgv: ["--import", "tsx", ...execArgv],
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    live.add(this.process);
    this.exited = new Promise((resolve) => {
      this.process.on("exit", (code, signal) => {
        live.delete(this.process);
        const why = signal ?? `code ${code}`;
        for (const p of this.pending.values()) p.reject(new Error(`${label} exited (${why})`));
        this.pending.clear();
        resolve(why);
      });
    });
    this.process.on("message", (raw: Wire) => {
      if (raw.kind === "reply") {
        const p = this.pending.get(raw.id);
        if (p === undefined) return;
        this.pending.delete(raw.id);
        if (raw.ok) p.resolve(raw.value);
        else p.reject(new Error(`${label}: ${raw.error}`));
      } else if (raw.kind === "event") {
        const i = this.waiters.findIndex((w) => w.name === raw.name);
        if (i >= 0) {
          const [w] = this.waiters.splice(i, 1);
          w?.resolve(raw.data);
        } else {
          this.backlog.push({ name: raw.name, data: raw.data });
        }
      }
    });
  }

  /** The process id. */
  get pid(): number | undefined {
    return this.process.pid;
  }

  /** Runs a command in the child; rejects on its error, its exit, or after `timeoutMs`. */
  call<T>(cmd: string, args: unknown = null, timeoutMs = 120_000): Promise<T> {
    const id = this.nextId++;
    return withTimeout(
      new Promise<T>((resolve, reject) => {
        this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
        this.process.send({ kind: "call", id, cmd, args } satisfies Wire);
      }),
      timeoutMs,
      `${this.label} ${cmd}`,
      () => this.pending.delete(id),
    );
  }

  /** Waits for the next event called `name` (events that came earlier are kept in order). */
  event<T>(name: string, timeoutMs = 60_000): Promise<T> {
    const i = this.backlog.findIndex((b) => b.name === name);
    if (i >= 0) {
      const [b] = this.backlog.splice(i, 1);
      return Promise.resolve(b?.data as T);
    }
    let waiter: { name: string; resolve: (data: unknown) => void } | undefined;
    return withTimeout(
      new Promise<T>((resolve) => {
        waiter = { name, resolve: resolve as (d: unknown) => void };
        this.waiters.push(waiter);
      }),
      timeoutMs,
      `${this.label} event ${name}`,
      () => {
        const j = this.waiters.indexOf(waiter as (typeof this.waiters)[number]);
        if (j >= 0) this.waiters.splice(j, 1);
      },
    );
  }

  /** Forgets events received so far. */
  clearEvents(): void {
    this.backlog.length = 0;
  }

  /**
   * Ends the process gracefully (closing the IPC channel makes it exit, which
   * also writes a CPU profile when asked for); kills it after `graceMs`.
   */
  async stop(graceMs = 5000): Promise<void> {
    if (this.process.connected) this.process.disconnect();
    const timer = setTimeout(() => this.process.kill("SIGKILL"), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** Kills the process (SIGKILL by default) and waits until it is gone. */
  async kill(signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    if (this.process.exitCode === null && this.process.signalCode === null) {
      this.process.kill(signal);
    }
    await this.exited;
  }
}

/** Rejects when `promise` does not settle within `ms`; `onTimeout` cleans up. */
export function withTimeout<T>(
  promise: Promise<T>,
  ms: number,
  what: string,
  onTimeout: () => void = () => {},
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout();
      reject(new Error(`${what}: no answer within ${ms} ms`));
    }, ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
