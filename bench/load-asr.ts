// The speech-recognition side of `bench:load -- --asr N`: N calls that carry real speech (the
// speech set, looped) and run the vad and asr plugins, beside the plain calls whose latency is
// measured. The plugins are narrowed to those calls, so the plain calls do only what they always do.
import { definePlugin, type Plugin, type Session } from "../core/mod.ts";
import { concatSamples, resample, speechClips } from "../plugins/testing.ts";
import { ASR_KEY } from "./load-protocol.ts";
import { opusPackets } from "./speech-packets.ts";

/** Pause between two clips of the speech set, s: the caller's turns end between them. */
const PAUSE_SECONDS = 1;

/** True for a session the generator opened as a recognition call. */
export function isAsrCall(session: Session): boolean {
  return session.info.metadata[ASR_KEY] === "1";
}

/** The same plugin (name, version, options, dependencies, close hooks), running only on the sessions `applies` accepts. */
export function onlyWhere<O>(plugin: Plugin<O>, applies: (session: Session) => boolean): Plugin<O> {
  return definePlugin<O>({
    ...plugin,
    async setup(context, options) {
      const perSession = await plugin.setup(context, options);
      if (!perSession) return;
      return (session) => (applies(session) ? perSession(session) : undefined);
    },
  });
}

/**
 * The speech set (10 clips, 39 s, 16 kHz) with a pause after each clip, as 20 ms Opus packets of a
 * voice call (24 kbit/s wideband, as the plain calls), for the generator to loop. Throws when the
 * data is missing.
 */
export function speechSetOpusPackets(): Uint8Array[] {
  const clips = speechClips();
  if (!clips) throw new Error("--asr needs the speech set (PARLEY_DATA/speech)");
  const pause = new Int16Array(16000 * PAUSE_SECONDS);
  return opusPackets(resample(concatSamples(...clips.flatMap((clip) => [resample(clip.samples, clip.sampleRate, 16000), pause])), 16000, 48000));
}
