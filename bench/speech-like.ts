import { createRng, type Rng } from "../media/signal-test-utils.ts";

/** F1–F3 of a few vowels (Hz), the resonances the synthetic voice moves between. */
const VOWEL_FORMANTS: readonly (readonly [number, number, number])[] = [
  [730, 1090, 2440],
  [270, 2290, 3010],
  [530, 1840, 2480],
  [300, 870, 2240],
  [660, 1720, 2410],
  [570, 840, 2410],
];
const FORMANT_BANDWIDTHS = [90, 110, 170];
const PEAK = 12000;

/** A two-pole resonator at `frequency` Hz with `bandwidth` Hz, run in place over `signal[from, to)`. */
function resonate(signal: Float64Array, from: number, to: number, frequency: number, bandwidth: number, sampleRate: number): void {
  const r = Math.exp((-Math.PI * bandwidth) / sampleRate);
  const a1 = 2 * r * Math.cos((2 * Math.PI * frequency) / sampleRate);
  const a2 = -r * r;
  let y1 = 0;
  let y2 = 0;
  for (let i = from; i < to; i++) {
    const y = signal[i]! + a1 * y1 + a2 * y2;
    y2 = y1;
    y1 = y;
    signal[i] = y * (1 - r);
  }
}

/** A voiced syllable: a glottal pulse train with a gliding pitch through one vowel's formants. */
function voiced(signal: Float64Array, from: number, to: number, sampleRate: number, rng: Rng): void {
  const startHz = 100 + rng() * 120;
  const endHz = startHz * (0.8 + rng() * 0.4);
  const formants = VOWEL_FORMANTS[Math.floor(rng() * VOWEL_FORMANTS.length)]!;
  let phase = 0;
  for (let i = from; i < to; i++) {
    const progress = (i - from) / (to - from);
    phase += (startHz + (endHz - startHz) * progress) / sampleRate;
    const pulse = phase >= 1 ? 1 : 0;
    if (phase >= 1) phase -= 1;
    signal[i] = (pulse + 0.02 * (rng() - 0.5)) * Math.sqrt(Math.sin(Math.PI * progress));
  }
  formants.forEach((frequency, k) => {
    if (frequency < sampleRate / 2) resonate(signal, from, to, frequency, FORMANT_BANDWIDTHS[k]!, sampleRate);
  });
}

/** A fricative: high-passed noise with a soft onset and release. */
function fricative(signal: Float64Array, from: number, to: number, rng: Rng): void {
  let previous = 0;
  for (let i = from; i < to; i++) {
    const noise = rng() - 0.5;
    signal[i] = 0.05 * (noise - previous) * Math.sin((Math.PI * (i - from)) / (to - from));
    previous = noise;
  }
}

/**
 * A deterministic speech-like signal: voiced syllables (pulse train through vowel formants with a
 * gliding pitch), fricatives and pauses with a faint noise floor, peaking at about -8.7 dBFS.
 * Codecs spend their bits on it as on speech, unlike on a pure tone or on silence.
 */
export function speechLike(sampleRate: number, seconds: number, seed = 1): Int16Array {
  const rng = createRng(seed);
  const signal = new Float64Array(Math.round(sampleRate * seconds));
  for (let from = 0; from < signal.length;) {
    const kind = rng();
    const ms = kind < 0.6 ? 120 + rng() * 180 : kind < 0.75 ? 60 + rng() * 90 : 100 + rng() * 300;
    const to = Math.min(signal.length, from + Math.round((ms * sampleRate) / 1000));
    if (kind < 0.6) voiced(signal, from, to, sampleRate, rng);
    else if (kind < 0.75) fricative(signal, from, to, rng);
    else for (let i = from; i < to; i++) signal[i] = 0.0005 * (rng() - 0.5);
    from = to;
  }
  let peak = 0;
  for (const value of signal) peak = Math.max(peak, Math.abs(value));
  const out = new Int16Array(signal.length);
  for (let i = 0; i < signal.length; i++) out[i] = Math.round((signal[i]! * PEAK) / peak);
  return out;
}
