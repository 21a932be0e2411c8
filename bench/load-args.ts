// The command line of `npm run bench:load`, checked and turned into the settings of a run (or of a
// series of runs), and where each kind of run writes its results.
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

/**
 * What the server runs: "plain" only a latency probe on each call (the bare media core), "default"
 * the plugin set `npm start` runs (examples/default-plugins.ts) with the probe beside it,
 * "recognizer" voice activity and speech recognition (pocketsphinx) alone, for the recogniser's
 * own capacity.
 */
export type LoadProfile = "plain" | "default" | "recognizer";

/** The settings of `npm run bench:load`. */
export interface LoadOptions {
  profile: LoadProfile;
  /** Callers measured; more than one value runs a series, one process per value, and prints a table. */
  sessions: number[];
  seconds: number;
  /** How long all calls run before the measured window starts. */
  warmupSeconds: number;
  rtpPorts?: string;
  webrtc: boolean;
  /** The WebRTC edge of a `--webrtc` run: werift (default) or mediasoup. */
  webrtcEdge: "werift" | "mediasoup";
  /** Plain profile: calls of real speech beside the measured ones, running vad and asr (pocketsphinx). */
  asr: number;
  /** Recognizer profile, or plain with `asr`: pocketsphinx worker threads (default: the engine's own, cores up to 4). */
  asrWorkers?: number;
  /**
   * Recognizer profile, or plain with `asr`: how far the workers' nice value is above the main thread's (default the engine's, 10, so
   * that Parley's media path wins the CPU). On a machine others load too, 10 hands the recogniser's
   * CPU to their processes, and 0 measures what it does on a core of its own.
   */
  asrNiceness?: number;
  /** Recognizer profile: what the recogniser listens for, free dictation or the voice bot's menu grammar (what `npm start` listens with). */
  asrSearch: "dictation" | "grammar";
  /** Default profile: what the callers send, the speech set (looped) or digital silence. */
  audio: "speech" | "silence";
  /** Default profile: the recogniser, one that accepts audio and answers nothing ("stub") or the real one. */
  engine: "stub" | "pocketsphinx";
  /** Default profile: register only these of the default plugins (in their usual order); all when absent. */
  plugins?: string[];
  /** Searches for the largest count that passes (see load-capacity.ts) instead of running once. */
  findCapacity: boolean;
  /** Records every call with the recording plugin (into a temporary folder), after the profile's plugins. */
  record: boolean;
  /**
   * Plain and default profiles: the server as that many shard processes behind a primary (core/cluster),
   * the probe in each; absent: one server in this process.
   */
  shards?: number;
}

/** Callers when `--sessions` is not given. */
const DEFAULT_SESSIONS: Record<LoadProfile, string> = { plain: "50", default: "100", recognizer: "8" };
/**
 * Warm-up when `--warmup` is not given, s. The voice bot greets each caller as the call starts,
 * and the last calls open just before the window: their greetings, a burst no steady state has,
 * are past after 5 s.
 */
const DEFAULT_WARMUP: Record<LoadProfile, string> = { plain: "1", default: "5", recognizer: "1" };

/** Options that only some profiles take. */
const PROFILE_OPTIONS: Record<string, readonly LoadProfile[]> = {
  webrtc: ["plain"],
  "webrtc-edge": ["plain"],
  asr: ["plain"],
  "asr-workers": ["plain", "recognizer"],
  "asr-niceness": ["plain", "recognizer"],
  "asr-search": ["recognizer"],
  audio: ["default"],
  engine: ["default"],
  plugins: ["default"],
  shards: ["plain", "default"],
};

const USAGE = "usage: load.ts [--profile plain|default|recognizer] [--sessions N[,N...]] [--seconds S] [--warmup S] [--rtp-ports min-max] [--webrtc [--webrtc-edge werift|mediasoup]] " +
  "[--asr N] [--asr-workers N] [--asr-niceness 0-19] [--asr-search dictation|grammar] [--audio speech|silence] [--engine stub|pocketsphinx] [--plugins a,b,...] [--find-capacity] [--record] [--shards N]";

function usage(why: string): Error {
  return new Error(`${why}\n${USAGE}`);
}

function count(text: string, what: string, minimum: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < minimum) throw usage(`${what} must be an integer of at least ${minimum}, not "${text}"`);
  return value;
}

function oneOf<T extends string>(text: string, allowed: readonly T[], what: string): T {
  if (!(allowed as readonly string[]).includes(text)) throw usage(`${what} must be one of ${allowed.join(", ")}, not "${text}"`);
  return text as T;
}

