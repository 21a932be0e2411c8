// The routing load run: a real Parley server with the routing plugin, callers on real RTP legs
// arriving over the run, simulated agents driving the HTTP API with their tokens, then the
// accounting (every call answered, abandoned or overflowed), the routing decision times, and what
// the server left behind after close (sessions, bound ports, timers and other handles).
import { createSocket } from "node:dgram";
import { loadavg } from "node:os";
import process from "node:process";
import { createServer, type ParleyServer } from "../core/mod.ts";
import { sleep } from "../core/testing.ts";
import { createRng, type Rng } from "../media/signal-test-utils.ts";
import { routing } from "../plugins/routing/mod.ts";
import { EventLoopLagProbe } from "./event-loop-lag.ts";
import { type AgentBehaviour, type AgentTally, between, SimulatedAgent } from "./routing-agent.ts";
import { CALLER_HZ, type CallerPlan, type CallerRecord, runCaller } from "./routing-caller.ts";
import { RtpLegs } from "./rtp-legs.ts";
import { type Distribution, distribution } from "./stats.ts";

const ADMIN = "routing-bench-admin-token";
/** The agents' frequency: 1400 Hz fits 28 periods in a 20 ms frame at 8 kHz. */
const AGENT_HZ = 1400;
/** The routing decision's gate, ms. */
export const DECISION_P99_GATE_MS = 5;
/**
 * Decisions left out of the percentiles: the first ones of a process run code V8 has not compiled
 * yet (one took 8-16 ms on a busy machine, the rest 0.1-0.4 ms). They are reported apart.
 */
const WARM_UP_DECISIONS = 5;
const SALES_MESSAGE = "All our sales agents are busy. We will call you back as soon as one is free. Goodbye.";

/** What to run. */
export interface RoutingLoadOptions {
  callers: number;
  agents: number;
  /** Callers arrive over this many seconds. */
  seconds: number;
  /** RTP port range of the server ("61000-61999"); ports another process held before the run are not counted as left behind. */
  ports: string;
  seed: number;
  /** Share of callers who hang up if not answered within their patience. */
  abandonShare: number;
  patienceSeconds: [number, number];
  /** Share of answered callers who hang up before their agent does. */
  callerHangupShare: number;
  agent: AgentBehaviour;
  ringSeconds: number;
  wrapUpSeconds: number;
  /** Longest wait in the sales queue before the overflow message, and in billing before it overflows into support, s. */
  salesMaxWaitSeconds: number;
  billingMaxWaitSeconds: number;
  /** Longest the run waits for the last calls to end after the last arrival, s. */
  drainSeconds: number;
  log?: (line: string) => void;
}

/** The figures of a run; `gates` says which held. */
export interface RoutingLoadResult {
  runtime: string;
  options: Omit<RoutingLoadOptions, "log">;
  loadAverage: { before: number[]; after: number[] };
  wallSeconds: number;
  /** Most sessions at once (callers and agents' legs), sampled as callers arrive and are answered. */
  peakSessions: number;
  calls: {
    placed: number;
    answered: number;
    abandoned: number;
    overflowed: number;
    /** Calls with no outcome, or whose session never ended: lost. */
    lost: number;
    lostDetails: string[];
    /** Overflows of billing calls into support on the way (not an outcome). */
    movedToSupport: number;
    handoverErrors: number;
  };
  /** The router's own counts, summed over queues (answered + abandoned + sales overflows must equal the calls). */
  server: { answered: number; abandoned: number; overflowedOut: number; overflowedMoved: number; perQueue: Record<string, { answered: number; abandoned: number; overflowed: number; serviceLevel: number | null }> };
  waitMs: { answered: Distribution; abandoned: Distribution; overflowed: Distribution };
  /** After the first WARM_UP_DECISIONS, which run cold code and are listed apart (warmUpMs). */
  decisionMs: Distribution & { within5msShare: number; warmUpMs: number[]; source: string };
  agents: Omit<AgentTally, "unexpected"> & { unexpected: string[] };
  /** Answered calls whose two legs each heard the other's tone 1 s into the call (calls still bridged then). */
  audio: { checked: number; bothWays: number };
  rtp: { legPacketsSent: number; legPacketsReceived: number };
  cpuPercentOfOneCore: number;
  eventLoopLagMs: Distribution;
  leftBehind: { sessionsBeforeClose: number; sessionsAfterClose: number; portsStillBound: number[]; handlesLeft: Record<string, number>; handlesNote: string };
  gates: { noCallLost: boolean; allOutcomes: boolean; decisionP99: boolean; nothingLeftBehind: boolean; noApiErrors: boolean };
}

/**
 * The bench's load for `callers` arriving over `seconds` to `agents`. Talk time grows with the run
 * so the agents stay about two-thirds busy whatever its length (2 s mean at least): the queues then
 * fill now and then, which is when abandons and overflows happen.
 */
