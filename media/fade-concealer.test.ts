import { suite } from "uvu";
import * as assert from "uvu/assert";
import { FadeConcealer } from "./fade-concealer.ts";
import { createRng, rms, sine, snrDb, whiteNoise } from "./signal-test-utils.ts";

const concealer = suite("fade-concealer");

/** A concealer at `sampleRate` that has heard `audio` in 20 ms frames. */
function primed(sampleRate: number, audio: Int16Array): FadeConcealer {
  const fade = new FadeConcealer(sampleRate);
  const frame = sampleRate / 50;
  for (let i = 0; i < audio.length; i += frame) fade.remember(audio.slice(i, i + frame));
  return fade;
}

concealer("conceals with silence before any audio has been heard", () => {
  const concealed = new FadeConcealer(8000).conceal(160);
  assert.is(concealed.length, 160);
  assert.ok(concealed.every((x) => x === 0));
});

concealer("continues a periodic tone seamlessly by repeating its pitch period", () => {
  const tone = sine(8000 / 44, 8000, 2000, 10000); // a period of 44 samples, not a divisor of the frame
  const fade = primed(8000, tone.subarray(0, 1600));
  assert.ok(snrDb(tone.subarray(1600, 1680), fade.conceal(80)) > 40);
});

concealer("finds the pitch at 48 kHz too", () => {
  const tone = sine(48000 / 333, 48000, 12000, 10000);
  const fade = primed(48000, tone.subarray(0, 9600));
  assert.ok(snrDb(tone.subarray(9600, 10080), fade.conceal(480)) > 30);
});

concealer("holds the level for 10 ms, then fades linearly to silence at 60 ms", () => {
  const tone = sine(200, 8000, 1600, 10000);
  const fade = primed(8000, tone);
  const concealed = fade.conceal(640);
  const level = (fromMs: number) => rms(concealed, fromMs * 8, fromMs * 8 + 40) / rms(tone);
  assert.ok(Math.abs(level(0) - 1) < 0.02);
  assert.ok(Math.abs(level(5) - 1) < 0.02);
  // Mid-way through the fade (35 ms) the gain is one half: 10 ms held, 50 ms of ramp.
  assert.ok(Math.abs(rms(concealed, 260, 300) / rms(tone) - 0.5) < 0.03);
  assert.ok(level(20) > level(30) && level(30) > level(40) && level(40) > level(50));
  assert.ok(concealed.subarray(480).every((x) => x === 0));
});

concealer("gives the same audio however the loss is split into calls", () => {
  const noise = whiteNoise(createRng(11), 1600, 8000);
  const whole = primed(8000, noise).conceal(560);
  const split = primed(8000, noise);
  const pieces = [7, 153, 80, 1, 319].map((length) => split.conceal(length));
  assert.equal(pieces.map((piece) => piece.length), [7, 153, 80, 1, 319]);
  const joined = new Int16Array(560);
  pieces.reduce((offset, piece) => (joined.set(piece, offset), offset + piece.length), 0);
  assert.equal(joined, whole);
});

concealer("a good frame ends the loss: the next loss starts again at full level", () => {
  const tone = sine(200, 8000, 1600, 10000);
  const fade = primed(8000, tone);
  fade.conceal(800);
  fade.remember(tone.slice(0, 160));
  assert.ok(rms(fade.conceal(80)) > rms(tone) * 0.98);
});

concealer("fades a good frame in after a silent loss instead of clicking", () => {
  const fade = primed(8000, sine(200, 8000, 800, 10000));
  fade.conceal(800);
  const loud = new Int16Array(160).fill(10000);
  fade.remember(loud);
  assert.ok(loud[0]! < 1000, `first sample ${loud[0]}`);
  assert.ok(loud[1]! > loud[0]!);
  assert.is(loud[159], 10000);
});

concealer("joins a good frame smoothly to the concealed audio it replaces", () => {
  const tone = sine(200, 8000, 1760, 10000);
  const fade = primed(8000, tone.subarray(0, 1440));
  const concealed = fade.conceal(160);
  // The real audio resumes a quarter period out of step with the concealment: a worst case.
  const resumed = tone.slice(1610, 1770);
  fade.remember(resumed);
  const jump = Math.abs(resumed[0]! - concealed[159]!);
  const naturalStep = (10000 * 2 * Math.PI * 200) / 8000;
  assert.ok(jump < naturalStep * 1.5, `jump of ${jump}`);
});

concealer.run();
