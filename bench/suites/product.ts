import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CODECS } from "../../core/codecs.ts";
import { SAMPLE_EVERY } from "../../core/frame-timing.ts";
import { createServer, type ParleyServer } from "../../core/mod.ts";
import type { CallSession } from "../../core/Session.ts";
import { requireData } from "../../core/testing.ts";
import { useDefaultPlugins } from "../../examples/default-plugins.ts";
import { pinkNoise } from "../background-noise.ts";
import { speechSetOpusPackets } from "../load-asr.ts";
import { rtpFeed } from "../rtp-feed.ts";
import { opusPackets } from "../speech-packets.ts";
import type { BenchCase, BenchSuite } from "../suite.ts";

/** Main-thread time per frame of one plugin (or shared stream), in ns, from the server's own sampled timing. */
export type PluginBreakdown = Record<string, number>;

/** The audio a product case's caller sends, as 20 ms Opus packets. */
interface CallerAudio {
  readonly name: string;
  readonly packets: () => Uint8Array[];
}

const CALLERS: readonly CallerAudio[] = [
  // The speech set (10 clips, 39 s), a second's pause after each: a caller taking turns.
  { name: "speech", packets: speechSetOpusPackets },
  { name: "silence", packets: () => opusPackets(new Int16Array(48000 * 10)) },
  // Room or street noise well above a quiet line and below speech.
  { name: "noise", packets: () => opusPackets(pinkNoise(48000, 10, -45)) },
];

/** One case: a server with the default plugins and one Opus RTP call into it. */
interface ProductCase {
  readonly benchCase: BenchCase;
  readonly server: ParleyServer;
  readonly session: CallSession;
  /** Packets fed so far. */
  frames(): number;
}

async function productCase(caller: CallerAudio, voiceprints: string): Promise<ProductCase> {
  const server = useDefaultPlugins(createServer({ http: { port: 0, host: "127.0.0.1" } }), { voiceprints });
  await server.listen();
  const codec = CODECS.opus;
  const encoder = codec.createEncoder();
  const feed = rtpFeed(codec, encoder, caller.packets(), server.metrics);
  const session = server.openSession(
    { transport: "rtp", codec: codec.name, sampleRate: codec.pcmRate, decodableRates: codec.decodableRates, outputRate: encoder.sampleRate, frameSamples: encoder.sampleRate / 50, metadata: {} },
    (session) => feed.createEndpoint(session),
  );
  let frames = 0;
  const run = () => {
    feed.next();
    return ++frames;
  };
  return { benchCase: { name: `product.${caller.name}`, batch: 1, run }, server, session, frames: () => frames };
}

/** Each plugin's sampled time per frame on `server`, in ns: its histogram sum over the frames sampled. */
async function breakdown(server: ParleyServer, frames: number): Promise<PluginBreakdown> {
  const sampledFrames = frames / SAMPLE_EVERY;
  const perPlugin: PluginBreakdown = {};
  for (const value of (await server.metrics.pluginFrameSeconds.get()).values) {
    if (value.metricName !== "parley_plugin_frame_seconds_sum") continue;
    perPlugin[String(value.labels.plugin)] = Math.round((value.value / sampledFrames) * 1e10) / 10;
  }
  return perPlugin;
}

/**
 * The product as shipped, per 20 ms frame: an Opus RTP call's packets through the production
 * ingest path into a session carrying exactly the plugins `npm start` runs (examples/default-
 * plugins.ts), the recognizer's engine in its worker threads as in production. One server per
 * kind of audio (real speech, silence, background noise), so each has its own per-plugin figures.
 * A plugin added to the default set is measured here without a change to this file.
 */
export async function productSuite(): Promise<BenchSuite> {
  // Without the speech set (PARLEY_DATA) the suite measures nothing and its gates are not
  // evaluated; requireData has said so (and throws under PARLEY_STRICT=1, as in CI).
  if (!requireData("speech/labels.tsv")) return { name: "product", cases: [] };
  const voiceprints = mkdtempSync(join(tmpdir(), "parley-bench-voiceprints-"));
  const cases: ProductCase[] = [];
  for (const caller of CALLERS) cases.push(await productCase(caller, voiceprints));
  return {
    name: "product",
    cases: cases.map((productCase) => productCase.benchCase),
    async report() {
      const figures: Record<string, PluginBreakdown> = {};
      for (const productCase of cases) figures[productCase.benchCase.name] = await breakdown(productCase.server, productCase.frames());
      return figures;
    },
    async close() {
      for (const productCase of cases) await productCase.server.close();
      rmSync(voiceprints, { recursive: true, force: true });
    },
  };
}
