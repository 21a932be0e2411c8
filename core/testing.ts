// Shared helpers for core's end-to-end tests: where the speech data lives, skipping (or failing,
// under PARLEY_STRICT=1) when a tool or file is missing, driving ffmpeg, a tiny HTTP client,
// reading metrics, waiting for conditions, and aligning two recordings. Test code only.
import { readEventStream as readStream } from "./http/assets/event-stream.js";
import { spawn } from "node:child_process";
import { createSocket, type Socket } from "node:dgram";
import { existsSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { delimiter, isAbsolute, join, resolve } from "node:path";
import type { Registry } from "prom-client";
import { normalizedCrossCorrelation, rms } from "../media/signal-test-utils.ts";
import type { Session } from "./Session.ts";
import { skip } from "./test-skip.ts";
import { pino } from "pino";
import type { Logger, LogLevel } from "./log.ts";

export { skip, skipUnless } from "./test-skip.ts";

const REPO_ROOT = resolve(import.meta.dirname ?? ".", "..");

/** The shared data folder: env PARLEY_DATA, else `../shared/data` beside the checkout. */
export function dataDir(): string {
  return process.env.PARLEY_DATA ?? resolve(REPO_ROOT, "../shared/data");
}

/** True when a component's own check found nothing missing (`problem` undefined); otherwise skips the test (see core/test-skip.ts). */
export function requireNothingMissing(problem: string | undefined): boolean {
  return problem === undefined || skip(problem);
}

/** True when `name` is an executable on PATH; otherwise skips the test (see core/test-skip.ts). */
export function requireTool(name: string): boolean {
  const found = (process.env.PATH ?? "").split(delimiter).some((dir) => dir && existsSync(join(dir, name)));
  return found || skip(`${name} is not on PATH`);
}

/** True when `path` (absolute, or relative to `dataDir()`) exists; otherwise skips the test (see core/test-skip.ts). */
export function requireData(path: string): boolean {
  const full = isAbsolute(path) ? path : join(dataDir(), path);
  return existsSync(full) || skip(`${full} is missing (set PARLEY_DATA to the shared data folder)`);
}

/** How a child process ended. */
export interface ProcessResult {
  code: number | null;
  signal: string | null;
  stderr: string;
  /** True when it was killed for running past its time limit. */
  timedOut: boolean;
}

/** A child process running in the background. */
export interface RunningProcess {
  readonly done: Promise<ProcessResult>;
  /**
   * Asks it to finish with SIGINT, then kills it after `graceMs`: ffmpeg waiting on a network
   * input that went quiet never gets round to honouring SIGINT (write such output with
   * `-flush_packets 1` so a kill loses nothing).
   */
  stop(graceMs?: number): void;
}

/** Starts ffmpeg with `args` (quiet, never reading stdin), killed after `timeoutMs`. */
export function spawnFfmpeg(args: string[], timeoutMs: number): RunningProcess {
  const child = spawn("ffmpeg", ["-hide_banner", "-nostdin", "-loglevel", "error", "-y", ...args], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  let timedOut = false;
  // Deno's ChildProcess.kill delivers only the first signal it is asked for; process.kill always does.
  const signal = (name: NodeJS.Signals) => {
    try {
      if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, name);
    } catch {
      // Already gone.
    }
  };
  child.stderr!.setEncoding("utf8");
  child.stderr!.on("data", (chunk: string) => (stderr += chunk));
  const timer = setTimeout(() => {
    timedOut = true;
    signal("SIGKILL");
  }, timeoutMs);
  const done = new Promise<ProcessResult>((resolveDone) => {
    child.on("error", (error) => {
      clearTimeout(timer);
      resolveDone({ code: null, signal: null, stderr: stderr + String(error), timedOut });
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolveDone({ code, signal, stderr, timedOut });
    });
  });
  return {
    done,
    stop: (graceMs = 1000) => {
      signal("SIGINT");
      const kill = setTimeout(() => signal("SIGKILL"), graceMs);
      done.then(() => clearTimeout(kill));
    },
  };
}

/** Runs ffmpeg to completion; throws with its stderr unless it exits with 0 in time. */
export async function runFfmpeg(args: string[], timeoutMs: number): Promise<ProcessResult> {
  const result = await spawnFfmpeg(args, timeoutMs).done;
  if (result.code !== 0) {
    throw new Error(`ffmpeg ${args.join(" ")} ${result.timedOut ? "timed out" : `exited with ${result.code ?? result.signal}`}: ${result.stderr}`);
  }
  return result;
}

/** An HTTP answer with its body already read. */
export interface HttpAnswer {
  status: number;
  headers: Headers;
  text: string;
  /** The body parsed as JSON (throws if it is not). */
  json<T = Record<string, unknown>>(): T;
}

/** A request to the API under test. */
export interface HttpRequest {
  method?: string;
  body?: string | Uint8Array<ArrayBuffer>;
  contentType?: string;
  headers?: Record<string, string>;
}

/**
 * Reads a server-sent event stream to its end, handing each event's `data` (parsed JSON) to
 * `onData`, with the reader the pages use; a stream that is aborted or closed by the server simply ends.
 */
export async function readEventStream(response: Response, onData: (data: unknown) => void): Promise<void> {
  try {
    await readStream(response, onData);
  } catch {
    // Aborted by the reader, or the server closed the stream.
  }
}

/** Sends one request with fetch to `baseUrl + path` and reads the whole answer. */
export async function http(baseUrl: string, path: string, request: HttpRequest = {}): Promise<HttpAnswer> {
  const headers = { ...(request.contentType ? { "content-type": request.contentType } : {}), ...request.headers };
  const response = await fetch(baseUrl + path, { method: request.method ?? "GET", headers, body: request.body });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: <T>() => JSON.parse(text) as T };
}

