import { AudioMixer } from "../../media/mixer.ts";
import { speechLike } from "../speech-like.ts";
import type { BenchSuite } from "../suite.ts";

/** Participants of the benchmarked conference: a caller, agents and experts, and a whispering supervisor. */
export const MIXER_PARTICIPANTS = 10;

/**
 * One 20 ms tick of a 16 kHz conference of MIXER_PARTICIPANTS, every one speaking, one of them
 * a supervisor whispering to one agent (the costlier, per-listener path): what each hears, mixed.
 */
export function mixerSuite(): BenchSuite {
  const frameSamples = 320;
  const mixer = new AudioMixer(frameSamples);
  const speech = speechLike(16000, 2);
  const ticks: Map<string, Int16Array>[] = [];
  for (let at = 0; at + frameSamples <= speech.length; at += frameSamples) {
    const tick = new Map<string, Int16Array>();
    for (let p = 0; p < MIXER_PARTICIPANTS; p++) {
      // Each participant a different stretch of the speech, so no two frames are alike.
      const from = (at + p * 4 * frameSamples) % (speech.length - frameSamples);
      tick.set(`p${p}`, speech.slice(from, from + frameSamples));
    }
    ticks.push(tick);
  }
  for (let p = 0; p < MIXER_PARTICIPANTS; p++) mixer.add(`p${p}`);
  for (let p = 2; p < MIXER_PARTICIPANTS; p++) mixer.setHears(`p${p}`, "p0", false);
  let next = 0;
  return {
    name: "mixer",
    cases: [{
      name: `mixer.tick.${MIXER_PARTICIPANTS}`,
      batch: 8,
      run: () => mixer.mix(ticks[next++ % ticks.length]!).size,
    }],
  };
}
