// The abuse and fuzz suite against a live server (`npm run fuzz`, and a quick run in the tests):
// start the default server in a child process, place a live call, run the named attacks, then
// deliver hostile HTTP requests, WebSocket messages and RTP/RTCP datagrams side by side; finally
// check that the server never exited, no error escaped its handlers, the live call lost nothing,
// and its memory, descriptors and UDP sockets came back to where they were.
import { createRng } from "../../media/signal-test-utils.ts";
import { ABUSES, startLingeringAbuse } from "./abuse.ts";
import { type LiveCallReport, startLiveCall } from "./live-call.ts";
import { fuzzHttp, fuzzRtp, fuzzWebSocket, type SurfaceStats } from "./surfaces.ts";
import type { ProcessSample } from "../../core/testing.ts";
import { startTarget, type Target } from "./target.ts";

/** How a run is made. */
export interface FuzzOptions {
  /** Hostile inputs in all (HTTP requests, WebSocket messages and datagrams). */
  count: number;
  seed: number;
  /** Progress lines. */
  log?: (line: string) => void;
}

/** What a run saw. */
export interface FuzzReport {
  seconds: number;
  surfaces: Record<"http" | "websocket" | "rtp", SurfaceStats>;
  abuses: { name: string; result: string; failed: boolean }[];
  liveCall: LiveCallReport;
  before: ProcessSample;
  after: ProcessSample;
  /** How the server exited during the run, if it did. */
  exit?: { code: number | null; signal: string | null };
  /** Errors the server caught only at its last resort, and its 500 answers. */
  unhandledErrors: number;
  /** Freed C-heap memory the server gave back to the system since it started (its memory releaser), in bytes. */
  memoryReleasedBytes: number;
  serverErrors: number;
  /** Sessions left once the attackers had gone, besides the live call. */
  leftoverSessions: number;
  /** Datagrams of the live call's port that the kernel dropped because the server did not read them in time. */
  liveCallKernelDrops: number;
  /** Whether the live call's session was still up at the end. */
  liveCallUp: boolean;
  /** The last lines the server wrote to stderr (its errors). */
  serverLog: string[];
}

/** Shares of the inputs per surface. */
const SHARES = { http: 0.35, websocket: 0.15, rtp: 0.5 };
/**
 * Growth of RSS allowed between the sample after warm-up and the one after the run, both taken
 * after a full collection (and the second once the recogniser has freed the decoders the run made
 * it build). Measured so, 2026-12-07: Deno +19, +29 and +52 MB, Node +154 MB. Before the
 * collections and the server's memory releaser, the same comparison measured V8's uncollected
 * garbage and glibc's freed arenas: Deno +79 to +307 MB here and +531 MB in CI.
 */
const RSS_MARGIN = { ratio: 0.25, bytes: 240 * 1024 * 1024 };
const FD_MARGIN = 4;
/**
 * How long RSS may take to come back under its limit once the run is over and its garbage is
 * collected: the server's memory releaser (core/memory-releaser.ts) gives what the collection
 * freed back to the system every 10 s.
 */
const RSS_SETTLE_MS = 20000;
const WHIP_CONNECT_SECONDS = 3;
/**
 * How long the recogniser's workers may keep a burst's extra decoders: they free one idle for 60 s
 * (plugins/asr/pocketsphinx-worker.ts, 6 to 58 MB each), looking every 5 s. The fuzz's sessions
 * leave several, which a sample taken earlier counts as growth (Deno: +100 to +160 MB).
 */
const DECODER_IDLE_WAIT_MS = 70_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function metricSum(target: Target, name: string, filter: RegExp = /.*/): Promise<number> {
  const text = await (await fetch(`${target.baseUrl}/metrics`, { headers: { authorization: `Bearer ${target.token}` } })).text();
  return text.split("\n").filter((line) => line.startsWith(name) && filter.test(line)).reduce((sum, line) => sum + Number(line.split(" ").pop()), 0);
}

