import { AudioClip } from "../../core/AudioClip.ts";
import { CODECS } from "../../core/codecs.ts";
import { OpusDecoder } from "../../core/opus.ts";
import { encodeFrame } from "../../core/shared-encodings.ts";
import { speechLike } from "../speech-like.ts";
import { speechOpusPackets } from "../speech-packets.ts";
import type { BenchCase, BenchSuite } from "../suite.ts";

/** Decodes a rotating stream of distinct 20 ms speech packets, in order, at `sampleRate`. */
function decodeCase(name: string, sampleRate: number, packets: readonly Uint8Array[]): BenchCase {
  const decoder = new OpusDecoder(sampleRate);
  let next = 0;
  return { name, batch: 1, run: () => decoder.decode(packets[next++ % packets.length]!).length };
}

/**
 * Bare libopus decoding of one 20 ms packet: at 48 kHz (the baseline every gate divides by) and
 * straight to 16 kHz (what the ingest path does when only 16 kHz listeners exist).
 */
export function opusSuite(): BenchSuite {
  const packets = speechOpusPackets(5);
  return {
    name: "opus",
    cases: [decodeCase("opus.decode.48k", 48000, packets), decodeCase("opus.decode.16k", 16000, packets), encodeCase(), promptCase()],
  };
}

/** The encoder a call's outbound audio goes through (the voice bot's speech, echo), one 20 ms frame of speech-like audio at a time. */
function encodeCase(): BenchCase {
  const encoder = CODECS.opus.createEncoder();
  const speech = speechLike(48000, 2, 5);
  let next = 0;
  return {
    name: "opus.encode.call",
    batch: 1,
    run: () => {
      const at = (next++ % 100) * 960;
      return encoder.encode(speech.subarray(at, at + 960)).length;
    },
  };
}

/**
 * A cached prompt (an AudioClip: the voice bot's greeting, a reprompt) going out to one more
 * caller: the first call's encoder encoded its frames, every later call sends those packets.
 */
function promptCase(): BenchCase {
  const frames = new AudioClip(speechLike(48000, 2, 5), 48000).framesFor(48000, 960);
  const firstCall = CODECS.opus.createEncoder();
  for (const frame of frames) encodeFrame(firstCall, frame);
  const anotherCall = CODECS.opus.createEncoder();
  let next = 0;
  return { name: "opus.encode.prompt", batch: 100, run: () => encodeFrame(anotherCall, frames[next++ % frames.length]).length };
}
