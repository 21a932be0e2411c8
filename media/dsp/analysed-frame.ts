// A FeatureFrame whose level is measured at once and whose other measures (zero crossings,
// peak and clipping, pitch, spectrum) are computed when first read, or straight away by the
// extractor for a frame that may be speech. Most of a call is silence or background noise
// between utterances, whose frames only the segmenter's level test ever looks at: they cost a
// level measurement and never an FFT. The numbers are the same whenever they are computed (see
// FrameAnalyser).
import type { FrameLevels } from "./energy.ts";
import type { FeatureFrame } from "./feature-frame.ts";
import type { FrameAnalyser, FrameSpectrum } from "./frame-analyser.ts";
import type { PitchEstimate } from "./pitch.ts";

/** How a frame decides voicing. */
export interface VoicingRule {
  /** Pitch clarity at or above which a frame counts as voiced. */
  readonly threshold: number;
  /** Frames quieter than this (dBFS) are never voiced, and their pitch is not searched. */
  readonly floorDb: number;
}

// Reused by every frame's computations (the results are copied out at once).
const levelsResult: FrameLevels = { rms: 0, peak: 0, zeroCrossingRate: 0, clipped: 0 };
const pitchResult: PitchEstimate = { frequency: 0, clarity: 0 };
const empty: Float32Array = new Float32Array(0);
const spectrumResult: FrameSpectrum = { centroid: 0, rolloff: 0, flatness: 0, flux: 0, mfcc: empty, narrowMfcc: empty, lfcc: empty, narrowLfcc: empty, highLfcc: empty };

/** One frame of FeatureExtractor output; its pitch and spectrum are computed on first read. */
export class AnalysedFrame implements FeatureFrame {
  readonly index: number;
  readonly timestamp: number;
  readonly levelDb: number;
  #analyser: FrameAnalyser | null;
  #slab: Int16Array | null;
  readonly #at: number;
  readonly #stream: number;
  readonly #voicing: VoicingRule;
  #levelsDone = false;
  #pitchDone = false;
  #spectrumDone = false;
  #zcr = 0;
  #clipped = 0;
  #amplitude = 0;
  #f0 = 0;
  #clarity = 0;
  #centroid = 0;
  #rolloff = 0;
  #flatness = 0;
  #flux = 0;
  #mfcc = empty;
  #narrowMfcc = empty;
  #lfcc = empty;
  #narrowLfcc = empty;
  #highLfcc = empty;

  /** Frame `index` at `slab[at, ...)`, stamped `timestamp`, whose spectral window is at `levelDb` dBFS. */
  constructor(analyser: FrameAnalyser, slab: Int16Array, at: number, index: number, timestamp: number, levelDb: number, voicing: VoicingRule) {
    this.index = index;
    this.timestamp = timestamp;
    this.levelDb = levelDb;
    this.#analyser = analyser;
    this.#slab = slab;
    this.#at = at;
    this.#stream = analyser.stream;
    this.#voicing = voicing;
  }

  get zcr(): number {
    if (!this.#levelsDone) this.#measureLevels();
    return this.#zcr;
  }

  get clipped(): number {
    if (!this.#levelsDone) this.#measureLevels();
    return this.#clipped;
  }

  get amplitude(): number {
    if (!this.#levelsDone) this.#measureLevels();
    return this.#amplitude;
  }

  get f0(): number {
    if (!this.#pitchDone) this.#analysePitch();
    return this.#f0;
  }

  get clarity(): number {
    if (!this.#pitchDone) this.#analysePitch();
    return this.#clarity;
  }

  get centroid(): number {
    if (!this.#spectrumDone) this.#analyseSpectrum();
    return this.#centroid;
  }

  get rolloff(): number {
    if (!this.#spectrumDone) this.#analyseSpectrum();
    return this.#rolloff;
  }

  get flatness(): number {
    if (!this.#spectrumDone) this.#analyseSpectrum();
    return this.#flatness;
  }

  get flux(): number {
    if (!this.#spectrumDone) this.#analyseSpectrum();
    return this.#flux;
  }

  get mfcc(): Float32Array {
    if (!this.#spectrumDone) this.#analyseSpectrum();
    return this.#mfcc;
  }

  get narrowMfcc(): Float32Array {
    if (!this.#spectrumDone) this.#analyseSpectrum();
    return this.#narrowMfcc;
  }

  get lfcc(): Float32Array {
    if (!this.#spectrumDone) this.#analyseSpectrum();
    return this.#lfcc;
  }

  get narrowLfcc(): Float32Array {
    if (!this.#spectrumDone) this.#analyseSpectrum();
    return this.#narrowLfcc;
  }

  get highLfcc(): Float32Array {
    if (!this.#spectrumDone) this.#analyseSpectrum();
    return this.#highLfcc;
  }

  /** Computes everything now (cheapest while the frame is the stream's newest: see FrameAnalyser). */
  analyse(): void {
    if (!this.#levelsDone) this.#measureLevels();
    if (!this.#pitchDone) this.#analysePitch();
    if (!this.#spectrumDone) this.#analyseSpectrum();
  }

  #measureLevels(): void {
    const levels = this.#analyser!.levels(this.#slab!, this.#at, levelsResult);
    this.#zcr = levels.zeroCrossingRate;
    this.#clipped = levels.clipped;
    this.#amplitude = levels.peak;
    this.#levelsDone = true;
    this.#release();
  }

  #analysePitch(): void {
    const pitch = this.#analyser!.pitch(this.#slab!, this.#at, this.index, this.#stream, this.levelDb >= this.#voicing.floorDb, pitchResult);
    this.#f0 = pitch.clarity >= this.#voicing.threshold ? pitch.frequency : 0;
    this.#clarity = pitch.clarity;
    this.#pitchDone = true;
    this.#release();
  }

  #analyseSpectrum(): void {
    const spectrum = this.#analyser!.spectrum(this.#slab!, this.#at, this.index, this.#stream, spectrumResult);
    this.#centroid = spectrum.centroid;
    this.#rolloff = spectrum.rolloff;
    this.#flatness = spectrum.flatness;
    this.#flux = spectrum.flux;
    this.#mfcc = spectrum.mfcc;
    this.#narrowMfcc = spectrum.narrowMfcc;
    this.#lfcc = spectrum.lfcc;
    this.#narrowLfcc = spectrum.narrowLfcc;
    this.#highLfcc = spectrum.highLfcc;
    this.#spectrumDone = true;
    this.#release();
  }

  /** Lets go of the samples (and the analyser) once nothing is left to compute. */
  #release(): void {
    if (this.#levelsDone && this.#pitchDone && this.#spectrumDone) {
      this.#slab = null;
      this.#analyser = null;
    }
  }
}
