import { suite } from "uvu";
import * as assert from "uvu/assert";
import { MediaParseError } from "./errors.ts";
import { decodeL16, encodeL16, L16Decoder, L16Encoder } from "./l16.ts";
import { createRng, randomBytes, rms, sine } from "./signal-test-utils.ts";

const l16 = suite("l16");

l16("decodes network byte order: the most significant byte comes first", () => {
  const samples = decodeL16(new Uint8Array([0x12, 0x34, 0xff, 0xfe, 0x80, 0x00, 0x7f, 0xff, 0x00, 0x01]));
  assert.equal([...samples], [0x1234, -2, -32768, 32767, 1]);
});

l16("encodes network byte order", () => {
  const bytes = encodeL16(new Int16Array([0x1234, -2, -32768, 32767, 1]));
  assert.equal([...bytes], [0x12, 0x34, 0xff, 0xfe, 0x80, 0x00, 0x7f, 0xff, 0x00, 0x01]);
});

l16("round-trips any payload of whole samples byte for byte", () => {
  const payload = randomBytes(createRng(16), 1920);
  assert.equal(encodeL16(decodeL16(payload)), payload);
});

l16("rejects a payload with a stray byte as odd_length", () => {
  for (const length of [1, 3, 321]) {
    try {
      decodeL16(new Uint8Array(length));
      assert.unreachable("accepted an odd payload");
    } catch (error) {
      assert.instance(error, MediaParseError);
      assert.is((error as MediaParseError).reason, "odd_length");
    }
  }
});

l16("writes into a caller's arrays when given and returns them", () => {
  const out = new Uint8Array(6);
  assert.is(encodeL16(new Int16Array([1, 2]), out), out);
  const pcm = new Int16Array(3);
  assert.is(decodeL16(out.subarray(0, 4), pcm), pcm);
  assert.equal([...pcm], [1, 2, 0]);
});

l16("codec classes run at the configured rate and round-trip exactly", () => {
  for (const rate of [8000, 16000, 44100, 48000]) {
    const encoder = new L16Encoder(rate);
    const decoder = new L16Decoder(rate);
    assert.is(encoder.sampleRate, rate);
    assert.is(decoder.sampleRate, rate);
    const frame = sine(440, rate, Math.round(rate / 50), 12000);
    const payload = encoder.encode(frame);
    assert.is(payload.length, frame.length * 2);
    assert.equal(decoder.decode(payload), frame);
  }
});

l16("refuses a sample rate that is not a positive integer", () => {
  for (const rate of [0, -8000, 8000.5, Number.NaN]) {
    assert.throws(() => new L16Decoder(rate), RangeError);
    assert.throws(() => new L16Encoder(rate), RangeError);
  }
});

l16("conceals a loss by fading the last audio to silence within 60 ms at its own rate", () => {
  const decoder = new L16Decoder(16000);
  const encoder = new L16Encoder(16000);
  const tone = sine(250, 16000, 3200, 10000);
  for (let i = 0; i < tone.length; i += 320) decoder.decode(encoder.encode(tone.subarray(i, i + 320)));
  const first = decoder.conceal(320);
  assert.is(first.length, 320);
  assert.ok(rms(first, 0, 160) > rms(tone) * 0.9);
  decoder.conceal(320);
  assert.ok(rms(decoder.conceal(320)) < rms(first) / 4);
  assert.ok(decoder.conceal(320).every((x) => x === 0));
});

l16.run();
