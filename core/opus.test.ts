import { test } from "uvu";
import * as assert from "uvu/assert";
import { bestLag, sine } from "../media/signal-test-utils.ts";
import { CODECS } from "./codecs.ts";
import { OpusDecoder, OpusEncoder, VOICE_CALL_OPUS } from "./opus.ts";

function encodeFrames(samples: Int16Array, encoder: OpusEncoder, frameSamples: number): Uint8Array[] {
  const packets: Uint8Array[] = [];
  for (let i = 0; i + frameSamples <= samples.length; i += frameSamples) packets.push(encoder.encode(samples.subarray(i, i + frameSamples)));
  return packets;
}

function decodeAll(packets: Uint8Array[], decoder: OpusDecoder): Int16Array {
  const parts = packets.map((p) => decoder.decode(p));
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

test("decodes 48 kHz Opus to 48 kHz and straight to 16 kHz with the signal intact", () => {
  const tone = sine(440, 48000, 48000, 12000);
  const packets = encodeFrames(tone, new OpusEncoder(48000), 960);
  const at48 = decodeAll(packets, new OpusDecoder(48000));
  const at16 = decodeAll(packets, new OpusDecoder(16000));
  assert.is(at48.length, 48000);
  assert.is(at16.length, 16000);
  const reference16 = sine(440, 16000, 16000, 12000);
  const { correlation } = bestLag(reference16.subarray(2000, 14000), at16.subarray(2000, 14000), 200);
  assert.ok(correlation > 0.95, `correlation ${correlation}`);
});

test("a stereo stream is downmixed to mono by the mono decoder", () => {
  const left = sine(300, 48000, 9600, 10000);
  const interleaved = new Int16Array(left.length * 2);
  for (let i = 0; i < left.length; i++) {
    interleaved[2 * i] = left[i];
    interleaved[2 * i + 1] = left[i];
  }
  const packets = encodeFrames(interleaved, new OpusEncoder(48000, { channels: 2 }), 1920);
  const mono = decodeAll(packets, new OpusDecoder(48000));
  assert.is(mono.length, 9600, "one mono sample per stereo sample pair");
  const energy = mono.subarray(4800).reduce((sum, x) => sum + x * x, 0) / 4800;
  assert.ok(Math.sqrt(energy) > 3000, "the downmix keeps the signal");
});

test("the voice-call profile makes SILK wideband packets of about 24 kbit/s", () => {
  const encoder = new OpusEncoder(48000, VOICE_CALL_OPUS);
  const speechy = new Int16Array(960 * 50);
  for (let i = 0; i < speechy.length; i++) speechy[i] = Math.round(6000 * (Math.sin(i * 0.016) + 0.5 * Math.sin(i * 0.048) + 0.3 * Math.sin(i * 0.08)));
  const packets = encodeFrames(speechy, encoder, 960);
  const kbps = (packets.slice(5).reduce((n, p) => n + p.length, 0) * 8 * 50) / (packets.length - 5) / 1000;
  assert.ok(kbps > 12 && kbps < 30, `bitrate ${kbps.toFixed(1)} kbit/s`);
  const config = packets[25][0] >> 3;
  assert.ok(config >= 8 && config <= 11, `TOC config ${config} is SILK wideband`);
});

test("the outbound call encoder (complexity 5) keeps speech intact", () => {
  const speechy = new Int16Array(960 * 50);
  for (let i = 0; i < speechy.length; i++) speechy[i] = Math.round(6000 * (Math.sin(i * 0.016) + 0.5 * Math.sin(i * 0.048) + 0.3 * Math.sin(i * 0.08)));
  const full = encodeFrames(speechy, new OpusEncoder(48000, { bitrate: 32000, voice: true, maxBandwidth: "wideband" }), 960);
  const call = encodeFrames(speechy, CODECS.opus.createEncoder() as OpusEncoder, 960);
  assert.not.equal(call[25], full[25], "the complexity setting reaches libopus");
  const decoded = decodeAll(call, new OpusDecoder(48000));
  const { correlation } = bestLag(speechy.subarray(9600, 38400), decoded.subarray(9600, 38400), 960);
  assert.ok(correlation > 0.95, `correlation ${correlation}`);
});

test("concealment yields one packet's worth of samples at the decoder's rate", () => {
  const decoder = new OpusDecoder(16000);
  decoder.decode(new OpusEncoder(48000).encode(sine(200, 48000, 960)));
  assert.is(decoder.conceal().length, 320);
  assert.is(decoder.conceal(160).length, 160);
});

test("a corrupt packet throws instead of returning garbage, and the decoder keeps working", () => {
  const decoder = new OpusDecoder(48000);
  assert.throws(() => decoder.decode(new Uint8Array([0xff, 0xff, 0xff])));
  assert.is(decoder.decode(new OpusEncoder(48000).encode(new Int16Array(960))).length, 960);
});

test("rates libopus cannot produce are refused", () => {
  assert.throws(() => new OpusDecoder(44100), /44100/);
});

test.run();
