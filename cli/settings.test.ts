import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { cliSettings, configFromArgs, configFromEnv, helpText, SETTINGS } from "./settings.ts";

test("the environment maps onto the server configuration and the default plugins' options", () => {
  const settings = configFromEnv({
    PARLEY_PORT: "9090",
    PARLEY_RTP_PORTS: "50000-50099",
    PARLEY_RTP_ADDRESS: "203.0.113.5",
    PARLEY_WEBRTC_ADDRESS: "203.0.113.6",
    PARLEY_TOKEN: "aaaaaaaa1, bbbbbbbb2",
    PARLEY_METRICS_TOKEN: "cccccccc3",
    PARLEY_LOG_LEVEL: "debug",
    PARLEY_VOICEPRINTS: "/var/lib/voiceprints",
    PARLEY_VOICEPRINT_KEY: "a passphrase",
    PARLEY_RECORDINGS: "/var/lib/recordings",
    PARLEY_RECORDING_RETENTION_DAYS: "90",
    PARLEY_RECORDING_PUBLIC_KEY: "/etc/parley/recording-public.pem",
    PARLEY_RECORDING_FORMAT: "ogg-opus",
    PARLEY_POSTCALL: "/var/lib/postcall",
    PARLEY_WEBHOOK_URL: "https://crm.example/hooks/parley",
    PARLEY_WEBHOOK_SECRET: "whsec_0123456789abcdef",
    PARLEY_REDIS_URL: "redis://redis.internal:6379",
    PARLEY_REDIS_PREFIX: "parley:acme:",
  });
  assert.equal(settings, {
    config: {
      http: { port: 9090 },
      rtp: { ports: "50000-50099", announcedAddress: "203.0.113.5" },
      webrtc: { announcedAddress: "203.0.113.6" },
      auth: { tokens: ["aaaaaaaa1", "bbbbbbbb2"], metricsTokens: ["cccccccc3"] },
      logLevel: "debug",
    },
    voiceprints: "/var/lib/voiceprints",
    voiceprintKey: "a passphrase",
    recordings: "/var/lib/recordings",
    recordingRetentionDays: 90,
    recordingPublicKeyFile: "/etc/parley/recording-public.pem",
    recordingFormat: "ogg-opus",
    postcall: "/var/lib/postcall",
    webhookUrl: "https://crm.example/hooks/parley",
    webhookSecret: "whsec_0123456789abcdef",
    redis: "redis://redis.internal:6379",
    redisPrefix: "parley:acme:",
  });
});

test("an empty or missing variable is unset; a port that is not a number is refused by name", () => {
  assert.equal(configFromEnv({ PARLEY_PORT: "", HOME: "/root" }), { config: {} });
  assert.throws(() => configFromEnv({ PARLEY_PORT: "eighty" }), /PARLEY_PORT="eighty" is not a port number/);
  assert.throws(() => configFromArgs(["--recording-retention-days", "0"]), /--recording-retention-days="0" is not a positive number of days/);
  assert.throws(() => configFromArgs(["--recording-format", "mp3"]), /--recording-format="mp3" is not a recording format/);
});

test("options take `--name value` and `--name=value`; unknown options and missing values are refused", () => {
  assert.equal(configFromArgs(["--port", "0", "--host=127.0.0.1", "-h"]), { config: { http: { port: 0, host: "127.0.0.1" } }, help: true });
  assert.throws(() => configFromArgs(["--bogus", "1"]), /unknown option --bogus/);
  assert.throws(() => configFromArgs(["--port"]), /--port needs a value/);
  assert.throws(() => configFromArgs(["--token", "aaaaaaaa1"]), /unknown option --token/, "secrets have no option");
});

test("an option wins over its variable, and both over the configuration file", () => {
  const path = join(tmpdir(), `parley-cli-config-${process.pid}.json`);
  writeFileSync(path, JSON.stringify({ http: { port: 1, host: "127.0.0.1" }, rtp: { timeoutSeconds: 5 } }));
  try {
    const settings = cliSettings({ PARLEY_CONFIG: path, PARLEY_PORT: "2", PARLEY_RTP_PORTS: "50000-50099" }, ["--port", "3"]);
    assert.equal(settings.config, { http: { port: 3, host: "127.0.0.1" }, rtp: { timeoutSeconds: 5, ports: "50000-50099" } });
    assert.throws(() => cliSettings({ PARLEY_CONFIG: "/nonexistent/parley.json" }, []), /cannot read/);
  } finally {
    rmSync(path, { force: true });
  }
});

test("--help lists every setting's variable, option and default", () => {
  const help = helpText();
  for (const setting of SETTINGS) {
    assert.ok(help.includes(setting.env), setting.env);
    if (setting.option) assert.ok(help.includes(setting.option), setting.option);
    assert.ok(help.includes(`(default: ${setting.default})`), setting.default);
  }
  assert.match(help, /--port <port> +PARLEY_PORT +HTTP API port; 0 picks a free one \(default: 8080\)/);
});

test("the README shows --help as it is", () => {
  const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
  assert.ok(readme.includes(`\`\`\`text\n${helpText()}\`\`\``), "README's Configuration section: paste the output of `npm start -- --help`");
});

test.run();
