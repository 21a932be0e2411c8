// The `parley` command's settings in one table: each row names its environment variable, its
// option (secrets have none, so they stay out of the process list), its default and its meaning,
// and says where its value goes. Reading the environment, reading the options and `--help` all
// come from this table; the library itself reads neither.
// Only configuration and errors are imported, so `--help` does not load the server.
import { loadConfigFile, mergeConfig, type ParleyConfig, resolveConfig } from "../core/config.ts";
import { LOG_LEVELS } from "../core/log.ts";
import { ParleyError } from "../core/errors.ts";

/** What the command line configures: the server, and the default plugins' options. */
export interface CliSettings {
  /** The server configuration the settings give (file, then environment, then options). */
  config: ParleyConfig;
  /** The JSON configuration file to read under the other settings. */
  configFile?: string;
  /** The biometrics plugin's voiceprint directory. */
  voiceprints?: string;
  /** The key the voiceprint files are encrypted with. */
  voiceprintKey?: string;
  /** The recording plugin's folder; none: calls are not recorded. */
  recordings?: string;
  /** Days finished recordings are kept. */
  recordingRetentionDays?: number;
  /** File of the PEM public key recordings are encrypted for. */
  recordingPublicKeyFile?: string;
  /** The recordings' audio format. */
  recordingFormat?: "wav" | "ogg-opus";
  /** The postcall plugin's folder; none: no post-call records. */
  postcall?: string;
  /** Where post-call records are POSTed. */
  webhookUrl?: string;
  /** The webhook signature's secret. */
  webhookSecret?: string;
  /** The Redis the routing state is shared in, by every node of a call center. */
  redis?: string;
  /** The key prefix of this call center's routing state in Redis. */
  redisPrefix?: string;
  /** `--help` was given. */
  help?: boolean;
}

/** One setting: where it is read from, how `--help` describes it, and where its value goes. */
interface Setting {
  env: string;
  /** The option, with a placeholder for its value; none for secrets. */
  option?: `--${string} <${string}>`;
  default: string;
  meaning: string;
  apply(settings: CliSettings, value: string, from: string): void;
}

const DEFAULTS = resolveConfig({});

/** A comma-separated list, blanks dropped. */
const list = (value: string) => value.split(",").map((item) => item.trim()).filter(Boolean);

/** `section` of `settings.config`, created when missing. */
function section<K extends "http" | "rtp" | "auth" | "webrtc">(settings: CliSettings, key: K): NonNullable<ParleyConfig[K]> {
  return (settings.config[key] ??= {} as NonNullable<ParleyConfig[K]>);
}