export function routingLoadOptions(callers: number, agents: number, seconds: number): RoutingLoadOptions {
  const meanTalkSeconds = Math.min(20, Math.max(2, (0.6 * agents * seconds) / callers - 2));
  const talkMs: [number, number] = [meanTalkSeconds * 500, meanTalkSeconds * 1500];
  return {
    callers,
    agents,
    seconds,
    // Above Linux's ephemeral ports (32768-60999), so no other process's socket bound to port 0 lands in it.
    ports: "61000-61999",
    seed: 1,
    abandonShare: 0.15,
    patienceSeconds: [1, Math.max(3, meanTalkSeconds / 2)],
    callerHangupShare: 0.25,
    agent: { declineShare: 0.05, ringOutShare: 0.03, reactMs: [300, 1500], talkMs, wrapUpMs: [300, 2000], idleWrapUpShare: 0.2, resumeMs: 1000 },
    ringSeconds: 4,
    wrapUpSeconds: 3,
    salesMaxWaitSeconds: Math.max(1.5, Math.round(meanTalkSeconds / 2)),
    billingMaxWaitSeconds: Math.max(3, Math.round(meanTalkSeconds / 3)),
    drainSeconds: (3 * talkMs[1]) / 1000 + 30,
  };
}

function resourceCounts(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const type of process.getActiveResourcesInfo()) counts[type] = (counts[type] ?? 0) + 1;
  return counts;
}

/** Resource types of which more are active now than in `before`. */
function grown(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(after).filter(([type, n]) => n > (before[type] ?? 0)).map(([type, n]) => [type, n - (before[type] ?? 0)]));
}

/** Ports of `range` that cannot be bound again (on the address the server bound them). */
async function boundPorts(range: string): Promise<number[]> {
  const [min, max] = range.split("-").map(Number);
  const taken: number[] = [];
  for (let port = min!; port <= max!; port++) {
    const free = await new Promise<boolean>((resolve) => {
      const socket = createSocket("udp4");
      socket.once("error", () => {
        try {
          socket.close();
        } catch {
          // never bound
        }
        resolve(false);
      });
      socket.bind(port, "127.0.0.1", () => socket.close(() => resolve(true)));
    });
    if (!free) taken.push(port);
  }
  return taken;
}

function plans(options: RoutingLoadOptions, rng: Rng): CallerPlan[] {
  const spacing = (options.seconds * 1000) / options.callers;
  return Array.from({ length: options.callers }, (_, index) => {
    // A fifth want sales (a small team, overflow with a message), two fifths billing (overflow into support), the rest support.
    const intent = index % 5 === 0 ? "sales" : index % 5 < 3 ? "billing" : undefined;
    return {
      index,
      arriveAtMs: index * spacing + rng() * spacing,
      botMs: between(rng, [200, 1000]),
      intent,
      patienceMs: rng() < options.abandonShare ? between(rng, options.patienceSeconds) * 1000 : undefined,
      hangUpAfterMs: rng() < options.callerHangupShare ? between(rng, options.agent.talkMs) * 0.8 : undefined,
    };
  });
}

function agentSkills(index: number): Record<string, number> {
  const skills: Record<string, number> = {};
  // Billing: one agent in five for two callers in five, so its calls wait and overflow into support.
  if (index % 5 === 1) skills.billing = 5;
  // The sales team: one agent in 25, so its queue fills and overflows.
  if (index % 25 === 0) skills.sales = 5;
  return skills;
}

/** The server the run loads: the routing plugin alone, three queues, the agents with their tokens. */
function routingServer(options: RoutingLoadOptions): ParleyServer {
  const server = createServer({ http: { port: 0, host: "127.0.0.1" }, rtp: { ports: options.ports, bindAddress: "127.0.0.1", symmetric: false }, auth: { tokens: [ADMIN] }, logLevel: "silent" });
  const common = { ringSeconds: options.ringSeconds, wrapUpSeconds: options.wrapUpSeconds };
  server.use(routing, {
    queues: [
      { id: "support", strategy: "longest-idle", ...common },
      { id: "billing", strategy: "round-robin", skills: { billing: 1 }, maxWaitSeconds: options.billingMaxWaitSeconds, overflow: { queue: "support" }, ...common },
      { id: "sales", strategy: "ring-all", skills: { sales: 1 }, maxWaitSeconds: options.salesMaxWaitSeconds, overflow: { message: SALES_MESSAGE }, ...common },
    ],
    agents: Array.from({ length: options.agents }, (_, index) => ({ id: `agent-${index}`, skills: agentSkills(index), token: `agent-${index}-token-0123456789` })),
    intentQueues: { billing: "billing", sales: "sales" },
    defaultQueue: "support",
  });
  return server;
}

