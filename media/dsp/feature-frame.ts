// The shape of one frame of the acoustic front end, apart from the code that makes it, so the
// parts that read frames (the segmenter, the analysed frame) and the extractor that uses them do
// not import each other.

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
