// What a feature frame holds beyond its level: zero crossings, peak and clipping, and the costly
// part, its pitch and its spectrum, computed from the frame's samples on a SlabFramer slab. Pitch
// and spectrum come out the same computed either of two ways: "in order", for a frame later in
// the stream than any analysed so far, reusing what the previous frame left when it was analysed
// too (its decimated samples and its mel band magnitudes); or "standalone", for a frame read after
// later ones were analysed, rebuilding those from the history kept before the frame. The extractor
// analyses the frames that may be speech as they come; the others are analysed if and when
// something reads them, as they come (in order) or long after (standalone).
//
// Geometry: a frame is 40 ms (640 samples) every 20 ms. The spectral measures take its newest
// 32 ms (Hann window, 512-point FFT); pitch takes all 40 ms decimated to 4 kHz (two periods of a
// 60 Hz voice; the fundamental and first formant of speech lie below 2 kHz). The history before a
// frame reaches back to the start of the previous frame's spectral window (spectral flux compares
// the two), which also covers what the decimating filters reach back into.
import { Cepstrum, Dct } from "./cepstrum.ts";
import { decimateHalfband, HALFBAND_REACH } from "./decimator.ts";
import { type FrameLevels, measureLevels } from "./energy.ts";
import { RealFft } from "./fft.ts";
import { linearFilterbank, melFilterbank } from "./filterbank.ts";
import { type PitchEstimate, PitchDetector } from "./pitch.ts";
import { spectralCentroid, spectralFlatness, spectralFlux, spectralRolloff } from "./spectral.ts";
import { hannWindow } from "./window.ts";

/** The only input rate: analytics run on the 16 kHz view of a session (`session.audio(16000)`). */
export const FEATURE_SAMPLE_RATE = 16000;
/** Time between feature frames, ms. */
export const FEATURE_HOP_MS = 20;
/** Upper edge of the telephone band (G.711 passes 300 to 3400 Hz): features meant for 8 kHz calls too stop here. */
export const NARROWBAND_HZ = 3400;
/** Sizes of the cepstral vectors of every FeatureFrame. */
export const CEPSTRA = { mfcc: 20, narrowMfcc: 16, lfcc: 20, narrowLfcc: 20, highLfcc: 16 } as const;

/** Samples between frames. */
export const FRAME_HOP = 320;
/** Samples of a frame (the pitch window). */
export const FRAME_LENGTH = 640;
/** Samples of the spectral window, the newest of the frame. */
export const SPECTRAL_WINDOW = 512;
/** Where the spectral window starts within the frame. */
export const SPECTRAL_START = FRAME_LENGTH - SPECTRAL_WINDOW;
/** Samples of history a standalone analysis reads before its frame: the previous frame's spectral window starts there. */
export const FRAME_HISTORY = FRAME_HOP - SPECTRAL_START;

const PITCH_DECIMATION = 4;
const FFT_SIZE = 512;
const MEL_BANDS = 40;
const LINEAR_BANDS = 30;
const NARROW_LINEAR_BANDS = 24;
const NARROW_LINEAR_LOW_HZ = 100;
const HIGH_LINEAR_BANDS = 20;
const HIGH_LINEAR_LOW_HZ = 4000;
const NARROW_BINS = Math.floor((NARROWBAND_HZ * FFT_SIZE) / FEATURE_SAMPLE_RATE) + 1;
const CEPSTRA_PER_FRAME = CEPSTRA.mfcc + CEPSTRA.narrowMfcc + CEPSTRA.lfcc + CEPSTRA.narrowLfcc + CEPSTRA.highLfcc;
/** Frames whose cepstra share one Float32Array: one allocation per second of speech instead of one per frame. */
const CEPSTRA_SLAB_FRAMES = 50;

// The 2 kHz-rate (half) samples of a frame are centred on its samples -10, -8, ..., 628 (the
// newest a filter's reach before its end); the 4 kHz-rate (quarter) ones on half samples
// -10, -8, ..., 308 likewise. A standalone analysis also computes the half samples that those
// quarter samples reach back to: HALF_LEAD more, before the first.
const HALF = FRAME_LENGTH / 2;
const QUARTER = FRAME_LENGTH / PITCH_DECIMATION;
const HALF_LEAD = HALFBAND_REACH - (HALF - 1 - HALFBAND_REACH - 2 * (QUARTER - 1));
const FIRST_HALF_CENTRE = FRAME_LENGTH - 1 - HALFBAND_REACH - 2 * (HALF - 1);
const FIRST_QUARTER_CENTRE = HALF - 1 - HALFBAND_REACH - 2 * (QUARTER - 1);

