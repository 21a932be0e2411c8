// What `npm start` and `deno task start` run: the Parley server with the console, the voice bot
// (examples/voicebot, with voice activity, speech recognition, barge-in, synthesis and latency
// metrics behind it) and the caller analytics (emotion, synthetic voice, voice biometrics with
// voiceprints in PARLEY_VOICEPRINTS, default ./voiceprints). Configured from the environment
// (PARLEY_PORT, PARLEY_RTP_PORTS, PARLEY_CONFIG).
import { createServer } from "../core/mod.ts";
import { asr } from "../plugins/asr/mod.ts";
import { bargeIn } from "../plugins/barge-in/mod.ts";
import { biometrics } from "../plugins/biometrics/mod.ts";
import { consolePlugin } from "../plugins/console/mod.ts";
import { deepfake } from "../plugins/deepfake/mod.ts";
import { emotion } from "../plugins/emotion/mod.ts";
import { latency } from "../plugins/latency/mod.ts";
import { tts } from "../plugins/tts/mod.ts";
import { vad } from "../plugins/vad/mod.ts";
import { voicebot } from "./voicebot/mod.ts";

const server = createServer().use(consolePlugin)
  // 350 ms of silence ends a caller's turn: a voice-to-voice p50 under 500 ms (bench:conversation).
  .use(vad, { minSilenceMs: 350 })
  .use(asr)
  .use(bargeIn)
  .use(tts)
  .use(latency)
  .use(voicebot())
  // Caller analytics on every call, from one shared feature stream per session.
  .use(emotion)
  .use(deepfake)
  .use(biometrics, { directory: process.env.PARLEY_VOICEPRINTS ?? "voiceprints" });
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
