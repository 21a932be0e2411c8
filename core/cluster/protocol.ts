// What a host's primary process (Primary.ts) and its shards (shard.ts) say to each other over the
// child process's IPC channel. Only what the primary itself needs crosses: the shard's address,
// the sessions it opens and ends (for placement and routing by id) and its metrics when scraped.
// Media never does: callers send it to the shard's own ports.
import type { MetricObjectWithValues, MetricValue } from "prom-client";
import type { ParleyConfig } from "../config.ts";

/** The environment variable that gives a shard its place and configuration (JSON of `ShardSetup`). */
export const SHARD_ENV = "PARLEY_SHARD";

/** What the primary tells a shard when it starts it. */
export interface ShardSetup {
  /** Its number, from 0. */
  index: number;
  /** How many shards the host runs. */
  of: number;
  /** The server's configuration with this shard's port slices; HTTP on loopback, port 0. */
  config: ParleyConfig;
}

/** From a shard. */
export type ShardMessage =
  /** Listening on loopback `port`; it takes sessions. */
  | { type: "ready"; port: number }
  /** A session opened (`open`) or ended on this shard. */
  | { type: "session"; id: string; open: boolean }
  /** The answer to a `metrics` request: the registry as prom-client's JSON. */
  | { type: "metrics"; request: number; metrics: MetricObjectWithValues<MetricValue<string>>[] };

/** From the primary. */
export type PrimaryMessage =
  | { type: "metrics"; request: number }
  /** Close the server (its calls end) and exit. */
  | { type: "stop" };
