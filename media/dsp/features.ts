// The per-session acoustic front end: every 20 ms (one frame of a call's audio), one
// FeatureFrame of everything the analytics models use (level, pitch, spectral shape, MFCC,
// narrowband MFCC, LFCC, and LFCC of the telephone band and of the band above it), computed once
// per session and shared. Each frame looks at the last
// 40 ms of audio: the spectral measures at its newest 32 ms (Hann window, 512-point FFT), pitch
// at all 40 ms decimated to 4 kHz (two periods of a 60 Hz voice; the fundamental and first
// formant of speech lie below 2 kHz). A 20 ms hop rather than the textbook 10 ms halves the cost
// per call; the models only use statistics over whole utterances, which barely notice.
import { Cepstrum, Dct } from "./cepstrum.ts";
import { decimateHalfband, HALFBAND_REACH } from "./decimator.ts";
import { type FrameLevels, levelDb, measureLevels } from "./energy.ts";
import { RealFft } from "./fft.ts";
import { linearFilterbank, melFilterbank } from "./filterbank.ts";
import { Framer } from "./framer.ts";
import { type PitchEstimate, PitchDetector } from "./pitch.ts";
import { spectralCentroid, spectralFlatness, spectralFlux, spectralRolloff } from "./spectral.ts";
import { hannWindow } from "./window.ts";

/** The only input rate: analytics run on the 16 kHz view of a session (`session.audio(16000)`). */
export const FEATURE_SAMPLE_RATE = 16000;
/** Time between feature frames, ms. */
export const FEATURE_HOP_MS = 20;
/** Upper edge of the telephone band (G.711 passes 300 to 3400 Hz): features meant for 8 kHz calls too stop here. */
export const NARROWBAND_HZ = 3400;

const HOP = 320;
const PITCH_WINDOW = 640;
const PITCH_DECIMATION = 4;
const SPECTRAL_WINDOW = 512;
const FFT_SIZE = 512;
const MEL_BANDS = 40;
const LINEAR_BANDS = 30;
const NARROW_LINEAR_BANDS = 24;
const NARROW_LINEAR_LOW_HZ = 100;
const HIGH_LINEAR_BANDS = 20;
const HIGH_LINEAR_LOW_HZ = 4000;
const NARROW_BINS = Math.floor((NARROWBAND_HZ * FFT_SIZE) / FEATURE_SAMPLE_RATE) + 1;

/** Sizes of the cepstral vectors of every FeatureFrame. */
export const CEPSTRA = { mfcc: 20, narrowMfcc: 16, lfcc: 20, narrowLfcc: 20, highLfcc: 16 } as const;

/** Everything the analytics models know about one 20 ms hop of audio. */
export interface FeatureFrame {
  /** Frame number in this stream, from 0. */
  readonly index: number;
  /** Media time of the centre of the spectral window, ms. */
  readonly timestamp: number;
  /** Level of the spectral window, dBFS (-100 for digital silence). */
  readonly levelDb: number;
  /** Zero-crossing rate of the spectral window, 0 to 1. */
  readonly zcr: number;
  /** Fraction of samples of the spectral window at full scale. */
  readonly clipped: number;
  /** Peak absolute sample value of the spectral window (for shimmer). */
  readonly amplitude: number;
  /** Fundamental frequency, Hz; 0 when the frame is not voiced. */
  readonly f0: number;
  /** Periodicity of the best pitch candidate, 0 to 1 (0 for frames too quiet to be voiced). */
  readonly clarity: number;
  /** Spectral centroid of the telephone band, Hz. */
  readonly centroid: number;
  /** 85% spectral roll-off within the telephone band, Hz. */
  readonly rolloff: number;
  /** Spectral flatness of the telephone band, on mel bands (0 tonal to 1 white noise). */
  readonly flatness: number;
  /** Spectral flux of the mel band energies from the previous frame. */
  readonly flux: number;
  /** MFCC c0..c19 over 40 mel bands from 20 Hz to 8 kHz. */
  readonly mfcc: Float32Array;
  /** MFCC c0..c15 over the mel bands below 3.4 kHz: the same on a wideband and a telephone call. */
  readonly narrowMfcc: Float32Array;
  /** LFCC c0..c19 over 30 linear bands from 0 to 8 kHz. */
  readonly lfcc: Float32Array;
  /**
   * LFCC c0..c19 over 24 linear bands from 100 Hz to 3.4 kHz: the fine spectral detail a
   * telephone call keeps, where a synthetic voice's traces must be sought on an 8 kHz call.
   */
  readonly narrowLfcc: Float32Array;
  /**
   * LFCC c0..c15 over 20 linear bands from 4 to 8 kHz: the band a wideband call adds to a
   * telephone one, at the resolution where vocoders leave most of their traces.
   */
  readonly highLfcc: Float32Array;
}

