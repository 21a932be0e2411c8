// Random recording channels for training data: a clip as another microphone, room and line
// would have captured it (an uneven frequency response and a noise floor). Copies of every clip,
// real and synthetic alike, through such channels keep a model from taking one studio's colour
// or noise floor for "real speech": the anti-spoofing models' weak side was real speech from
// channels they had never heard.
import type { Rng } from "../../media/signal-test-utils.ts";

/** How far the random channels go. */
export const RANDOM_CHANNEL = {
  /** Peaking filters in the chain. */
  filters: 3,
  /** Largest boost or cut of one filter, dB. */
  maxGainDb: 6,
  /** Range of the filters' centre frequencies, Hz (log-uniform). */
  lowHz: 150,
  highHz: 7500,
  /** Range of the white noise floor's level below the clip's mean power, dB. */
  minSnrDb: 25,
  maxSnrDb: 50,
} as const;

/** A 16 kHz clip through a random channel drawn from `rng`: RANDOM_CHANNEL's peaking filters, then its noise floor. */
export function randomChannel(samples: Int16Array, rng: Rng, sampleRate = 16000): Int16Array {
  const x = Float64Array.from(samples);
  for (let i = 0; i < RANDOM_CHANNEL.filters; i++) {
    const centreHz = RANDOM_CHANNEL.lowHz * (RANDOM_CHANNEL.highHz / RANDOM_CHANNEL.lowHz) ** rng();
    peakingFilter(x, centreHz / sampleRate, (2 * rng() - 1) * RANDOM_CHANNEL.maxGainDb, 0.5 + 1.5 * rng());
  }
  let power = 0;
  for (const v of x) power += v * v;
  power /= Math.max(1, x.length);
  const snrDb = RANDOM_CHANNEL.minSnrDb + (RANDOM_CHANNEL.maxSnrDb - RANDOM_CHANNEL.minSnrDb) * rng();
  const noise = Math.sqrt(power / 10 ** (snrDb / 10));
  const out = new Int16Array(x.length);
  for (let n = 0; n < x.length; n++) out[n] = Math.max(-32768, Math.min(32767, Math.round(x[n]! + noise * gaussian(rng))));
  return out;
}

/** A standard normal draw (Box-Muller). */
function gaussian(rng: Rng): number {
  return Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
}

/** Filters `x` in place with a peaking equaliser (`gainDb` at `centre` cycles per sample, quality `q`). */
function peakingFilter(x: Float64Array, centre: number, gainDb: number, q: number): void {
  const a = 10 ** (gainDb / 40);
  const w = 2 * Math.PI * centre;
  const alpha = Math.sin(w) / (2 * q);
  const cos = Math.cos(w);
  const a0 = 1 + alpha / a;
  const [b0, b1, b2] = [(1 + alpha * a) / a0, (-2 * cos) / a0, (1 - alpha * a) / a0];
  const [a1, a2] = [(-2 * cos) / a0, (1 - alpha / a) / a0];
  let [x1, x2, y1, y2] = [0, 0, 0, 0];
  for (let n = 0; n < x.length; n++) {
    const y = b0 * x[n]! + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2;
    [x2, x1, y2, y1] = [x1, x[n]!, y1, y];
    x[n] = y;
  }
}