/** Parses `npm run bench:load` arguments; throws with the usage when they are wrong or do not fit the profile. */
export function parseLoadArgs(args: string[]): LoadOptions {
  const { values } = parseArgs({
    args,
    options: {
      profile: { type: "string", default: "plain" },
      sessions: { type: "string" },
      seconds: { type: "string", default: "20" },
      warmup: { type: "string" },
      "rtp-ports": { type: "string" },
      webrtc: { type: "boolean", default: false },
      "webrtc-edge": { type: "string", default: "werift" },
      asr: { type: "string", default: "0" },
      "asr-workers": { type: "string" },
      "asr-niceness": { type: "string" },
      "asr-search": { type: "string", default: "dictation" },
      audio: { type: "string", default: "speech" },
      engine: { type: "string", default: "stub" },
      plugins: { type: "string" },
      "find-capacity": { type: "boolean", default: false },
      record: { type: "boolean", default: false },
      shards: { type: "string" },
    },
  });
  const profile = oneOf(values.profile, ["plain", "default", "recognizer"] as const, "--profile");
  const seconds = Number(values.seconds);
  if (!(seconds > 0)) throw usage(`--seconds must be positive, not "${values.seconds}"`);
  const warmupSeconds = Number(values.warmup ?? DEFAULT_WARMUP[profile]);
  if (!(warmupSeconds >= 0)) throw usage(`--warmup must be 0 or more, not "${values.warmup}"`);
  const options: LoadOptions = {
    profile,
    sessions: (values.sessions ?? DEFAULT_SESSIONS[profile]).split(",").map((n) => count(n, "--sessions", 1)),
    seconds,
    warmupSeconds,
    rtpPorts: values["rtp-ports"],
    webrtc: values.webrtc,
    webrtcEdge: oneOf(values["webrtc-edge"], ["werift", "mediasoup"] as const, "--webrtc-edge"),
    asr: count(values.asr, "--asr", 0),
    asrWorkers: values["asr-workers"] === undefined ? undefined : count(values["asr-workers"], "--asr-workers", 1),
    asrNiceness: values["asr-niceness"] === undefined ? undefined : count(values["asr-niceness"], "--asr-niceness", 0),
    asrSearch: oneOf(values["asr-search"], ["dictation", "grammar"] as const, "--asr-search"),
    audio: oneOf(values.audio, ["speech", "silence"] as const, "--audio"),
    engine: oneOf(values.engine, ["stub", "pocketsphinx"] as const, "--engine"),
    plugins: values.plugins?.split(",").map((name) => name.trim()).filter(Boolean),
    findCapacity: values["find-capacity"],
    record: values.record,
    shards: values.shards === undefined ? undefined : count(values.shards, "--shards", 1),
  };
  const given = (name: string) => args.some((arg) => arg === `--${name}` || arg.startsWith(`--${name}=`));
  for (const [name, profiles] of Object.entries(PROFILE_OPTIONS)) {
    if (!profiles.includes(profile) && given(name)) throw usage(`--${name} belongs to --profile ${profiles.join(" or ")}`);
  }
  if (profile === "plain" && (options.asrWorkers !== undefined || options.asrNiceness !== undefined) && options.asr === 0) throw usage("--asr-workers and --asr-niceness need --asr");
  if (options.asrNiceness !== undefined && options.asrNiceness > 19) throw usage("--asr-niceness is 0 to 19");
  if (options.shards !== undefined && (options.webrtc || options.asr > 0 || options.record)) throw usage("--shards runs plain RTP calls with the profile's plugins only: not with --webrtc, --asr or --record");
  if (given("webrtc-edge") && !options.webrtc) throw usage("--webrtc-edge needs --webrtc");
  if (options.findCapacity && options.sessions.length > 1) throw usage("--find-capacity searches for the count itself: give at most one --sessions (where it starts)");
  return options;
}

/** Where one run of these settings writes its results (a series writes its table to `seriesResultsPath`). */
export function resultsPath(options: LoadOptions): string {
  const base = options.profile !== "plain" ? `load-${options.profile}`
    : options.asr > 0 ? "load-asr"
    : options.webrtc ? `load-webrtc${options.webrtcEdge === "mediasoup" ? "-mediasoup" : ""}`
    : "load";
  const name = `${base}${options.record ? "-recorded" : ""}${options.shards !== undefined ? `-shards${options.shards}` : ""}-results.json`;
  return fileURLToPath(new URL(`./${name}`, import.meta.url));
}

/** Where a series (a list of counts, or a capacity search) writes its table. */
export function seriesResultsPath(options: LoadOptions): string {
  return resultsPath(options).replace(/-results\.json$/, "-capacity.json");
}

/** The command line that runs `options` again (load-series.ts runs each count of a series this way). */
export function loadArgs(options: LoadOptions): string[] {
  const args = ["--profile", options.profile, "--sessions", options.sessions.join(","), "--seconds", String(options.seconds), "--warmup", String(options.warmupSeconds)];
  if (options.rtpPorts) args.push("--rtp-ports", options.rtpPorts);
  if (options.webrtc) args.push("--webrtc", "--webrtc-edge", options.webrtcEdge);
  if (options.asr > 0) args.push("--asr", String(options.asr));
  if (options.asrWorkers !== undefined) args.push("--asr-workers", String(options.asrWorkers));
  if (options.asrNiceness !== undefined) args.push("--asr-niceness", String(options.asrNiceness));
  if (options.profile === "recognizer") args.push("--asr-search", options.asrSearch);
  if (options.profile === "default") args.push("--audio", options.audio, "--engine", options.engine);
  if (options.plugins) args.push("--plugins", options.plugins.join(","));
  if (options.findCapacity) args.push("--find-capacity");
  if (options.record) args.push("--record");
  if (options.shards !== undefined) args.push("--shards", String(options.shards));
  return args;
}