/** Sum of a metric's values over every label set that contains `labels` (0 if the metric has none). */
export async function metricTotal(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = registry.getSingleMetric(name);
  if (!metric) throw new Error(`no metric named ${name}`);
  const { values } = await metric.get();
  return values
    .filter((entry) => Object.entries(labels).every(([key, value]) => String((entry.labels as Record<string, unknown>)[key]) === value))
    .reduce((sum, entry) => sum + entry.value, 0);
}

/** A counter's values by one label (e.g. discards by reason). */
export async function metricByLabel(registry: Registry, name: string, label: string): Promise<Record<string, number>> {
  const metric = registry.getSingleMetric(name);
  if (!metric) throw new Error(`no metric named ${name}`);
  const out: Record<string, number> = {};
  for (const entry of (await metric.get()).values) {
    const key = String((entry.labels as Record<string, unknown>)[label]);
    out[key] = (out[key] ?? 0) + entry.value;
  }
  return out;
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolveSleep) => setTimeout(resolveSleep, ms));
}

/** Polls `condition` every `intervalMs` until it holds; throws naming `what` after `timeoutMs`. */
export async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string, intervalMs = 10): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await condition())) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

function bindUdp(port: number): Promise<Socket | null> {
  return new Promise((resolveBind) => {
    const socket = createSocket("udp4");
    socket.once("error", () => resolveBind(null));
    socket.bind(port, "127.0.0.1", () => resolveBind(socket));
  });
}

/** Closes a socket and waits until its port is free again (asynchronous on Deno). */
function closeUdp(socket: Socket | null): Promise<void> {
  return new Promise((resolveClose) => (socket ? socket.close(() => resolveClose()) : resolveClose()));
}

/** An even UDP port on 127.0.0.1 that is free together with the next one (for an RTP/RTCP receiver). */
export async function freeUdpPortPair(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const probe = await bindUdp(0);
    if (!probe) continue;
    const port = probe.address().port & ~1;
    await closeUdp(probe);
    const rtp = await bindUdp(port);
    const rtcp = rtp && (await bindUdp(port + 1));
    await closeUdp(rtp);
    await closeUdp(rtcp);
    if (rtp && rtcp) return port;
  }
  throw new Error("no free UDP port pair on 127.0.0.1");
}

