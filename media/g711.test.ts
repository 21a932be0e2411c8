import { suite } from "uvu";
import * as assert from "uvu/assert";
import {
  decodeAlaw,
  decodeMulaw,
  encodeAlaw,
  encodeMulaw,
  PcmaDecoder,
  PcmaEncoder,
  PcmuDecoder,
  PcmuEncoder,
} from "./g711.ts";
import { rms, sine, snrDb } from "./signal-test-utils.ts";

const g711 = suite("g711");

/** Every 16-bit sample value, in ascending order. */
const ALL_SAMPLES = Int16Array.from({ length: 65536 }, (_, i) => i - 32768);
const ALL_CODES = Uint8Array.from({ length: 256 }, (_, i) => i);

function fnv1a(bytes: Uint8Array): number {
  let hash = 0x811c9dc5;
  for (const byte of bytes) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  return hash;
}

const laws = [
  { name: "mu-law", encode: encodeMulaw, decode: decodeMulaw },
  { name: "A-law", encode: encodeAlaw, decode: decodeAlaw },
];

g711("silence encodes to 0xFF in mu-law and 0xD5 in A-law, and decodes back to 0", () => {
  assert.equal([...encodeMulaw(new Int16Array([0]))], [0xff]);
  assert.equal([...encodeAlaw(new Int16Array([0]))], [0xd5]);
  assert.equal([...decodeMulaw(new Uint8Array([0xff, 0x7f]))], [0, 0]);
  assert.equal([...decodeAlaw(new Uint8Array([0xd5, 0x55]))], [8, -8]);
});

g711("known samples encode as the ITU reference code (Sun g711.c, Python audioop) does", () => {
  const input = new Int16Array([1, -1, 100, -100, 1000, -1000, 5000, 32767, -32768]);
  assert.equal([...encodeMulaw(input)], [0xff, 0x7e, 0xf2, 0x72, 0xce, 0x4e, 0xab, 0x80, 0x00]);
  assert.equal([...encodeAlaw(input)], [0xd5, 0x55, 0xd3, 0x53, 0xfa, 0x7a, 0x86, 0xaa, 0x2a]);
});

g711("known codes decode to the reference levels, including both extremes", () => {
  assert.equal([...decodeMulaw(new Uint8Array([0x00, 0x01, 0x80, 0xce]))], [-32124, -31100, 32124, 988]);
  assert.equal([...decodeAlaw(new Uint8Array([0x2a, 0xaa, 0x00, 0x80]))], [-32256, 32256, -5504, 5504]);
});

g711("encoding every 16-bit value matches the reference tables (FNV-1a of all 65536 codes)", () => {
  assert.is(fnv1a(encodeMulaw(ALL_SAMPLES)), 0xf2471a71);
  assert.is(fnv1a(encodeAlaw(ALL_SAMPLES)), 0x826fe2c5);
});

for (const { name, encode, decode } of laws) {
  g711(`${name}: re-encoding each decoded level gives its code back (but for mu-law's negative zero)`, () => {
    const again = encode(decode(ALL_CODES));
    for (let code = 0; code < 256; code++) {
      const expected = name === "mu-law" && code === 0x7f ? 0xff : code;
      assert.is(again[code], expected, `code 0x${code.toString(16)}`);
    }
  });

  g711(`${name}: quantisation is monotonic and within |x|/32 + 8 of every input`, () => {
    const decoded = decode(encode(ALL_SAMPLES));
    for (let i = 0; i < ALL_SAMPLES.length; i++) {
      const x = ALL_SAMPLES[i]!;
      if (i > 0) assert.ok(decoded[i]! >= decoded[i - 1]!, `not monotonic at ${x}`);
      assert.ok(Math.abs(decoded[i]! - x) <= Math.abs(x) / 32 + 8, `error too large at ${x}`);
    }
  });

  g711(`${name}: a tone keeps an SNR near the G.711 38 dB over a wide range of levels`, () => {
    for (const [amplitude, minimumSnr] of [[10000, 35], [1000, 33], [300, 28]] as const) {
      const tone = sine(1020, 8000, 8000, amplitude);
      assert.ok(snrDb(tone, decode(encode(tone))) > minimumSnr, `amplitude ${amplitude}`);
    }
  });

  g711(`${name}: writes into a caller's arrays when given and returns them`, () => {
    const samples = new Int16Array([0, 1000, -1000]);
    const bytes = new Uint8Array(8);
    assert.is(encode(samples, bytes), bytes);
    const pcm = new Int16Array(8);
    assert.is(decode(bytes.subarray(0, 3), pcm), pcm);
    assert.equal([...pcm.subarray(0, 3)], [...decode(encode(samples))]);
  });
}

const codecs = [
  { name: "PCMU", Encoder: PcmuEncoder, Decoder: PcmuDecoder, encode: encodeMulaw },
  { name: "PCMA", Encoder: PcmaEncoder, Decoder: PcmaDecoder, encode: encodeAlaw },
];

for (const { name, Encoder, Decoder, encode } of codecs) {
  g711(`${name} codec runs at 8000 Hz, one byte per sample, matching the plain functions`, () => {
    const encoder = new Encoder();
    const decoder = new Decoder();
    assert.is(encoder.sampleRate, 8000);
    assert.is(decoder.sampleRate, 8000);
    const frame = sine(440, 8000, 160, 8000);
    const payload = encoder.encode(frame);
    assert.equal(payload, encode(frame));
    const decoded = decoder.decode(payload);
    assert.is(decoded.length, 160);
    assert.ok(snrDb(frame, decoded) > 30);
  });

  g711(`${name} decoder conceals a loss with the last audio, fading to silence by 60 ms`, () => {
    const encoder = new Encoder();
    const decoder = new Decoder();
    const tone = sine(200, 8000, 1600, 8000);
    for (let i = 0; i < tone.length; i += 160) decoder.decode(encoder.encode(tone.subarray(i, i + 160)));
    const concealed = [decoder.conceal(160), decoder.conceal(160), decoder.conceal(160), decoder.conceal(160)];
    assert.ok(rms(concealed[0]!, 0, 80) > rms(tone) * 0.9, "the first 10 ms keep the level");
    assert.ok(rms(concealed[1]!) < rms(concealed[0]!));
    assert.ok(concealed[3]!.every((x) => x === 0), "silent after 60 ms");
    assert.ok(rms(decoder.decode(encoder.encode(tone.subarray(0, 160))), 40) > rms(tone) * 0.9, "a good packet plays at full level");
  });
}

g711.run();
