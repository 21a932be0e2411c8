// The bare shard, except that it exits at start while the file PARLEY_TEST_REFUSE names exists: a
// shard that keeps failing to start again until the file goes. Test entry only.
import { existsSync } from "node:fs";
import process from "node:process";
import { createServer } from "../server.ts";
import { runShard } from "./shard.ts";

const marker = process.env.PARLEY_TEST_REFUSE;
if (marker && existsSync(marker)) process.exit(3);
await runShard((config) => createServer(config));