/** In-place iterative radix-2 FFT of (re, im); the length must be a power of two. */
function fft(re: Float64Array, im: Float64Array, inverse: boolean): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      const r = re[i]!;
      re[i] = re[j]!;
      re[j] = r;
      const m = im[i]!;
      im[i] = im[j]!;
      im[j] = m;
    }
  }
  for (let size = 2; size <= n; size <<= 1) {
    const angle = ((inverse ? 2 : -2) * Math.PI) / size;
    const stepRe = Math.cos(angle);
    const stepIm = Math.sin(angle);
    for (let start = 0; start < n; start += size) {
      let wRe = 1;
      let wIm = 0;
      for (let k = 0; k < size / 2; k++) {
        const a = start + k;
        const b = a + size / 2;
        const tRe = re[b]! * wRe - im[b]! * wIm;
        const tIm = re[b]! * wIm + im[b]! * wRe;
        re[b] = re[a]! - tRe;
        im[b] = im[a]! - tIm;
        re[a] = re[a]! + tRe;
        im[a] = im[a]! + tIm;
        const nextRe = wRe * stepRe - wIm * stepIm;
        wIm = wRe * stepIm + wIm * stepRe;
        wRe = nextRe;
      }
    }
  }
}

/** One second of a reference found on its own in a recording: where it starts in the reference and in the recording, and how well it matches. */
export interface SecondFound {
  from: number;
  lag: number;
  correlation: number;
}

/**
 * Each whole second (`rate` samples) of `reference`, found on its own anywhere in `recording`
 * (the first may start up to 100 ms before it, when its first packet never came): what a
 * recording must hold when a stall of the machine shifted later words against earlier ones,
 * which one alignment of the whole cannot follow.
 */
export function secondBySecond(reference: Int16Array, recording: Int16Array, rate: number): SecondFound[] {
  const seconds: SecondFound[] = [];
  for (let from = 0; from + rate <= reference.length; from += rate) {
    seconds.push({ from, ...findAlignment(reference.subarray(from, from + rate), recording, -rate / 10, Math.max(0, recording.length - rate)) });
  }
  return seconds;
}

/**
 * The lag in [minLag, maxLag] at which `test[i + lag]` best lines up with `reference[i]`, and the
 * normalised correlation there. Seconds-long lag ranges make `bestLag`'s direct search slow, so
 * this finds the peak of the cross-correlation by FFT, then refines it directly.
 */
export function findAlignment(reference: ArrayLike<number>, test: ArrayLike<number>, minLag: number, maxLag: number): { lag: number; correlation: number } {
  let size = 1;
  while (size < reference.length + test.length) size <<= 1;
  const aRe = new Float64Array(size);
  const aIm = new Float64Array(size);
  const bRe = new Float64Array(size);
  const bIm = new Float64Array(size);
  aRe.set(reference);
  bRe.set(test);
  fft(aRe, aIm, false);
  fft(bRe, bIm, false);
  // conj(A) * B: its inverse transform at index lag (mod size) is sum_i a[i] * b[i + lag].
  for (let k = 0; k < size; k++) {
    const re = aRe[k]! * bRe[k]! + aIm[k]! * bIm[k]!;
    const im = aRe[k]! * bIm[k]! - aIm[k]! * bRe[k]!;
    aRe[k] = re;
    aIm[k] = im;
  }
  fft(aRe, aIm, true);
  let peak = minLag;
  for (let lag = minLag; lag <= maxLag; lag++) {
    if (aRe[(lag + size) % size]! > aRe[(peak + size) % size]!) peak = lag;
  }
  let best = { lag: peak, correlation: -Infinity };
  for (let lag = Math.max(minLag, peak - 2); lag <= Math.min(maxLag, peak + 2); lag++) {
    const correlation = normalizedCrossCorrelation(reference, test, lag);
    if (correlation > best.correlation) best = { lag, correlation };
  }
  return best;
}

/** A raw file of 16-bit little-endian mono PCM as written so far: empty before it exists, an odd last byte left out. */
export function readPcm(path: string): Int16Array {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch {
    return new Int16Array(0);
  }
  return new Int16Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + (bytes.byteLength & ~1)));
}

/** Keeps a leg's decoded inbound audio at `rate` from now on: what the server received of its party. */
export function tap(session: Session, rate: number): { samples: () => Int16Array; length: () => number; stop: () => void } {
  const frames: { samples: Int16Array }[] = [];
  let length = 0;
  const subscription = session.audio(rate).subscribe((frame) => {
    frames.push({ samples: frame.samples.slice() });
    length += frame.samples.length;
  });
  return { samples: () => concatFrames(frames), length: () => length, stop: () => subscription.unsubscribe() };
}

/**
 * How well what a far end heard matches a reference (what the server decoded of the talking leg):
 * each 1 s window of `heard` with speech in it (RMS 300 or more) is aligned on its own (a browser's
 * jitter buffer stretches and squeezes time while it adapts, so one alignment does not hold for
 * seconds), giving the best and the median correlation, the best window's place and its lag, and
 * how many windows had speech.
 */
