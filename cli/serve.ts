// The default server as the `parley` command runs it: the console, the voice bot and the caller
// analytics (examples/default-plugins.ts), its address on stdout, and a clean close on SIGINT or
// SIGTERM.
import { readFileSync } from "node:fs";
import process from "node:process";
import { createServer, ParleyError } from "../core/mod.ts";
import { useDefaultPlugins } from "../examples/default-plugins.ts";
import type { CliSettings } from "./settings.ts";

/** The PEM text of `path`, or a coded configuration error that names the file. */
function readKeyFile(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    throw new ParleyError("PARLEY_ERR_CONFIG", `cannot read the recording public key ${path}: ${(error as Error).message}`);
  }
}

/** Starts the default server with `settings` and closes it on SIGINT or SIGTERM. */
export async function serveDefault(settings: CliSettings): Promise<void> {
  const recording = settings.recordings === undefined ? undefined : {
    directory: settings.recordings,
    ...(settings.recordingRetentionDays !== undefined && { retentionDays: settings.recordingRetentionDays }),
    ...(settings.recordingPublicKeyFile !== undefined && { publicKey: readKeyFile(settings.recordingPublicKeyFile) }),
    ...(settings.recordingFormat !== undefined && { format: settings.recordingFormat }),
  };
  if (settings.postcall === undefined && (settings.webhookUrl !== undefined || settings.webhookSecret !== undefined)) {
    throw new ParleyError("PARLEY_ERR_CONFIG", "a post-call webhook needs a folder for its records and outbox: --postcall <dir> (PARLEY_POSTCALL)");
  }
  const postcall = settings.postcall === undefined ? undefined : {
    directory: settings.postcall,
    ...(settings.webhookUrl !== undefined && { webhookUrl: settings.webhookUrl }),
    ...(settings.webhookSecret !== undefined && { webhookSecret: settings.webhookSecret }),
  };
  if (settings.redisPrefix !== undefined && settings.redis === undefined) throw new ParleyError("PARLEY_ERR_CONFIG", "a Redis key prefix needs a Redis: --redis <url> (PARLEY_REDIS_URL)");
  const announced = settings.config.rtp?.announcedAddress;
  const routing = settings.redis === undefined ? undefined : {
    redis: { url: settings.redis, ...(settings.redisPrefix !== undefined && { prefix: settings.redisPrefix }), ...(announced !== undefined && { address: announced }) },
  };
  const server = useDefaultPlugins(createServer(settings.config), { voiceprints: settings.voiceprints ?? "voiceprints", voiceprintKey: settings.voiceprintKey, recording, postcall, routing });
  const address = await server.listen();
  console.log(`parley: listening on http://${address.address}:${address.port} (RTP ports ${server.config.rtp.portMin}-${server.config.rtp.portMax})`);
  console.log(`parley: console at http://127.0.0.1:${address.port}/`);
  console.log(`parley: plugins ${[...server.plugins()].map(([name, version]) => `${name}@${version}`).join(", ")}`);

  let stopping = false;
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, async () => {
      if (stopping) return;
      stopping = true;
      console.log(`parley: ${signal}, ending ${server.sessions().length} sessions`);
      await server.close();
      console.log("parley: closed");
      process.exit(0);
    });
  }
}