/** Every setting of the `parley` command. */
export const SETTINGS: readonly Setting[] = [
  {
    env: "PARLEY_CONFIG",
    option: "--config <file>",
    default: "none",
    meaning: "JSON file with any server configuration (ParleyConfig); the settings below override it",
    apply: (settings, value) => (settings.configFile = value),
  },
  {
    env: "PARLEY_PORT",
    option: "--port <port>",
    default: String(DEFAULTS.http.port),
    meaning: "HTTP API port; 0 picks a free one",
    apply: (settings, value, from) => {
      if (!/^\d+$/.test(value)) throw new ParleyError("PARLEY_ERR_CONFIG", `${from}="${value}" is not a port number`);
      section(settings, "http").port = Number(value);
    },
  },
  {
    env: "PARLEY_HOST",
    option: "--host <address>",
    default: DEFAULTS.http.host,
    meaning: "address the HTTP API listens on",
    apply: (settings, value) => (section(settings, "http").host = value),
  },
  {
    env: "PARLEY_RTP_PORTS",
    option: "--rtp-ports <min-max>",
    default: `${DEFAULTS.rtp.portMin}-${DEFAULTS.rtp.portMax}`,
    meaning: "UDP port range of plain RTP sessions",
    apply: (settings, value) => (section(settings, "rtp").ports = value),
  },
  {
    env: "PARLEY_RTP_ADDRESS",
    option: "--rtp-address <address>",
    default: "loopback for loopback peers, else this host's first external IPv4",
    meaning: "address written into SDP answers",
    apply: (settings, value) => (section(settings, "rtp").announcedAddress = value),
  },
  {
    env: "PARLEY_WEBRTC_ADDRESS",
    option: "--webrtc-address <address>",
    default: "none",
    meaning: "extra ICE host candidate address to announce, for NAT",
    apply: (settings, value) => (section(settings, "webrtc").announcedAddress = value),
  },
  {
    env: "PARLEY_WEBRTC_EDGE",
    option: "--webrtc-edge <werift|mediasoup>",
    default: "werift",
    meaning: "what terminates browsers' WebRTC: werift in this process, or mediasoup's C++ workers (built by npm install when the README's libraries are there)",
    apply: (settings, value, from) => {
      if (value !== "werift" && value !== "mediasoup") throw new ParleyError("PARLEY_ERR_CONFIG", `${from}="${value}" is neither werift nor mediasoup`);
      section(settings, "webrtc").edge = value;
    },
  },
  {
    env: "PARLEY_WEBRTC_WORKERS",
    option: "--webrtc-workers <count>",
    default: "one per core",
    meaning: "mediasoup workers to run (with --webrtc-edge mediasoup)",
    apply: (settings, value, from) => {
      if (!/^[1-9]\d*$/.test(value)) throw new ParleyError("PARLEY_ERR_CONFIG", `${from}="${value}" is not a count of workers`);
      section(settings, "webrtc").workers = Number(value);
    },
  },
  {
    env: "PARLEY_LOG_LEVEL",
    option: "--log-level <level>",
    default: DEFAULTS.logLevel,
    meaning: `least severe log level written: ${LOG_LEVELS.join(", ")}`,
    apply: (settings, value) => (settings.config.logLevel = value as ParleyConfig["logLevel"]),
  },
  {
    env: "PARLEY_TOKEN",
    default: "none: the API is open",
    meaning: "bearer tokens of the API, WHIP and WebSocket endpoints, comma-separated (at least 8 characters each)",
    apply: (settings, value) => (section(settings, "auth").tokens = list(value)),
  },
  {
    env: "PARLEY_METRICS_TOKEN",
    default: "none: /metrics takes the API tokens",
    meaning: "bearer tokens of /metrics besides the API tokens, comma-separated",
    apply: (settings, value) => (section(settings, "auth").metricsTokens = list(value)),
  },
  {
    env: "PARLEY_SUPERVISOR_TOKEN",
    default: "none",
    meaning: "supervisor bearer tokens (every agent and call, not configuration), comma-separated",
    apply: (settings, value) => (section(settings, "auth").supervisorTokens = list(value)),
  },
  {
    env: "PARLEY_VOICEPRINTS",
    option: "--voiceprints <dir>",
    default: "voiceprints",
    meaning: "folder of the biometrics plugin's voiceprints",
    apply: (settings, value) => (settings.voiceprints = value),
  },
  {
    env: "PARLEY_VOICEPRINT_KEY",
    default: "none: voiceprints unencrypted",
    meaning: "key of the voiceprint files (64 hex digits, 32 bytes in base64, or a passphrase)",
    apply: (settings, value) => (settings.voiceprintKey = value),
  },
  {
    env: "PARLEY_RECORDINGS",
    option: "--recordings <dir>",
    default: "none: calls are not recorded",
    meaning: "folder where every call is recorded (stereo WAV and metadata, served at /v1/recordings)",
    apply: (settings, value) => (settings.recordings = value),
  },
  {
    env: "PARLEY_RECORDING_RETENTION_DAYS",
    option: "--recording-retention-days <days>",
    default: "none: kept until deleted",
    meaning: "days a finished recording is kept",
    apply: (settings, value, from) => {
      const days = Number(value);
      if (!(days > 0)) throw new ParleyError("PARLEY_ERR_CONFIG", `${from}="${value}" is not a positive number of days`);
      settings.recordingRetentionDays = days;
    },
  },
  {
    env: "PARLEY_RECORDING_PUBLIC_KEY",
    option: "--recording-public-key <file>",
    default: "none: recordings stored in the clear",
    meaning: "PEM public key file (RSA or X25519) the recordings' audio and events are encrypted for; `parley recording decrypt` opens them with the private key",
    apply: (settings, value) => (settings.recordingPublicKeyFile = value),
  },
  {
    env: "PARLEY_RECORDING_FORMAT",
    option: "--recording-format <format>",
    default: "wav",
    meaning: "the recordings' audio: wav (16-bit PCM), or ogg-opus (encoded by ffmpeg when the call ends, about a sixteenth of the size; not with a public key)",
    apply: (settings, value, from) => {
      if (value !== "wav" && value !== "ogg-opus") throw new ParleyError("PARLEY_ERR_CONFIG", `${from}="${value}" is not a recording format (wav or ogg-opus)`);
      settings.recordingFormat = value;
    },
  },
  {
    env: "PARLEY_POSTCALL",
    option: "--postcall <dir>",
    default: "none: no post-call records",
    meaning: "folder of the post-call records (transcript, summary, scorecard; served at /v1/postcall, shown in the call history) and of their webhook outbox",
    apply: (settings, value) => (settings.postcall = value),
  },
  {
    env: "PARLEY_WEBHOOK_URL",
    option: "--webhook-url <url>",
    default: "none: records are kept, not sent",
    meaning: "where post-call records are POSTed, signed (needs --postcall and PARLEY_WEBHOOK_SECRET)",
    apply: (settings, value) => (settings.webhookUrl = value),
  },
  {
    env: "PARLEY_REDIS_URL",
    option: "--redis <url>",
    default: "none: routing state in this process",
    meaning: "Redis (redis://host:port, rediss://..., or a unix socket's path) where queues, agents and offers are shared by every node naming it, which then route as one call center; a password belongs in the variable, not the option",
    apply: (settings, value) => (settings.redis = value),
  },
  {
    env: "PARLEY_REDIS_PREFIX",
    option: "--redis-prefix <prefix>",
    default: "parley:",
    meaning: "key prefix of this call center's state in that Redis (several call centers can share one)",
    apply: (settings, value) => (settings.redisPrefix = value),
  },
  {
    env: "PARLEY_WEBHOOK_SECRET",
    default: "none",
    meaning: "secret of the post-call webhook's Parley-Signature (HMAC-SHA256), 16 characters or more",
    apply: (settings, value) => (settings.webhookSecret = value),
  },
];

