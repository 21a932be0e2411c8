// Embedding Parley in your own program: a server with one plugin of your own that reports the
// caller's loudness once a second, and a plain RTP session opened from code (no HTTP needed).
// Run: npx tsx examples/embed.ts, then send it audio, e.g.
//   ffmpeg -re -i speech.wav -ac 1 -ar 8000 -c:a pcm_mulaw -f rtp rtp://127.0.0.1:<port printed>
import { bufferCount, map } from "rxjs";
import { createServer, definePlugin } from "../core/mod.ts";

/** Logs the caller's level in dBFS every second (50 frames of 20 ms), through its context's logger. */
const loudness = definePlugin({
  name: "loudness",
  version: "1.0.0",
  setup(context) {
    return (session) => {
      const log = context.log.child({ session: session.id.slice(0, 8) });
      return session.audio(16000).pipe(
        bufferCount(50),
        map((frames) => {
          let energy = 0;
          let count = 0;
          for (const frame of frames) {
            for (const sample of frame.samples) energy += sample * sample;
            count += frame.samples.length;
          }
          const dbfs = 10 * Math.log10(energy / count / 32768 ** 2 + 1e-12);
          log.info(`${dbfs.toFixed(1)} dBFS`);
          return undefined;
        }),
      );
    };
  },
});

const server = createServer({ http: { port: 0, host: "127.0.0.1" } }).use(loudness);
await server.listen();
const { session, host, port } = await server.rtp.open({ codec: "pcmu", metadata: { caller: "+15550100" } });
console.log(`send PCMU RTP to ${host}:${port}; Ctrl-C to stop`);
session.events$.subscribe((event) => console.log(event.type));
process.on("SIGINT", () => server.close().then(() => process.exit(0)));
