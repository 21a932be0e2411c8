// One shard of a sharded `bench:load` run (load-sharded.ts): the profile's server on the slice of
// ports its primary gave it, the latency probe on each call, and beside them a sampler of the
// process's CPU, event-loop lag and memory. When the primary stops it, what it measured goes to a
// file in PARLEY_LOAD_RESULTS for the bench to join with the generator's send log.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { definePlugin, runShard } from "../core/mod.ts";
import { EventLoopLagProbe } from "./event-loop-lag.ts";
import type { LoadOptions } from "./load-args.ts";
import { createLoadServer } from "./load-profile.ts";
import type { StreamArrivals } from "./latency-probe.ts";
import { memorySample } from "./memory-sampler.ts";
import { absoluteNow } from "./stats.ts";
import type { ShardReport, ShardSample } from "./load-sharded.ts";

/** Between samples, ms: the bench cuts its window on them. */
const SAMPLE_MS = 250;

const options = JSON.parse(process.env.PARLEY_LOAD_OPTIONS ?? "{}") as LoadOptions;
const resultsDir = process.env.PARLEY_LOAD_RESULTS ?? ".";

await runShard(async (config, setup) => {
  const streams = new Map<number, StreamArrivals>();
  const { server, dispose } = await createLoadServer(options, config.rtp!.ports!, streams);
  const lag = new EventLoopLagProbe();
  const samples: ShardSample[] = [];
  const sample = () => samples.push({ at: absoluteNow(), cpu: process.cpuUsage(), lagMs: lag.take(), rssMb: memorySample().rssMb });
  const sampler = setInterval(sample, SAMPLE_MS);
  server.use(definePlugin({
    name: "load-shard-report",
    version: "1.0.0",
    setup: (context) => context.onClose(async () => {
      clearInterval(sampler);
      lag.stop();
      sample();
      const report: ShardReport = { index: setup.index, streams: [...streams].map(([index, stream]) => ({ index, t0: stream.t0, frames: stream.frames, arrivals: stream.arrivals })), samples };
      writeFileSync(join(resultsDir, `shard-${setup.index}.json`), JSON.stringify(report));
      await dispose();
    }),
  }));
  return server;
});