/** Records every routing decision's time as the plugin observes it into parley_routing_decision_seconds. */
function recordDecisions(server: ParleyServer): { samples: number[]; source: string } {
  const histogram = server.metrics.registry.getSingleMetric("parley_routing_decision_seconds") as { observe(value: number): void } | undefined;
  if (!histogram) return { samples: [], source: "parley_routing_decision_seconds is missing" };
  const samples: number[] = [];
  const observe = histogram.observe.bind(histogram);
  histogram.observe = (value: number) => {
    samples.push(value * 1000);
    observe(value);
  };
  return { samples, source: "every observation of parley_routing_decision_seconds (one dispatch pass with calls waiting and agents free)" };
}

/** Runs the load; resolves with its figures and gates. */
export async function runRoutingLoad(options: RoutingLoadOptions): Promise<RoutingLoadResult> {
  const log = options.log ?? (() => {});
  const rng = createRng(options.seed);
  const loadBefore = loadavg();
  const heldBefore = new Set(await boundPorts(options.ports));
  const handlesBefore = resourceCounts();
  const server = routingServer(options);
  const address = await server.listen();
  const base = `http://127.0.0.1:${address.port}`;
  const decisions = recordDecisions(server);
  const legs = new RtpLegs();
  const agents = Array.from({ length: options.agents }, (_, index) => new SimulatedAgent(`agent-${index}`, `agent-${index}-token-0123456789`, base, options.agent, createRng(options.seed * 1000 + index + 1)));
  const byId = new Map(agents.map((agent) => [agent.id, agent]));
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const audio = { checked: 0, bothWays: 0 };
  let peakSessions = 0;
  // 1 s into each call, while still bridged, both legs should hear the other's tone.
  const answered = (record: CallerRecord) => {
    peakSessions = Math.max(peakSessions, server.sessions().length);
    const timer = setTimeout(() => {
      timers.delete(timer);
      const agent = byId.get(record.agentId!);
      if (record.ended || !agent?.leg || agent.callId !== record.sessionId) return;
      audio.checked++;
      if (record.leg!.hears(AGENT_HZ) && agent.leg.hears(CALLER_HZ)) audio.bothWays++;
    }, 1000);
    timers.add(timer);
  };
  const records: CallerRecord[] = [];
  let wallStart = 0;
  let cpuStart = process.cpuUsage();
  let lag: EventLoopLagProbe | undefined;
  try {
    for (const agent of agents) await agent.signIn(legs, AGENT_HZ);
    log(`${options.agents} agents signed in, available`);
    wallStart = performance.now();
    cpuStart = process.cpuUsage();
    lag = new EventLoopLagProbe(20);
    const calls: Promise<CallerRecord>[] = [];
    for (const plan of plans(options, rng)) {
      const due = wallStart + plan.arriveAtMs - performance.now();
      if (due > 0) await sleep(due);
      calls.push(runCaller(server, legs, plan, { answered, timers }).then((record) => {
        records.push(record);
        return record;
      }));
      peakSessions = Math.max(peakSessions, server.sessions().length);
      if ((plan.index + 1) % Math.max(1, Math.round(options.callers / 10)) === 0) log(`${plan.index + 1} callers placed, ${server.sessions().length} sessions`);
    }
    let drainTimer: ReturnType<typeof setTimeout> | undefined;
    const drained = await Promise.race([Promise.all(calls).then(() => true), new Promise<boolean>((resolve) => (drainTimer = setTimeout(() => resolve(false), options.drainSeconds * 1000)))]);
    clearTimeout(drainTimer);
    if (!drained) {
      log(`calls still up after ${options.drainSeconds} s of drain: hanging them up`);
      for (const session of server.sessions()) if (!agents.some((agent) => agent.legSessionId === session.id)) await session.hangup("bench_timeout");
      await Promise.all(calls);
    }
  } catch (error) {
    lag?.stop();
    await Promise.all(agents.map((agent) => agent.signOut(legs, ADMIN).catch(() => {})));
    await server.close();
    await legs.closeAll();
    throw error;
  } finally {
    for (const timer of timers) clearTimeout(timer);
  }
  const wallSeconds = (performance.now() - wallStart) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  const lagSamples = lag?.take() ?? [];
  lag?.stop();
  const queues = (await (await fetch(`${base}/v1/queues`, { headers: { authorization: `Bearer ${ADMIN}` } })).json()) as { id: string; stats: { answered: number; abandoned: number; overflowed: number; serviceLevel: number | null } }[];
  for (const agent of agents) await agent.signOut(legs, ADMIN);
  const sessionsBeforeClose = server.sessions().length;
  await server.close();
  const sessionsAfterClose = server.sessions().length;
  await legs.closeAll();
  // Node frees a closed socket's handle on the next turns of the loop; Deno a moment later.
  await sleep(200);
  const handlesLeft = grown(handlesBefore, resourceCounts());
  const portsStillBound = (await boundPorts(options.ports)).filter((port) => !heldBefore.has(port));

  const outcomes = { answered: 0, abandoned: 0, overflowed: 0 };
  const lostDetails: string[] = [];
  for (const record of records) {
    if (record.outcome && record.ended) outcomes[record.outcome]++;
    else lostDetails.push(`caller ${record.plan.index}: ${record.outcome ?? "no outcome"}${record.ended ? "" : ", never ended"}${record.error ? ` (${record.error})` : ""}`);
  }
  const lost = options.callers - outcomes.answered - outcomes.abandoned - outcomes.overflowed;
  const perQueue = Object.fromEntries(queues.map(({ id, stats }) => [id, { answered: stats.answered, abandoned: stats.abandoned, overflowed: stats.overflowed, serviceLevel: stats.serviceLevel }]));
  const sum = (key: "answered" | "abandoned") => queues.reduce((total, queue) => total + queue.stats[key], 0);
  const serverCounts = { answered: sum("answered"), abandoned: sum("abandoned"), overflowedOut: perQueue.sales?.overflowed ?? 0, overflowedMoved: perQueue.billing?.overflowed ?? 0, perQueue };
  const waits = (outcome: string) => distribution(records.filter((r) => r.outcome === outcome).map((r) => r.waitMs ?? Number.NaN));
  const warm = decisions.samples.slice(WARM_UP_DECISIONS);
  const decision = distribution(warm);
  const within5msShare = warm.length === 0 ? 0 : warm.filter((ms) => ms <= DECISION_P99_GATE_MS).length / warm.length;
  const tallies = agents.map((agent) => agent.tally);
  const total = (key: Exclude<keyof AgentTally, "unexpected">) => tallies.reduce((n, tally) => n + tally[key], 0);
  const unexpected = tallies.flatMap((tally) => tally.unexpected);
  const leftBehind = {
    sessionsBeforeClose,
    sessionsAfterClose,
    portsStillBound,
    handlesLeft,
    handlesNote: "Deno" in globalThis ? "Deno lists timers only (process.getActiveResourcesInfo), not sockets" : "process.getActiveResourcesInfo(): timers, sockets and other handles, after against before the server",
  };
  const serverTotal = serverCounts.answered + serverCounts.abandoned + serverCounts.overflowedOut;
  return {
    runtime: "Deno" in globalThis ? `Deno ${(globalThis as unknown as { Deno: { version: { deno: string } } }).Deno.version.deno}` : `Node ${process.version}`,
    options: { ...options, log: undefined } as Omit<RoutingLoadOptions, "log">,
    loadAverage: { before: loadBefore, after: loadavg() },
    wallSeconds,
    peakSessions,
    calls: { placed: records.length, ...outcomes, lost, lostDetails, movedToSupport: records.reduce((n, r) => n + r.moves, 0), handoverErrors: records.filter((r) => r.error).length },
    server: serverCounts,
    waitMs: { answered: waits("answered"), abandoned: waits("abandoned"), overflowed: waits("overflowed") },
    decisionMs: { ...decision, within5msShare, warmUpMs: decisions.samples.slice(0, WARM_UP_DECISIONS), source: decisions.source },
    agents: {
      offers: total("offers"), accepted: total("accepted"), acceptGone: total("acceptGone"), declined: total("declined"), ringOuts: total("ringOuts"), hangups: total("hangups"),
      callsEnded: total("callsEnded"), wrapUps: total("wrapUps"), autoPauses: total("autoPauses"), unexpected,
    },
    audio,
    rtp: { legPacketsSent: records.reduce((n, r) => n + (r.leg?.sent ?? 0), 0) + agents.reduce((n, a) => n + (a.leg?.sent ?? 0), 0), legPacketsReceived: records.reduce((n, r) => n + (r.leg?.received ?? 0), 0) + agents.reduce((n, a) => n + (a.leg?.received ?? 0), 0) },
    cpuPercentOfOneCore: Math.round(((cpu.user + cpu.system) / 1000 / (wallSeconds * 1000)) * 1000) / 10,
    eventLoopLagMs: distribution(lagSamples),
    leftBehind,
    gates: {
      noCallLost: lost === 0 && lostDetails.length === 0 && records.length === options.callers && serverTotal === options.callers,
      allOutcomes: outcomes.answered > 0 && outcomes.abandoned > 0 && outcomes.overflowed > 0,
      decisionP99: decision.count > 0 && decision.p99 < DECISION_P99_GATE_MS,
      nothingLeftBehind: sessionsBeforeClose === 0 && sessionsAfterClose === 0 && portsStillBound.length === 0 && Object.keys(handlesLeft).length === 0,
      noApiErrors: unexpected.length === 0,
    },
  };
}
