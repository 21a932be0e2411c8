// Shape of a power spectrum (bins 0..N/2 of an N-point FFT): where its energy sits, how far it
// reaches up, how noise-like it is, and how fast it changes from frame to frame.

const TINY = 1e-12;

/** Centre of mass of `power[0..bins)` in Hz (0 for a silent frame); `binHz` is sampleRate / fftSize. */
export function spectralCentroid(power: Float64Array, binHz: number, bins = power.length): number {
  let weighted = 0;
  let total = 0;
  for (let k = 0; k < bins; k++) {
    weighted += k * power[k]!;
    total += power[k]!;
  }
  return total > 0 ? (weighted / total) * binHz : 0;
}

/** Frequency in Hz below which `fraction` of the energy of `power[0..bins)` lies (0 for a silent frame). */
export function spectralRolloff(power: Float64Array, binHz: number, fraction = 0.85, bins = power.length): number {
  let total = 0;
  for (let k = 0; k < bins; k++) total += power[k]!;
  if (total <= 0) return 0;
  const target = total * fraction;
  let sum = 0;
  for (let k = 0; k < bins; k++) {
    sum += power[k]!;
    if (sum >= target) return k * binHz;
  }
  return (bins - 1) * binHz;
}

/**
 * Wiener entropy: geometric over arithmetic mean of a power spectral density, from 0 (a pure
 * tone) to 1 (white noise). Values `from..to` only, so DC and the bands a codec removes do not
 * dominate. Works on FFT bins, or on band energies divided by their bandwidths.
 */
export function spectralFlatness(density: ArrayLike<number>, from = 0, to = density.length): number {
  let logSum = 0;
  let sum = 0;
  for (let k = from; k < to; k++) {
    const p = density[k]! + TINY;
    logSum += Math.log(p);
    sum += p;
  }
  const count = to - from;
  return count > 0 && sum > 0 ? Math.exp(logSum / count) / (sum / count) : 0;
}

/**
 * Spectral flux: the summed squared change of the magnitude spectrum (of FFT bins or of band
 * energies), each normalised to unit sum so loudness changes do not count as flux. Copies this
 * frame's normalised magnitudes into `previous` for the next call (all zeros before the first
 * frame gives the first frame's own energy).
 */
export function spectralFlux(power: Float64Array, previous: Float64Array): number {
  let total = 0;
  for (let k = 0; k < power.length; k++) total += Math.sqrt(power[k]!);
  const scale = total > 0 ? 1 / total : 0;
  let flux = 0;
  for (let k = 0; k < power.length; k++) {
    const magnitude = Math.sqrt(power[k]!) * scale;
    const d = magnitude - previous[k]!;
    flux += d * d;
    previous[k] = magnitude;
  }
  return flux;
}