/** Tuning of the front end (defaults suit speech). */
export interface FeatureOptions {
  /** Pitch clarity at or above which a frame counts as voiced (default 0.6). */
  voicingThreshold?: number;
  /** Frames quieter than this (dBFS) are never voiced, and their pitch is not searched (default -55). */
  voicingFloorDb?: number;
}

/**
 * Streams 16 kHz PCM into FeatureFrames, one every 20 ms. Pure and synchronous; one per stream.
 *
 *   const extractor = new FeatureExtractor();
 *   extractor.push(frame.samples, frame.timestamp, (features) => model.add(features));
 */
export class FeatureExtractor {
  readonly #voicingThreshold: number;
  readonly #voicingFloorDb: number;
  readonly #framer = new Framer(PITCH_WINDOW, HOP);
  readonly #half = new Float64Array(PITCH_WINDOW / 2);
  readonly #quarter = new Float64Array(PITCH_WINDOW / PITCH_DECIMATION);
  readonly #pitch = new PitchDetector({ sampleRate: FEATURE_SAMPLE_RATE / PITCH_DECIMATION, frameLength: PITCH_WINDOW / PITCH_DECIMATION, minHz: 60, maxHz: 500 });
  readonly #pitchResult: PitchEstimate = { frequency: 0, clarity: 0 };
  readonly #levels: FrameLevels = { rms: 0, peak: 0, zeroCrossingRate: 0, clipped: 0 };
  readonly #fft = new RealFft(FFT_SIZE);
  readonly #window = hannWindow(SPECTRAL_WINDOW);
  readonly #windowed = new Float64Array(FFT_SIZE);
  readonly #re = new Float64Array(FFT_SIZE / 2 + 1);
  readonly #im = new Float64Array(FFT_SIZE / 2 + 1);
  readonly #power = new Float64Array(FFT_SIZE / 2 + 1);
  readonly #mel = new Cepstrum(melFilterbank({ fftSize: FFT_SIZE, sampleRate: FEATURE_SAMPLE_RATE, bands: MEL_BANDS, lowHz: 20, highHz: 8000 }), CEPSTRA.mfcc);
  readonly #linear = new Cepstrum(linearFilterbank({ fftSize: FFT_SIZE, sampleRate: FEATURE_SAMPLE_RATE, bands: LINEAR_BANDS, lowHz: 0, highHz: 8000 }), CEPSTRA.lfcc);
  readonly #narrowLinear = new Cepstrum(
    linearFilterbank({ fftSize: FFT_SIZE, sampleRate: FEATURE_SAMPLE_RATE, bands: NARROW_LINEAR_BANDS, lowHz: NARROW_LINEAR_LOW_HZ, highHz: NARROWBAND_HZ }),
    CEPSTRA.narrowLfcc,
  );
  readonly #highLinear = new Cepstrum(
    linearFilterbank({ fftSize: FFT_SIZE, sampleRate: FEATURE_SAMPLE_RATE, bands: HIGH_LINEAR_BANDS, lowHz: HIGH_LINEAR_LOW_HZ, highHz: FEATURE_SAMPLE_RATE / 2 }),
    CEPSTRA.highLfcc,
  );
  readonly #narrowBands: number;
  readonly #narrowDct: Dct;
  readonly #density: Float64Array;
  readonly #previousBands = new Float64Array(MEL_BANDS);
  readonly #onFrame = (frame: Float64Array, index: number) => this.#analyse(frame, index);
  #emit: (frame: FeatureFrame) => void = () => {};
  #consumed = 0;
  #originMs = 0;

  /** A front end with `options` (defaults suit speech). */
  constructor(options: FeatureOptions = {}) {
    this.#voicingThreshold = options.voicingThreshold ?? 0.6;
    this.#voicingFloorDb = options.voicingFloorDb ?? -55;
    // The narrowband measures use the mel bands whose upper edge is below NARROWBAND_HZ.
    const centres = this.#mel.filterbank.centersHz;
    let bands = 0;
    while (bands + 1 < centres.length && centres[bands + 1]! <= NARROWBAND_HZ) bands++;
    this.#narrowBands = bands;
    this.#narrowDct = new Dct(bands, CEPSTRA.narrowMfcc);
    this.#density = new Float64Array(bands);
  }

  /**
   * Adds 16 kHz samples whose first sample is at media time `timestampMs` and calls `onFrame`
   * for every feature frame they complete. Blocks are assumed contiguous; the timestamp keeps
   * the frames' clock in step with the stream's.
   */
  push(samples: Int16Array, timestampMs: number, onFrame: (frame: FeatureFrame) => void): void {
    this.#originMs = timestampMs - (this.#consumed * 1000) / FEATURE_SAMPLE_RATE;
    this.#consumed += samples.length;
    this.#emit = onFrame;
    this.#framer.push(samples, this.#onFrame);
  }

  /** Forgets the stream so far. */
  reset(): void {
    this.#framer.reset();
    this.#previousBands.fill(0);
    this.#consumed = 0;
  }

  #analyse(frame: Float64Array, index: number): void {
    const spectralStart = PITCH_WINDOW - SPECTRAL_WINDOW;
    const levels = measureLevels(frame, spectralStart, PITCH_WINDOW, this.#levels);
    const level = levelDb(levels.rms);
    const pitch = this.#trackPitch(frame, index, level);
    const voiced = pitch.clarity >= this.#voicingThreshold;

    const windowed = this.#windowed;
    const window = this.#window;
    for (let n = 0; n < SPECTRAL_WINDOW; n++) windowed[n] = frame[spectralStart + n]! * window[n]!;
    const power = this.#power;
    this.#fft.powerSpectrum(windowed, power, this.#re, this.#im);
    const cepstra = new Float32Array(CEPSTRA.mfcc + CEPSTRA.narrowMfcc + CEPSTRA.lfcc + CEPSTRA.narrowLfcc + CEPSTRA.highLfcc);
    let offset = 0;
    const next = (size: number) => cepstra.subarray(offset, (offset += size));
    const mfcc = next(CEPSTRA.mfcc);
    const narrowMfcc = next(CEPSTRA.narrowMfcc);
    const lfcc = next(CEPSTRA.lfcc);
    const narrowLfcc = next(CEPSTRA.narrowLfcc);
    const highLfcc = next(CEPSTRA.highLfcc);
    const mel = this.#mel;
    mel.compute(power, mfcc);
    this.#narrowDct.apply(mel.logBands, narrowMfcc);
    this.#linear.compute(power, lfcc);
    this.#narrowLinear.compute(power, narrowLfcc);
    this.#highLinear.compute(power, highLfcc);
    const bands = mel.bandEnergies;
    const widths = mel.filterbank.widths;
    const density = this.#density;
    for (let b = 0; b < density.length; b++) density[b] = bands[b]! / widths[b]!;
    const binHz = FEATURE_SAMPLE_RATE / FFT_SIZE;
    this.#emit({
      index,
      timestamp: this.#originMs + ((index * HOP + spectralStart + SPECTRAL_WINDOW / 2) * 1000) / FEATURE_SAMPLE_RATE,
      levelDb: level,
      zcr: levels.zeroCrossingRate,
      clipped: levels.clipped,
      amplitude: levels.peak,
      f0: voiced ? pitch.frequency : 0,
      clarity: pitch.clarity,
      centroid: spectralCentroid(power, binHz, NARROW_BINS),
      rolloff: spectralRolloff(power, binHz, 0.85, NARROW_BINS),
      flatness: spectralFlatness(density),
      flux: spectralFlux(bands, this.#previousBands),
      mfcc,
      narrowMfcc,
      lfcc,
      narrowLfcc,
      highLfcc,
    });
  }

  /**
   * Keeps a sliding 4 kHz copy of the 40 ms frame, decimating only what is new (the frame itself
   * holds the history the filter reaches back into), and estimates its pitch unless the frame is
   * too quiet. The newest outputs are centred a filter's reach before the end of their input.
   */
  #trackPitch(frame: Float64Array, index: number, level: number): PitchEstimate {
    const half = this.#half;
    const quarter = this.#quarter;
    const halfFresh = index === 0 ? half.length : HOP / 2;
    const quarterFresh = index === 0 ? quarter.length : HOP / PITCH_DECIMATION;
    half.copyWithin(0, halfFresh);
    decimateHalfband(frame, frame.length - 1 - HALFBAND_REACH - 2 * (halfFresh - 1), halfFresh, half, half.length - halfFresh);
    quarter.copyWithin(0, quarterFresh);
    decimateHalfband(half, half.length - 1 - HALFBAND_REACH - 2 * (quarterFresh - 1), quarterFresh, quarter, quarter.length - quarterFresh);
    const result = this.#pitchResult;
    if (level < this.#voicingFloorDb) {
      result.frequency = 0;
      result.clarity = 0;
      return result;
    }
    return this.#pitch.estimate(quarter, result);
  }
}

/** Feature frames of a whole 16 kHz clip, fed in 20 ms blocks as a live session would (for training and tests). */
export function extractFeatureFrames(samples: Int16Array, options?: FeatureOptions): FeatureFrame[] {
  const extractor = new FeatureExtractor(options);
  const frames: FeatureFrame[] = [];
  const block = (FEATURE_SAMPLE_RATE * FEATURE_HOP_MS) / 1000;
  for (let at = 0; at < samples.length; at += block) {
    extractor.push(samples.subarray(at, Math.min(samples.length, at + block)), (at * 1000) / FEATURE_SAMPLE_RATE, (frame) => frames.push(frame));
  }
  return frames;
}