async function sessionIds(target: Target): Promise<string[]> {
  const response = await fetch(`${target.baseUrl}/v1/sessions`, { headers: { authorization: `Bearer ${target.token}` } });
  return ((await response.json()) as { sessions: { id: string }[] }).sessions.map((session) => session.id);
}

/** Waits until only `keep` is left of the sessions, or `timeoutMs` passes; resolves with what is left besides it. */
async function settle(target: Target, keep: string, timeoutMs: number): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  let others = 0;
  do {
    others = (await sessionIds(target)).filter((id) => id !== keep).length;
    if (others === 0) break;
    await sleep(250);
  } while (performance.now() < deadline);
  return others;
}

/** The recogniser's decoders alive now (built less freed). */
async function liveDecoders(target: Target): Promise<number> {
  return await metricSum(target, "parley_asr_decoders_built") - await metricSum(target, "parley_asr_decoders_freed");
}

/** Waits until no more than `count` decoders are alive, or DECODER_IDLE_WAIT_MS passes; resolves with how many are. */
async function decodersBackTo(target: Target, count: number, log: (line: string) => void): Promise<number> {
  const started = performance.now();
  let live = await liveDecoders(target);
  const peak = live;
  while (live > count && performance.now() - started < DECODER_IDLE_WAIT_MS) {
    await sleep(1000);
    live = await liveDecoders(target);
  }
  if (peak > count) log(`recogniser decoders: ${count} after warm-up, ${peak} after the run, ${live} after ${((performance.now() - started) / 1000).toFixed(0)} s`);
  return live;
}

/** The most RSS may be after the run, given what it was after warm-up. */
function rssLimit(beforeBytes: number): number {
  return Math.max(beforeBytes * (1 + RSS_MARGIN.ratio), beforeBytes + RSS_MARGIN.bytes);
}

/** The server's sample once its RSS is within `limit`, or the last one after RSS_SETTLE_MS. */
async function settledSample(target: Target, limit: number, log: (line: string) => void): Promise<ProcessSample> {
  const started = performance.now();
  let sample = target.sample();
  while (sample.rssBytes > limit && performance.now() - started < RSS_SETTLE_MS) {
    await sleep(1000);
    sample = target.sample();
  }
  if (performance.now() - started > 500) log(`RSS took ${((performance.now() - started) / 1000).toFixed(0)} s to come back to ${(sample.rssBytes / 2 ** 20).toFixed(0)} MB (limit ${(limit / 2 ** 20).toFixed(0)} MB)`);
  return sample;
}

/** Runs the whole suite once. */
export async function runFuzz(options: FuzzOptions): Promise<FuzzReport> {
  const log = options.log ?? (() => {});
  const started = performance.now();
  const target = await startTarget({ config: { webrtc: { interfaces: ["127.0.0.1"], connectTimeoutSeconds: WHIP_CONNECT_SECONDS } } });
  try {
    return await attack(target, options, log, started);
  } catch (error) {
    // A server that died mid-run makes every later request fail: the exit is the finding.
    if (!target.exit) throw error;
    const none = { rssBytes: 0, fds: 0, udpSockets: 0, fdKinds: {} };
    const empty = { inputs: 0, outcomes: {} };
    return {
      seconds: (performance.now() - started) / 1000,
      surfaces: { http: empty, websocket: empty, rtp: empty },
      abuses: [],
      liveCall: { sent: 0, highestSeq: 0, cumulativeLost: 0, reports: 0 },
      before: none,
      after: none,
      exit: target.exit,
      unhandledErrors: 0,
      memoryReleasedBytes: 0,
      serverErrors: 0,
      leftoverSessions: 0,
      liveCallUp: false,
      liveCallKernelDrops: 0,
      serverLog: target.stderr.slice(-50),
    };
  } finally {
    if (target.exit) log(`the server exited: ${JSON.stringify(target.exit)}\n${target.stderr.slice(-30).join("\n")}`);
    await target.stop();
  }
}

