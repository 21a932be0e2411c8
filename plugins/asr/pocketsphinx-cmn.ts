// The live cepstral mean normaliser (CMN) of a pocketsphinx decoder: its estimate of the line's
// average spectrum, subtracted from every frame. The en-us model was trained with the mean of
// each whole utterance; live decoding starts from a fixed prior and adapts slowly, which on the
// speech set costs about 20 WER points (50 on telephone audio) for the first utterance of a call.
// So Parley carries each call's mean from one utterance to the next, and estimates it from the
// first second of a call's first utterance. sphinxbase has no API for a weak prior, so this
// reaches into two structs; their layout is checked against known values before anything is written.
import type { Pointer, PocketsphinxLibrary } from "./pocketsphinx-library.ts";

/** Offset of `feat_t.cmn_struct` in sphinxbase 0.8/5prealpha on 64-bit Linux. */
const FEAT_CMN_OFFSET = 88;
/** Offsets in `cmn_t`: `mfcc_t *sum` and `int32 nframe`. */
const CMN_SUM_OFFSET = 16;
const CMN_NFRAME_OFFSET = 24;
/** Frames of weight `cmn_live_set` gives a mean (sphinxbase's CMN_WIN). */
const CMN_WINDOW = 500;
/** Cepstral coefficients per frame in the en-us model. */
export const CEPSTRA = 13;

/** A decoder's live CMN, found and verified; `find` returns undefined when this build does not match. */
export class LiveCmn {
  readonly #lib: PocketsphinxLibrary;
  readonly #cmn: Pointer;
  /** The model's initial mean. */
  readonly prior: Float32Array;

  private constructor(lib: PocketsphinxLibrary, cmn: Pointer, prior: Float32Array) {
    this.#lib = lib;
    this.#cmn = cmn;
    this.prior = prior;
  }

  /** Locates the CMN of a fresh decoder and checks it holds `expectedPrior` (the model's -cmninit) with sphinxbase's window. */
  static find(lib: PocketsphinxLibrary, decoder: Pointer, expectedPrior: number[]): LiveCmn | undefined {
    if (expectedPrior.length !== CEPSTRA) return undefined;
    const cmn = lib.readPointer(lib.ps_get_feat(decoder), FEAT_CMN_OFFSET);
    if (!cmn) return undefined;
    const mean = new Float32Array(CEPSTRA);
    lib.cmn_live_get(cmn, mean);
    if (!expectedPrior.every((value, i) => Math.abs(value - mean[i]!) < 0.01)) return undefined;
    lib.cmn_live_set(cmn, mean);
    if (lib.readInt32(cmn, CMN_NFRAME_OFFSET) !== CMN_WINDOW) return undefined;
    const sum = lib.readFloats(lib.readPointer(cmn, CMN_SUM_OFFSET), CEPSTRA);
    if (!sum.every((value, i) => Math.abs(value - mean[i]! * CMN_WINDOW) < 1)) return undefined;
    return new LiveCmn(lib, cmn, mean);
  }

  /** The current mean. */
  get(): Float32Array {
    const mean = new Float32Array(CEPSTRA);
    this.#lib.cmn_live_get(this.#cmn, mean);
    return mean;
  }

  /** Sets the mean with full weight: the next utterance starts from it. */
  set(mean: Float32Array): void {
    this.#lib.cmn_live_set(this.#cmn, mean);
  }

  /** Sets the prior with the weight of one frame, so the next utterance's frames decide the mean almost alone. */
  weaken(): void {
    this.#lib.cmn_live_set(this.#cmn, this.prior);
    this.#lib.writeInt32(this.#cmn, CMN_NFRAME_OFFSET, 1);
    this.#lib.writeFloats(this.#lib.readPointer(this.#cmn, CMN_SUM_OFFSET), this.prior);
  }
}
