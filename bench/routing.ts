// `npm run bench:routing -- [--callers 200] [--agents 50] [--seconds 120] [--seed 1]`: the routing
// plugin under load (bench/routing-run.ts). Prints a short table, writes bench/routing-results.json
// and exits non-zero when a gate fails: a call lost, an outcome that never occurred, routing
// decision p99 at 5 ms or more, a session, port or handle left behind, an API error.
// A 20 s smoke run: `npm run bench:routing -- --seconds 20 --callers 40 --agents 10`.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { parseArgs } from "node:util";
import { DECISION_P99_GATE_MS, routingLoadOptions, type RoutingLoadResult, runRoutingLoad } from "./routing-run.ts";
import type { Distribution } from "./stats.ts";

const USAGE = "usage: routing.ts [--callers 200] [--agents 50] [--seconds 120] [--seed 1] [--ports 61000-61999] [--out file]";

/** The command line's values, or the usage on stderr and exit code 2 when it is wrong or `--help` asks for it. */
function commandLine() {
  try {
    const { values } = parseArgs({
      options: {
        callers: { type: "string", default: "200" },
        agents: { type: "string", default: "50" },
        seconds: { type: "string", default: "120" },
        seed: { type: "string", default: "1" },
        ports: { type: "string", default: "61000-61999" },
        out: { type: "string", default: join(import.meta.dirname ?? "bench", "routing-results.json") },
        help: { type: "boolean", short: "h", default: false },
      },
    });
    const callers = Number(values.callers);
    const agents = Number(values.agents);
    const seconds = Number(values.seconds);
    if (values.help) {
      console.log(USAGE);
      process.exit(0);
    }
    if (!(Number.isInteger(callers) && callers >= 1 && Number.isInteger(agents) && agents >= 1 && seconds > 0)) throw new Error("--callers and --agents take whole numbers of at least 1, --seconds a positive number");
    return { ...values, callers, agents, seconds };
  } catch (error) {
    console.error(`routing.ts: ${(error as Error).message}\n${USAGE}`);
    process.exit(2);
  }
}

const { callers, agents, seconds, ...values } = commandLine();
console.log(`routing load: ${callers} callers over ${seconds} s, ${agents} agents (API-driven over HTTP with their tokens, each on an RTP leg)`);
console.log("callers are real PCMU RTP legs handed over by their session emitting route.request, as the voice bot does: the bot, ASR and TTS are not loaded");
const result = await runRoutingLoad({ ...routingLoadOptions(callers, agents, seconds), ports: values.ports, seed: Number(values.seed), log: (line) => console.log(`  ${line}`) });
writeFileSync(values.out, `${JSON.stringify(result, null, 2)}\n`);
printTable(result);
console.log(`\nwrote ${values.out}`);
const failed = Object.entries(result.gates).filter(([, held]) => !held).map(([gate]) => gate);
if (failed.length > 0) {
  console.error(`FAILED gates: ${failed.join(", ")}`);
  process.exitCode = 1;
}

function printTable(r: RoutingLoadResult): void {
  const ms = (d: Distribution) => (d.count === 0 ? "-" : `p50 ${d.p50.toFixed(1)}  p99 ${d.p99.toFixed(1)}  max ${d.max.toFixed(1)} ms (n=${d.count})`);
  const gate = (held: boolean) => (held ? "ok" : "FAIL");
  const rows: [string, string][] = [
    ["runtime, load average before/after", `${r.runtime}, ${r.loadAverage.before.map((l) => l.toFixed(2)).join(" ")} / ${r.loadAverage.after.map((l) => l.toFixed(2)).join(" ")}`],
    ["calls: answered / abandoned / overflowed", `${r.calls.answered} / ${r.calls.abandoned} / ${r.calls.overflowed} of ${r.calls.placed} (lost ${r.calls.lost})  ${gate(r.gates.noCallLost && r.gates.allOutcomes)}`],
    ["router's counts (answered / abandoned / out)", `${r.server.answered} / ${r.server.abandoned} / ${r.server.overflowedOut}; billing -> support moves ${r.server.overflowedMoved}`],
    ["wait, answered", ms(r.waitMs.answered)],
    ["wait, abandoned", ms(r.waitMs.abandoned)],
    ["routing decision (after the first 5, cold)", `${ms(r.decisionMs)}, ${(r.decisionMs.within5msShare * 100).toFixed(2)}% within ${DECISION_P99_GATE_MS} ms  ${gate(r.gates.decisionP99)}`],
    ["  the first 5 decisions", r.decisionMs.warmUpMs.map((t) => t.toFixed(2)).join(", ") + " ms"],
    ["agents: offers / accepted / declined / rang out", `${r.agents.offers} / ${r.agents.accepted} / ${r.agents.declined} / ${r.agents.ringOuts}; accept too late ${r.agents.acceptGone}; auto-paused ${r.agents.autoPauses}; API errors ${r.agents.unexpected.length}  ${gate(r.gates.noApiErrors)}`],
    ["audio both ways 1 s into the call", `${r.audio.bothWays} of ${r.audio.checked} calls checked`],
    ["CPU (whole process, bench included)", `${r.cpuPercentOfOneCore}% of one core over ${r.wallSeconds.toFixed(0)} s, at most ${r.peakSessions} sessions at once`],
    ["event-loop lag (20 ms timer)", ms(r.eventLoopLagMs)],
    ["left after close: sessions / ports / handles", `${r.leftBehind.sessionsBeforeClose}+${r.leftBehind.sessionsAfterClose} / ${r.leftBehind.portsStillBound.length} / ${JSON.stringify(r.leftBehind.handlesLeft)}  ${gate(r.gates.nothingLeftBehind)}`],
  ];
  console.log("");
  for (const [name, value] of rows) console.log(`${name.padEnd(48)} ${value}`);
  if (r.calls.lostDetails.length > 0) console.log(`lost: ${r.calls.lostDetails.slice(0, 10).join("; ")}`);
  if (r.agents.unexpected.length > 0) console.log(`API errors: ${r.agents.unexpected.slice(0, 5).join("; ")}`);
}
