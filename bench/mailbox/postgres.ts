/**
 * A throwaway PostgreSQL cluster for the agentwire-on-PostgreSQL column,
 * started as the tests start theirs (`test/helpers/postgres-cluster.ts`, the
 * one starter) but with PostgreSQL's own durability defaults kept (fsync and
 * synchronous_commit on: no tuning for speed) and its process tracked, so it
 * dies with the bench. Every server start gets a fresh database, and after
 * each of its rounds the cluster is settled (vacuumed and checkpointed), so
 * that its background writes and autovacuum do not fall into the rounds
 * measured next on the same disk and cores.
 */
import { startPostgresCluster, withPgClient } from "../../test/helpers/postgres-cluster.js";
import { trackProcess } from "../proc.js";

/** A running cluster. */
export interface BenchPostgres {
  /** Creates a fresh database and answers its `postgres://` URL. */
  freshDatabase(): Promise<string>;
  /** Vacuums the latest database and checkpoints: the cluster then has nothing left to write. */
  settle(): Promise<void>;
  /** Stops the cluster and removes its data. */
  close(): Promise<void>;
}

/** Where the cluster's binaries are (Debian's `postgresql`), or undefined when there are none. */
export { postgresBinDir } from "../../test/helpers/postgres-cluster.js";

/** Starts the cluster; resolves once it accepts connections. */
export async function startBenchPostgres(): Promise<BenchPostgres> {
  const cluster = await startPostgresCluster({
    durable: true,
    tempPrefix: "bench-mailbox-pg-",
    onProcess: trackProcess,
  });
  let n = 0;
  let latest: string | undefined;
  return {
    async freshDatabase() {
      latest = await cluster.createDatabase(`bench_mailbox_${process.pid}_${n++}`);
      return latest;
    },
    async settle() {
      // Earlier databases were settled after their own rounds.
      if (latest !== undefined) await withPgClient(latest, (c) => c.query("VACUUM (ANALYZE)"));
      await withPgClient(cluster.adminUrl, (c) => c.query("CHECKPOINT"));
    },
    close: () => cluster.close(),
  };
}
