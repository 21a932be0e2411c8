// Hold music made here rather than shipped as a recording: a calm loop of four chords (C, A minor,
// F, G), each note a soft sine with its first two overtones under a slow swell, quiet enough
// (about -24 dBFS) not to tire a caller who waits for minutes. It loops seamlessly: every chord
// starts and ends in silence and the loop is a whole number of 20 ms frames at any telephone rate.

/** Notes of each chord, Hz (C major, A minor, F major, G major, around middle C). */
const CHORDS: readonly (readonly number[])[] = [
  [261.63, 329.63, 392.0],
  [220.0, 261.63, 329.63],
  [174.61, 220.0, 261.63],
  [196.0, 246.94, 293.66],
];
/** Length of one chord, s. */
const CHORD_SECONDS = 2;
/** Bound of the summed notes, in 16-bit units: about -24 dBFS RMS, peaks near -12 dBFS. */
const PEAK = 12000;

/** One loop of hold music at `sampleRate` (8 s of audio); play it in a loop. */
export function holdMusic(sampleRate: number): Int16Array {
  const chordSamples = Math.round(CHORD_SECONDS * sampleRate);
  const out = new Int16Array(chordSamples * CHORDS.length);
  const gain = PEAK / (CHORDS[0].length * 1.75);
  for (let chord = 0; chord < CHORDS.length; chord++) {
    const offset = chord * chordSamples;
    for (let i = 0; i < chordSamples; i++) {
      // A raised-sine swell: silent at both ends of the chord, so chords and loops join without a click.
      const envelope = Math.sin((Math.PI * i) / chordSamples) ** 2;
      const t = i / sampleRate;
      let value = 0;
      for (const frequency of CHORDS[chord]) {
        const phase = 2 * Math.PI * frequency * t;
        value += Math.sin(phase) + 0.5 * Math.sin(2 * phase) + 0.25 * Math.sin(3 * phase);
      }
      out[offset + i] = Math.round(value * gain * envelope);
    }
  }
  return out;
}
