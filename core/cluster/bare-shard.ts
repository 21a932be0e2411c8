// A shard with no plugin: the bare media core (the cluster's tests run it). `parley --shards` runs
// cli/shard.ts instead, with the default plugins.
import { createServer } from "../server.ts";
import { runShard } from "./shard.ts";

await runShard((config) => createServer(config));
