// One shard of a host: an ordinary ParleyServer, with every plugin its builder adds, in a process
// the primary started (Primary.ts). It listens on loopback for the requests the primary forwards,
// binds only its slice of the host's port ranges, and reports its sessions and metrics over IPC.
import process from "node:process";
import type { ParleyConfig } from "../config.ts";
import type { ParleyServer } from "../server.ts";
import { type PrimaryMessage, SHARD_ENV, type ShardMessage, type ShardSetup } from "./protocol.ts";

/** The setup the primary gave this process, or undefined when it was not started as a shard. */
export function shardSetup(): ShardSetup | undefined {
  const text = process.env[SHARD_ENV];
  return text === undefined ? undefined : (JSON.parse(text) as ShardSetup);
}

/** Runs this process as a shard: builds its server from the primary's configuration, listens, and answers the primary until told to stop. */
export async function runShard(build: (config: ParleyConfig, setup: ShardSetup) => ParleyServer | Promise<ParleyServer>): Promise<void> {
  const setup = shardSetup();
  if (!setup || !process.send) throw new Error(`runShard: this process was not started by a Parley primary (no ${SHARD_ENV} or IPC channel)`);
  const send = (message: ShardMessage) => process.send!(message);
  const server = await build(setup.config, setup);
  server.sessions$.subscribe((session) => {
    send({ type: "session", id: session.id, open: true });
    void session.closed.then(() => send({ type: "session", id: session.id, open: false }));
  });
  const address = await server.listen();
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await server.close();
    process.exit(0);
  };
  process.on("message", (message: PrimaryMessage) => {
    if (message.type === "metrics") {
      void server.metrics.registry.getMetricsAsJSON().then((metrics) => send({ type: "metrics", request: message.request, metrics }));
    } else if (message.type === "stop") void stop();
  });
  // The primary gone (killed, crashed) leaves nobody to route to this shard: its calls end with it.
  process.on("disconnect", () => void stop());
  // Ctrl-C reaches every process of the terminal's group: the primary decides when the shards stop.
  process.on("SIGINT", () => {});
  process.on("SIGTERM", () => void stop());
  send({ type: "ready", port: address.port });
}
