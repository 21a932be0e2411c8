// What `npm start` and `deno task start` run: the Parley server with the console, the voice bot
// (examples/voicebot, with voice activity, speech recognition, barge-in, synthesis and latency
// metrics behind it) and the caller analytics (emotion, synthetic voice, voice biometrics with
// voiceprints in PARLEY_VOICEPRINTS, default ./voiceprints). Configured from the environment
// (PARLEY_PORT, PARLEY_RTP_PORTS, PARLEY_CONFIG).
import { createServer } from "../core/mod.ts";
import { useDefaultPlugins } from "./default-plugins.ts";

const server = useDefaultPlugins(createServer(), { voiceprints: process.env.PARLEY_VOICEPRINTS ?? "voiceprints" });
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
