// Synthetic voices for the DSP and analytics tests: a band-limited glottal source with
// controllable pitch, jitter and shimmer, shaped by vowel formants; utterances built from such
// vowels with pauses between them; and the feature and segment streams a session would share.
// Test code only; deterministic for a given seed.
import { type Observable, share, Subject } from "rxjs";
import { createRng, type Rng } from "../signal-test-utils.ts";
import { extractFeatureFrames, type FeatureFrame } from "./features.ts";
import { segmentSpeech } from "./segment-speech.ts";
import type { SpeechSegment } from "./speech-segmenter.ts";

/** How a synthetic vowel sounds. */
export interface VowelOptions {
  /** Fundamental at the start, Hz. */
  f0: number;
  /** Fundamental at the end, Hz (default: f0, a level tone). */
  endF0?: number;
  /** Duration in seconds. */
  seconds: number;
  /** Sample rate (default 16000). */
  sampleRate?: number;
  /** Peak amplitude (default 10000). */
  amplitude?: number;
  /** Random relative period perturbation per cycle, e.g. 0.02 for 2% (default 0). */
  jitter?: number;
  /** Random relative amplitude perturbation per cycle (default 0). */
  shimmer?: number;
  /** Formant frequencies, Hz (default an /a/: 730, 1090, 2440). */
  formants?: readonly number[];
  /** Seeded randomness for jitter and shimmer (default seed 1). */
  rng?: Rng;
}

/** A two-pole resonator run in place over `signal`. */
function resonate(signal: Float64Array, frequency: number, bandwidth: number, sampleRate: number): void {
  const r = Math.exp((-Math.PI * bandwidth) / sampleRate);
  const a1 = 2 * r * Math.cos((2 * Math.PI * frequency) / sampleRate);
  const a2 = -r * r;
  let y1 = 0;
  let y2 = 0;
  for (let i = 0; i < signal.length; i++) {
    const y = signal[i]! + a1 * y1 + a2 * y2;
    y2 = y1;
    y1 = y;
    signal[i] = y;
  }
}

/**
 * A voiced vowel as 16-bit PCM: a band-limited glottal source (every harmonic below 0.45 of the
 * sample rate, falling at 12 dB per octave) at the gliding, jittered pitch, through three formants.
 */
export function syntheticVowel(options: VowelOptions): Int16Array {
  const sampleRate = options.sampleRate ?? 16000;
  const length = Math.round(options.seconds * sampleRate);
  const rng = options.rng ?? createRng(1);
  const source = new Float64Array(length);
  let phase = 0;
  let periodScale = 1;
  let gain = 1;
  for (let i = 0; i < length; i++) {
    const f0 = (options.f0 + ((options.endF0 ?? options.f0) - options.f0) * (i / length)) / periodScale;
    phase += f0 / sampleRate;
    if (phase >= 1) {
      // A new glottal cycle: draw its period and amplitude perturbations.
      phase -= 1;
      periodScale = 1 + (options.jitter ?? 0) * (rng() * 2 - 1) * Math.sqrt(3);
      gain = 1 + (options.shimmer ?? 0) * (rng() * 2 - 1) * Math.sqrt(3);
    }
    let sample = 0;
    for (let h = 1; h * f0 < 0.45 * sampleRate; h++) sample += Math.sin(2 * Math.PI * h * phase) / (h * h);
    source[i] = gain * sample;
  }
  for (const [i, formant] of (options.formants ?? [730, 1090, 2440]).entries()) resonate(source, formant, 80 + 40 * i, sampleRate);
  let peak = 0;
  for (const x of source) peak = Math.max(peak, Math.abs(x));
  const scale = peak > 0 ? (options.amplitude ?? 10000) / peak : 0;
  return Int16Array.from(source, (x) => Math.round(x * scale));
}

/** Concatenates PCM pieces. */
export function concat(...pieces: Int16Array[]): Int16Array {
  const out = new Int16Array(pieces.reduce((sum, piece) => sum + piece.length, 0));
  let at = 0;
  for (const piece of pieces) {
    out.set(piece, at);
    at += piece.length;
  }
  return out;
}

/** `seconds` of silence (or of low noise at `noiseAmplitude`) at `sampleRate`. */
export function pause(seconds: number, sampleRate = 16000, noiseAmplitude = 0, rng: Rng = createRng(7)): Int16Array {
  return Int16Array.from({ length: Math.round(seconds * sampleRate) }, () => Math.round((rng() * 2 - 1) * noiseAmplitude));
}

/**
 * An utterance of `syllables` vowels of 150 to 300 ms with gliding pitch around `f0` and 40 ms
 * gaps, as a voice saying a short sentence sounds to a front end. `formantScale` stretches the
 * formants as a shorter (above 1) or longer vocal tract would: a different speaker.
 */
export function syntheticUtterance(syllables: number, f0 = 120, rng: Rng = createRng(3), sampleRate = 16000, formantScale = 1): Int16Array {
  const vowels = [[730, 1090, 2440], [270, 2290, 3010], [530, 1840, 2480], [300, 870, 2240]] as const;
  const pieces: Int16Array[] = [];
  for (let i = 0; i < syllables; i++) {
    const start = f0 * (0.85 + rng() * 0.3);
    pieces.push(syntheticVowel({ f0: start, endF0: start * (0.85 + rng() * 0.3), seconds: 0.15 + rng() * 0.15, sampleRate, formants: vowels[i % vowels.length]!.map((f) => f * formantScale), rng }));
    pieces.push(pause(0.04, sampleRate, 30, rng));
  }
  return concat(...pieces);
}

/** `sentences` sentences of one synthetic speaker, each after a 300 ms pause: `formantScale` sets the vocal tract, `f0` the pitch. */
export function syntheticSpeaker(f0: number, formantScale: number, seed: number, sentences: number): Int16Array {
  return concat(...Array.from({ length: sentences }, (_, i) => concat(pause(0.3, 16000, 20), syntheticUtterance(12, f0, createRng(seed + i), 16000, formantScale))));
}

/** Splits PCM into 20 ms blocks, as a session's frames arrive. */
export function blocks(samples: Int16Array, sampleRate = 16000): Int16Array[] {
  const size = sampleRate / 50;
  const out: Int16Array[] = [];
  for (let at = 0; at < samples.length; at += size) out.push(samples.subarray(at, Math.min(samples.length, at + size)));
  return out;
}

/** Feature and segment streams of `samples` as a session would share them; `run()` plays the audio through. */
export function analyticsStreams(samples: Int16Array): { features$: Observable<FeatureFrame>; segments$: Observable<SpeechSegment>; run(): void } {
  const source = new Subject<FeatureFrame>();
  const features$ = source.pipe(share());
  const segments$ = features$.pipe(segmentSpeech(), share());
  return {
    features$,
    segments$,
    run() {
      for (const frame of extractFeatureFrames(samples)) source.next(frame);
      source.complete();
    },
  };
}