/** Adds the settings the environment gives to `settings`; an empty variable counts as unset. */
export function configFromEnv(env: Record<string, string | undefined>, settings: CliSettings = { config: {} }): CliSettings {
  for (const setting of SETTINGS) {
    const value = env[setting.env];
    if (value) setting.apply(settings, value, setting.env);
  }
  return settings;
}

/** Adds the settings command-line options give (`--port 8080` or `--port=8080`, `-h`/`--help`) to `settings`. */
export function configFromArgs(args: readonly string[], settings: CliSettings = { config: {} }): CliSettings {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "-h" || arg === "--help") {
      settings.help = true;
      continue;
    }
    const [name, inline] = arg.split(/=(.*)/s, 2) as [string, string | undefined];
    const setting = SETTINGS.find((candidate) => candidate.option?.startsWith(`${name} `));
    if (!setting) throw new ParleyError("PARLEY_ERR_CONFIG", `unknown option ${name} (parley --help lists them)`);
    const value = inline ?? args[++i];
    if (value === undefined || value === "") throw new ParleyError("PARLEY_ERR_CONFIG", `${name} needs a value`);
    setting.apply(settings, value, name);
  }
  return settings;
}

/** Every setting, in rising priority: the configuration file, the environment, the options. */
export function cliSettings(env: Record<string, string | undefined>, args: readonly string[]): CliSettings {
  const settings = configFromArgs(args, configFromEnv(env));
  if (settings.configFile) settings.config = mergeConfig(loadConfigFile(settings.configFile), settings.config);
  return settings;
}

/** The `--help` text: usage, then every setting with its variable, option, default and meaning. */
export function helpText(): string {
  const rows = SETTINGS.map((setting) => [setting.option ?? "", setting.env, `${setting.meaning} (default: ${setting.default})`]);
  const widths = [0, 1].map((column) => Math.max(...rows.map((row) => row[column]!.length)));
  return [
    "Usage: parley [options]",
    "       parley recording decrypt --key <private.pem> <file.wav.enc | id.json> [-o <out>]",
    "",
    "Starts the Parley media server with the default plugins: the console, the voice bot and the",
    "caller analytics. Each setting comes from an option or an environment variable; an option wins",
    "over its variable, and both over the configuration file. Secrets have no option, so that they",
    "stay out of the process list.",
    "",
    ...rows.map(([option, env, meaning]) => `  ${option!.padEnd(widths[0]!)}  ${env!.padEnd(widths[1]!)}  ${meaning}`),
    `  ${"-h, --help".padEnd(widths[0]!)}  ${"".padEnd(widths[1]!)}  this text`,
    "",
  ].join("\n");
}