/** The run's steps against a started server. */
async function attack(target: Target, options: FuzzOptions, log: (line: string) => void, started: number): Promise<FuzzReport> {
  const live = await startLiveCall(target.baseUrl, target.token);
  log(`server on ${target.baseUrl}; live call ${live.sessionId}`);
  const rng = createRng(options.seed);
  // Sessions the HTTP fuzz may name: the ones the fuzz opened, never the live call (a DELETE of it with the token is no attack).
  const knownIds: string[] = [];
  // Enough of every surface that the engines the server loads once (recognizer workers, models) are loaded before the baseline.
  const warm = Math.max(2000, Math.ceil(options.count / 20));
  await Promise.all([fuzzHttp(rng, target, warm, () => knownIds), fuzzWebSocket(rng, target, warm / 2), fuzzRtp(rng, target, warm, live.serverPort, () => {})]);
  await settle(target, live.sessionId, 10000);
  await target.collectGarbage();
  await sleep(1000);
  const before = target.sample();
  const decodersBefore = await liveDecoders(target);
  log(`after warm-up: RSS ${(before.rssBytes / 2 ** 20).toFixed(0)} MB, ${before.fds} fds, ${before.udpSockets} UDP sockets`);

  const lingering = await startLingeringAbuse(target);
  const abuses: FuzzReport["abuses"] = [];
  for (const abuse of ABUSES) {
    if (target.exit) break;
    try {
      abuses.push({ name: abuse.name, result: await abuse.run(target), failed: false });
    } catch (error) {
      abuses.push({ name: abuse.name, result: (error as Error).message, failed: true });
    }
    log(`abuse: ${abuse.name}: ${abuses.at(-1)!.failed ? "FAILED " : ""}${abuses.at(-1)!.result}`);
  }

  const fuzzStarted = performance.now();
  // Every 10 s: the server's memory and descriptors, and its event-loop lag (p99 since the last scrape).
  const trace = setInterval(async () => {
    if (target.exit) return;
    const now = target.sample();
    const lag = await metricSum(target, "parley_event_loop_lag_seconds").catch(() => NaN);
    log(`  ${((performance.now() - fuzzStarted) / 1000).toFixed(0)} s: RSS ${(now.rssBytes / 2 ** 20).toFixed(0)} MB, ${now.fds} fds, ${now.udpSockets} UDP sockets, event-loop lag p99 ${(lag * 1000).toFixed(0)} ms`);
  }, 10000);
  const [http, websocket, rtp] = await Promise.all([
    fuzzHttp(rng, target, Math.round(options.count * SHARES.http), () => knownIds),
    fuzzWebSocket(rng, target, Math.round(options.count * SHARES.websocket)),
    fuzzRtp(rng, target, Math.round(options.count * SHARES.rtp), live.serverPort, (id) => knownIds.push(id)),
  ]);
  log(`fuzz: ${http.inputs + websocket.inputs + rtp.inputs} inputs in ${((performance.now() - fuzzStarted) / 1000).toFixed(1)} s`);
  clearInterval(trace);
  lingering.close();

  const leftoverSessions = await settle(target, live.sessionId, (WHIP_CONNECT_SECONDS + 10) * 1000);
  const liveCallUp = (await sessionIds(target)).includes(live.sessionId);
  await decodersBackTo(target, decodersBefore, log);
  await target.collectGarbage();
  await sleep(1000);
  const after = await settledSample(target, rssLimit(before.rssBytes), log);
  const unhandledErrors = await metricSum(target, "parley_unhandled_errors_total");
  const memoryReleasedBytes = await metricSum(target, "parley_memory_released_bytes_total");
  const serverErrors = await metricSum(target, "parley_http_requests_total", /status="5\d\d"/) - await metricSum(target, "parley_http_requests_total", /status="503"/);
  const liveCallKernelDrops = target.udpDrops(live.serverPort);
  const liveCall = await live.finish();
  return { seconds: (performance.now() - started) / 1000, surfaces: { http, websocket, rtp }, abuses, liveCall, before, after, exit: target.exit, unhandledErrors, memoryReleasedBytes, serverErrors, leftoverSessions, liveCallUp, liveCallKernelDrops, serverLog: target.stderr.slice(-50) };
}

