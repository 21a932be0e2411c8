// A speech recogniser that takes every utterance's audio and recognises nothing: the load bench
// swaps it in for pocketsphinx so that the default plugin set's figures are Parley's own cost, not
// the recogniser's (whose capacity is measured apart, with `--asr`).
import type { AsrEngine, AsrResult, AsrStream } from "../plugins/asr/AsrEngine.ts";

/** What the silent engine was given: utterances opened and the audio written to them. */
export interface SilentAsrStats {
  streams: number;
  samples: number;
}

/** The final result of every utterance: nothing heard. */
const NOTHING: AsrResult = { text: "", words: [], confidence: 0, final: true };

/** An AsrEngine (16 kHz) whose streams accept audio and finish with an empty result at once; `stats()` shows audio reached it. */
export function silentAsrEngine(): AsrEngine & { stats(): SilentAsrStats } {
  const stats: SilentAsrStats = { streams: 0, samples: 0 };
  return {
    name: "silent",
    sampleRate: 16000,
    open(): Promise<AsrStream> {
      stats.streams++;
      return Promise.resolve({
        write: (samples) => {
          stats.samples += samples.length;
        },
        finish: () => Promise.resolve(NOTHING),
        cancel: () => {},
      });
    },
    close: () => Promise.resolve(),
    stats: () => ({ ...stats }),
  };
}
