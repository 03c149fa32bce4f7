/**
 * A throwaway PostgreSQL cluster for the agentwire-on-PostgreSQL column,
 * started as the tests start theirs (`test/helpers/postgres-cluster.ts`, the
 * one starter) but with PostgreSQL's own durability defaults kept (fsync and
 * synchronous_commit on: no tuning for speed) and its process tracked, so it
 * dies with the bench. Every server start gets a fresh database.
 */
import { postgresBinDir, startPostgresCluster } from "../../test/helpers/postgres-cluster.js";
import { trackProcess } from "../proc.js";

/** A running cluster. */
export interface BenchPostgres {
  /** Creates a fresh database and answers its `postgres://` URL. */
  freshDatabase(): Promise<string>;
  /** Stops the cluster and removes its data. */
  close(): Promise<void>;
}

/** Where the cluster's binaries are (Debian's `postgresql`), or undefined when there are none. */
export function benchPostgresBinaries(): string | undefined {
  return postgresBinDir();
}

/** Starts the cluster; resolves once it accepts connections. */
export async function startBenchPostgres(): Promise<BenchPostgres> {
  const cluster = await startPostgresCluster({
    durable: true,
    tempPrefix: "bench-mailbox-pg-",
    onProcess: trackProcess,
  });
  let n = 0;
  return {
    freshDatabase: () => cluster.createDatabase(`bench_mailbox_${process.pid}_${n++}`),
    close: () => cluster.close(),
  };
}