/**
 * What a run got wrong, in words (empty when the server held). `lossAllowance` is the share of
 * the live call's packets it may lose: 0 for `npm run fuzz`; the quick run in the tests shares two
 * cores with its own attacker, whose bursts can starve the server's socket reads for a moment.
 */
export function problemsOf(report: FuzzReport, lossAllowance = 0): string[] {
  const problems: string[] = [];
  if (report.exit) problems.push(`the server exited (${JSON.stringify(report.exit)})`);
  if (report.unhandledErrors > 0) problems.push(`${report.unhandledErrors} errors reached the server's last resort`);
  if (report.serverErrors > 0) problems.push(`${report.serverErrors} answers were 5xx other than 503`);
  for (const abuse of report.abuses) if (abuse.failed) problems.push(`abuse "${abuse.name}": ${abuse.result}`);
  if (report.leftoverSessions > 0) problems.push(`${report.leftoverSessions} sessions outlived their attackers`);
  const { liveCall, before, after } = report;
  if (!report.liveCallUp) problems.push("the live call ended during the run");
  if (liveCall.reports === 0) problems.push("the live call got no receiver report");
  if (liveCall.cumulativeLost > liveCall.sent * lossAllowance) problems.push(`the live call lost ${liveCall.cumulativeLost} packets`);
  if (after.rssBytes > rssLimit(before.rssBytes)) problems.push(`RSS grew from ${(before.rssBytes / 2 ** 20).toFixed(0)} to ${(after.rssBytes / 2 ** 20).toFixed(0)} MB`);
  if (after.fds > before.fds + FD_MARGIN) problems.push(`open descriptors grew from ${before.fds} to ${after.fds}`);
  if (after.udpSockets > before.udpSockets) problems.push(`UDP sockets grew from ${before.udpSockets} to ${after.udpSockets}`);
  return problems;
}

/** A report as lines for a person. */
export function describe(report: FuzzReport): string[] {
  const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MB`;
  const { surfaces, before, after, liveCall } = report;
  return [
    `inputs: ${surfaces.http.inputs} HTTP requests, ${surfaces.websocket.inputs} WebSocket messages, ${surfaces.rtp.inputs} RTP/RTCP datagrams (${surfaces.http.inputs + surfaces.websocket.inputs + surfaces.rtp.inputs} in all) in ${report.seconds.toFixed(0)} s`,
    `HTTP answers: ${JSON.stringify(surfaces.http.outcomes)}`,
    `WebSocket outcomes: ${JSON.stringify(surfaces.websocket.outcomes)}`,
    `server: ${report.exit ? `EXITED ${JSON.stringify(report.exit)}` : "never exited"}; ${report.unhandledErrors} last-resort errors; ${report.serverErrors} 5xx answers (503 aside); ${report.leftoverSessions} sessions left over`,
    `live call: ${liveCall.sent} packets sent, ${liveCall.cumulativeLost} lost by the server's own count (${liveCall.reports} receiver reports), ${report.liveCallKernelDrops} dropped by the kernel for want of reading`,
    `process: RSS ${mb(before.rssBytes)} -> ${mb(after.rssBytes)}, fds ${before.fds} ${JSON.stringify(before.fdKinds)} -> ${after.fds} ${JSON.stringify(after.fdKinds)}, UDP sockets ${before.udpSockets} -> ${after.udpSockets}; the server has given ${mb(report.memoryReleasedBytes)} of freed memory back to the system since it started`,
    ...report.serverLog.map((line) => `server stderr: ${line}`),
  ];
}