export function windowCorrelation(reference: Int16Array, heard: Int16Array, rate: number): { best: number; median: number; start: number; lag: number; windows: number } {
  const results: { correlation: number; start: number; lag: number }[] = [];
  for (let start = 0; start + rate <= heard.length; start += rate / 4) {
    const window = heard.subarray(start, start + rate);
    if (rms(window) < 300) continue;
    const { correlation, lag } = findAlignment(window, reference, 0, reference.length - rate);
    results.push({ correlation, start, lag });
  }
  if (results.length === 0) return { best: 0, median: 0, start: 0, lag: 0, windows: 0 };
  const sorted = results.map((r) => r.correlation).sort((x, y) => x - y);
  const top = results.reduce((x, y) => (y.correlation > x.correlation ? y : x));
  return { best: top.correlation, median: sorted[sorted.length >> 1]!, start: top.start, lag: top.lag, windows: results.length };
}

/** Joins the samples of consecutive frames into one array. */
export function concatFrames(frames: readonly { samples: Int16Array }[]): Int16Array {
  const out = new Int16Array(frames.reduce((n, f) => n + f.samples.length, 0));
  let at = 0;
  for (const frame of frames) {
    out.set(frame.samples, at);
    at += frame.samples.length;
  }
  return out;
}

/** What the process holds at one moment. */
export interface ProcessSample {
  rssBytes: number;
  fds: number;
  udpSockets: number;
  /** Open descriptors by kind (socket, pipe, anon_inode, file), to say what grew. */
  fdKinds: Record<string, number>;
}

/** Inodes of the UDP sockets in the system's tables. */
function udpInodes(pid: number | "self"): Set<string> {
  const inodes = new Set<string>();
  for (const table of ["udp", "udp6"]) {
    let text = "";
    try {
      text = readFileSync(`/proc/${pid}/net/${table}`, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const inode = line.trim().split(/\s+/)[9];
      if (inode) inodes.add(inode);
    }
  }
  return inodes;
}

/** The kernel's drop count of the UDP socket on local `port` of process `pid`'s network namespace (0 if none is bound). */
export function udpDrops(pid: number | "self", port: number): number {
  const hexPort = port.toString(16).toUpperCase().padStart(4, "0");
  const line = readFileSync(`/proc/${pid}/net/udp`, "utf8").split("\n").find((entry) => entry.trim().split(/\s+/)[1]?.endsWith(`:${hexPort}`));
  return Number(line?.trim().split(/\s+/).at(-1) ?? 0);
}

/** RSS, open descriptors and UDP sockets of process `pid` (Linux /proc). */
export function sampleProcess(pid: number | "self" = "self"): ProcessSample {
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);
  const udp = udpInodes(pid);
  let fds = 0;
  let udpSockets = 0;
  const fdKinds: Record<string, number> = {};
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    fds++;
    try {
      const link = readlinkSync(`/proc/${pid}/fd/${fd}`);
      const kind = /^(\w+):/.exec(link)?.[1] ?? "file";
      fdKinds[kind] = (fdKinds[kind] ?? 0) + 1;
      const inode = /^socket:\[(\d+)\]$/.exec(link)?.[1];
      if (inode && udp.has(inode)) udpSockets++;
    } catch {
      // Closed while we looked.
    }
  }
  return { rssBytes: rssKb * 1024, fds, udpSockets, fdKinds };
}

/** Longest time between consecutive `times` within [from, to], counting the edges. */
export function longestGap(times: readonly number[], from: number, to: number): number {
  let previous = from;
  let gap = 0;
  for (const time of times.filter((t) => t >= from && t <= to)) {
    gap = Math.max(gap, time - previous);
    previous = time;
  }
  return Math.max(gap, to - previous);
}

/** A logger for tests that keeps each line as "plugin: message" (or the message alone), at `level` and above. */
export function recordingLogger(lines: string[], level: LogLevel = "info"): Logger {
  return pino({ level }, {
    write(line: string) {
      const { plugin, msg } = JSON.parse(line) as { plugin?: string; msg?: string };
      lines.push(plugin ? `${plugin}: ${msg}` : String(msg));
    },
  });
}
