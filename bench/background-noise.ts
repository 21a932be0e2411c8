// Background noise for the benchmarks: what a caller's line carries while nobody speaks.
import { createRng } from "../media/signal-test-utils.ts";

/**
 * `seconds` of pink noise (the spectrum of room and street noise, -3 dB per octave) at about
 * `levelDbfs` RMS, from a fixed seed. Paul Kellet's economy filter shapes white noise.
 */
export function pinkNoise(sampleRate: number, seconds: number, levelDbfs: number, seed = 7): Int16Array {
  const random = createRng(seed);
  const shaped = new Float64Array(Math.round(sampleRate * seconds));
  let b0 = 0;
  let b1 = 0;
  let b2 = 0;
  let sumSquares = 0;
  for (let i = 0; i < shaped.length; i++) {
    const white = random() * 2 - 1;
    b0 = 0.99765 * b0 + white * 0.099046;
    b1 = 0.963 * b1 + white * 0.2965164;
    b2 = 0.57 * b2 + white * 1.0526913;
    shaped[i] = b0 + b1 + b2 + white * 0.1848;
    sumSquares += shaped[i]! * shaped[i]!;
  }
  const gain = (32768 * 10 ** (levelDbfs / 20)) / Math.sqrt(sumSquares / shaped.length);
  return Int16Array.from(shaped, (value) => Math.max(-32768, Math.min(32767, Math.round(value * gain))));
}
