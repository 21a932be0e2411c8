// Test helpers for talking over the bot: a caller's words in flite's voice and a cough-like burst,
// both as 8 kHz telephone audio. Test code only; not exported from mod.ts.
import { concatFrames } from "../../core/testing.ts";
import { createFliteEngine } from "../tts/mod.ts";
import { synthesizeAll } from "../tts/testing.ts";
import { resample } from "../testing.ts";

/** `text` said by flite (voice `voice`), at 8 kHz. Needs flite on PATH (check with requireTool). */
export async function fliteVoice(text: string, voice = "kal"): Promise<Int16Array> {
  const flite = await createFliteEngine({ voice });
  try {
    const { frames } = await synthesizeAll(flite, text);
    return resample(concatFrames(frames), frames[0]!.sampleRate, 8000);
  } finally {
    await flite.close();
  }
}

/**
 * A cough-like burst `ms` long at 8 kHz: noise through a resonance near 700 Hz (the open vocal
 * tract of a cough) under a sharp attack and a quick decay. Seeded, so every run sends the same.
 */
export function coughLike(ms: number, seed = 7): Int16Array {
  const rate = 8000;
  const out = new Int16Array((rate * ms) / 1000);
  // Two-pole resonator: y[n] = x[n] + 2r cos(w) y[n-1] - r^2 y[n-2].
  const r = 0.9;
  const a1 = 2 * r * Math.cos((2 * Math.PI * 700) / rate);
  const a2 = -r * r;
  let state = seed;
  let y1 = 0;
  let y2 = 0;
  for (let i = 0; i < out.length; i++) {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    const noise = state / 0x3fffffff - 1;
    const y = noise + a1 * y1 + a2 * y2;
    y2 = y1;
    y1 = y;
    const t = i / out.length;
    const envelope = Math.min(1, t * 20) * Math.exp(-3 * t);
    out[i] = Math.max(-32768, Math.min(32767, Math.round(y * envelope * 3000)));
  }
  return out;
}
