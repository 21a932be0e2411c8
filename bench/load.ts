// `npm run bench:load -- [--profile plain|default|recognizer] --sessions N --seconds S`: a Parley
// server in this process with a latency probe on every session's 16 kHz audio, and
// bench/load-generator.ts in another process streaming N real-time Opus calls to it over loopback.
// Prints a summary and writes bench/load-results.json (per profile and mode, see load-args.ts):
// server CPU, packet-to-subscriber latency, loss, generator lateness, event-loop lag and memory,
// measured over the steady state: all N streams running, `--warmup` seconds after the last started
// (default 1; 5 in the default profile, whose voice bot greets every caller as the call starts).
//
// - plain (default): the bare media core; N calls of speech-like audio as plain RTP or (`--webrtc`)
//   WHIP calls from werift peers. `--asr N` adds N calls that carry real speech (the speech set,
//   looped) and run the vad and asr plugins (pocketsphinx, in worker threads) while the plain calls
//   are measured; their transcripts, errors and final latency are reported beside.
// - default: the plugin set `npm start` runs (examples/default-plugins.ts) on N callers of the
//   speech set (`--audio silence`: digital silence), with the recogniser swapped for one that takes
//   audio and answers nothing (`--engine pocketsphinx`: the real one), so the figures are Parley's
//   own cost. `--plugins console,vad,...` registers only those, to attribute cost and memory.
// - recognizer: vad and asr (pocketsphinx) alone on N callers of the speech set: the recogniser's
//   own capacity (`--asr-workers 1` for one core's worth).
//
// `--sessions 50,100,200` runs each count in a process of its own and prints a table;
// `--find-capacity` searches for the largest count that passes (load-capacity.ts).
import { writeFileSync } from "node:fs";
import { parseLoadArgs, resultsPath } from "./load-args.ts";
import { formatLoadReport } from "./load-report.ts";
import { runLoad } from "./load-run.ts";
import { runShardedLoad } from "./load-sharded.ts";
import { runSeries } from "./load-series.ts";

const options = parseLoadArgs(process.argv.slice(2));
if (options.findCapacity || options.sessions.length > 1) {
  await runSeries(options);
} else {
  const results = options.shards === undefined ? await runLoad(options, options.sessions[0]!) : await runShardedLoad(options, options.sessions[0]!);
  const path = resultsPath(options);
  writeFileSync(path, JSON.stringify(results, null, 2) + "\n");
  console.log(formatLoadReport(results, path));
}