/** The spectral half of a feature frame. */
export interface FrameSpectrum {
  centroid: number;
  rolloff: number;
  flatness: number;
  flux: number;
  mfcc: Float32Array;
  narrowMfcc: Float32Array;
  lfcc: Float32Array;
  narrowLfcc: Float32Array;
  highLfcc: Float32Array;
}

/** What a standalone or in-order analysis reuses: decimated samples and the previous frame's mel band magnitudes. */
interface Carry {
  /** Half-rate samples: HALF_LEAD lead-in, then the frame's HALF. */
  readonly half: Float64Array;
  /** The frame's HALF half-rate samples alone (a view of `half`). */
  readonly frameHalf: Float64Array;
  readonly quarter: Float64Array;
  readonly magnitudes: Float64Array;
}

/** Pitch and spectrum of the frames of one stream; shared by its frames, which call it when read. */
export class FrameAnalyser {
  /** Pitch searches run so far. */
  pitches = 0;
  /** Spectra analysed so far. */
  spectra = 0;
  readonly #pitch = new PitchDetector({ sampleRate: FEATURE_SAMPLE_RATE / PITCH_DECIMATION, frameLength: QUARTER, minHz: 60, maxHz: 500 });
  readonly #fft = new RealFft(FFT_SIZE);
  readonly #window = hannWindow(SPECTRAL_WINDOW);
  readonly #re = new Float64Array(FFT_SIZE / 2 + 1);
  readonly #im = new Float64Array(FFT_SIZE / 2 + 1);
  readonly #power = new Float64Array(FFT_SIZE / 2 + 1);
  readonly #previousBands = new Float64Array(MEL_BANDS);
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
  readonly #narrowDct: Dct;
  readonly #density: Float64Array;
  // The stream's running state, and the scratch of standalone analyses (which must not disturb it).
  readonly #inOrder = carry();
  readonly #standalone = carry();
  /** Index of the last frame whose pitch, and whose spectrum, were analysed in order (-1: none). */
  #pitchIndex = -1;
  #spectrumIndex = -1;
  /** Which stream the running state belongs to: reset starts another, whose frames are numbered from 0 again. */
  #stream = 0;
  #cepstra = new Float32Array(0);
  #cepstraUsed = 0;

  constructor() {
    // The narrowband measures use the mel bands whose upper edge is below NARROWBAND_HZ.
    const centres = this.#mel.filterbank.centersHz;
    let bands = 0;
    while (bands + 1 < centres.length && centres[bands + 1]! <= NARROWBAND_HZ) bands++;
    this.#narrowDct = new Dct(bands, CEPSTRA.narrowMfcc);
    this.#density = new Float64Array(bands);
  }

  /** The time-domain measures of the spectral window of the frame at `slab[at, at + FRAME_LENGTH)` into `out`. */
  levels(slab: Int16Array, at: number, out: FrameLevels): FrameLevels {
    return measureLevels(slab, at + SPECTRAL_START, at + FRAME_LENGTH, out);
  }

  /** The stream whose frames are analysed now (frames carry it, so one from before a reset is never taken for this stream's). */
  get stream(): number {
    return this.#stream;
  }

  /**
   * The pitch of frame `index` of `stream` at `slab[at, at + FRAME_LENGTH)` into `out`, in order
   * when it is later than any analysed so far, else standalone. `search` false gives (0, 0) at
   * once: the frame is too quiet to be voiced.
   */
  pitch(slab: Int16Array, at: number, index: number, stream: number, search: boolean, out: PitchEstimate): PitchEstimate {
    out.frequency = 0;
    out.clarity = 0;
    if (!search) return out;
    this.pitches++;
    const inOrder = stream === this.#stream && index > this.#pitchIndex;
    const state = inOrder ? this.#inOrder : this.#standalone;
    this.#decimate(slab, at, index, state, inOrder && this.#pitchIndex === index - 1);
    if (inOrder) this.#pitchIndex = index;
    return this.#pitch.estimate(state.quarter, out);
  }

  /** The spectral measures of frame `index` of `stream` at `slab[at, at + FRAME_LENGTH)` into `out`, in order or standalone as for `pitch`. */
  spectrum(slab: Int16Array, at: number, index: number, stream: number, out: FrameSpectrum): FrameSpectrum {
    const inOrder = stream === this.#stream && index > this.#spectrumIndex;
    const previous = inOrder ? this.#inOrder.magnitudes : this.#standalone.magnitudes;
    if (index === 0) previous.fill(0);
    else if (!inOrder || this.#spectrumIndex !== index - 1) this.#previousMagnitudes(slab, at, previous);
    if (inOrder) this.#spectrumIndex = index;
    this.spectra++;

    const power = this.#powerSpectrum(slab, at + SPECTRAL_START);
    const mel = this.#mel;
    out.mfcc = this.#cepstrumArray(CEPSTRA.mfcc);
    out.narrowMfcc = this.#cepstrumArray(CEPSTRA.narrowMfcc);
    out.lfcc = this.#cepstrumArray(CEPSTRA.lfcc);
    out.narrowLfcc = this.#cepstrumArray(CEPSTRA.narrowLfcc);
    out.highLfcc = this.#cepstrumArray(CEPSTRA.highLfcc);
    mel.compute(power, out.mfcc);
    this.#narrowDct.apply(mel.logBands, out.narrowMfcc);
    this.#linear.compute(power, out.lfcc);
    this.#narrowLinear.compute(power, out.narrowLfcc);
    this.#highLinear.compute(power, out.highLfcc);
    const bands = mel.bandEnergies;
    const widths = mel.filterbank.widths;
    const density = this.#density;
    for (let b = 0; b < density.length; b++) density[b] = bands[b]! / widths[b]!;
    const binHz = FEATURE_SAMPLE_RATE / FFT_SIZE;
    out.centroid = spectralCentroid(power, binHz, NARROW_BINS);
    out.rolloff = spectralRolloff(power, binHz, 0.85, NARROW_BINS);
    out.flatness = spectralFlatness(density);
    out.flux = spectralFlux(bands, previous);
    return out;
  }

  /** Starts a new stream, whose frames are numbered from 0 again (frames of the old one are analysed standalone). */
  reset(): void {
    this.#stream++;
    this.#pitchIndex = -1;
    this.#spectrumIndex = -1;
  }

  /**
   * Brings `state` to frame `index`'s quarter-rate samples: from the previous frame's by
   * decimating only the newest samples when `continues`, else from the frame and its history.
   * Frame 0 has no history: its outputs that would reach before the stream are 0.
   */
  #decimate(slab: Int16Array, at: number, index: number, state: Carry, continues: boolean): void {
    const { half, frameHalf, quarter } = state;
    if (index === 0) {
      decimateHalfband(slab.subarray(at, at + FRAME_LENGTH), FIRST_HALF_CENTRE, HALF, frameHalf);
      decimateHalfband(frameHalf, FIRST_QUARTER_CENTRE, QUARTER, quarter);
    } else if (continues) {
      const halfFresh = FRAME_HOP / 2;
      const quarterFresh = FRAME_HOP / PITCH_DECIMATION;
      half.copyWithin(HALF_LEAD, HALF_LEAD + halfFresh);
      decimateHalfband(slab, at + FIRST_HALF_CENTRE + 2 * (HALF - halfFresh), halfFresh, half, half.length - halfFresh);
      quarter.copyWithin(0, quarterFresh);
      decimateHalfband(half, HALF_LEAD + FIRST_QUARTER_CENTRE + 2 * (QUARTER - quarterFresh), quarterFresh, quarter, QUARTER - quarterFresh);
    } else {
      decimateHalfband(slab, at + FIRST_HALF_CENTRE - 2 * HALF_LEAD, half.length, half);
      decimateHalfband(half, HALF_LEAD + FIRST_QUARTER_CENTRE, QUARTER, quarter);
    }
  }

  /** The normalised mel band magnitudes of the previous frame (whose spectral window starts FRAME_HISTORY before `at`), into `out`. */
  #previousMagnitudes(slab: Int16Array, at: number, out: Float64Array): void {
    const bands = this.#previousBands;
    this.#mel.filterbank.apply(this.#powerSpectrum(slab, at - FRAME_HISTORY), bands);
    // spectralFlux leaves the normalised magnitudes of its first argument in its second.
    spectralFlux(bands, out);
  }

  /** The power spectrum of the Hann-windowed SPECTRAL_WINDOW samples from `slab[from]` (valid until the next call). */
  #powerSpectrum(slab: Int16Array, from: number): Float64Array {
    this.#fft.windowedPowerSpectrum(slab, from, this.#window, this.#power, this.#re, this.#im);
    return this.#power;
  }

  /** `size` floats for one frame's cepstrum, carved from a slab shared by about a second of frames. */
  #cepstrumArray(size: number): Float32Array {
    if (this.#cepstraUsed + size > this.#cepstra.length) {
      this.#cepstra = new Float32Array(CEPSTRA_PER_FRAME * CEPSTRA_SLAB_FRAMES);
      this.#cepstraUsed = 0;
    }
    return this.#cepstra.subarray(this.#cepstraUsed, (this.#cepstraUsed += size));
  }
}

function carry(): Carry {
  const half = new Float64Array(HALF_LEAD + HALF);
  return { half, frameHalf: half.subarray(HALF_LEAD), quarter: new Float64Array(QUARTER), magnitudes: new Float64Array(MEL_BANDS) };
}
