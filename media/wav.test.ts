import { suite } from "uvu";
import * as assert from "uvu/assert";
import { MediaParseError } from "./errors.ts";
import { decodeMulaw, encodeMulaw } from "./g711.ts";
import { createRng, randomBytes, sine, whiteNoise } from "./signal-test-utils.ts";
import { downmixToMono, readWav, readWavHeader, writeWav } from "./wav.ts";

const wav = suite("wav");

function ascii(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  parts.reduce((offset, part) => (out.set(part, offset), offset + part.length), 0);
  return out;
}

/** Little-endian bytes of `value` in `size` bytes. */
function le(value: number, size: number): Uint8Array {
  return Uint8Array.from({ length: size }, (_, i) => Math.floor(value / 2 ** (8 * i)) & 0xff);
}

/** A chunk with its header and, after an odd-sized body, the pad byte; `size` overrides the declared size. */
function chunk(id: string, body: Uint8Array, size = body.length): Uint8Array {
  return concat(ascii(id), le(size, 4), body, new Uint8Array(body.length & 1));
}

/** A RIFF/WAVE file around `chunks`, with the RIFF size they add up to unless `riffSize` is given. */
function riff(chunks: Uint8Array[], riffSize?: number): Uint8Array {
  const body = concat(ascii("WAVE"), ...chunks);
  return concat(ascii("RIFF"), le(riffSize ?? body.length, 4), body);
}

interface FmtOptions {
  tag?: number;
  channels?: number;
  rate?: number;
  bits?: number;
  blockAlign?: number;
  extensibleTag?: number;
}

function fmt({ tag = 1, channels = 1, rate = 8000, bits = 16, blockAlign, extensibleTag }: FmtOptions = {}): Uint8Array {
  const align = blockAlign ?? (channels * bits) / 8;
  const base = concat(le(extensibleTag === undefined ? tag : 0xfffe, 2), le(channels, 2), le(rate, 4), le(rate * align, 4), le(align, 2), le(bits, 2));
  if (extensibleTag === undefined) return chunk("fmt ", base);
  const guid = [extensibleTag, 0, 0, 0, 0, 0, 0x10, 0, 0x80, 0, 0, 0xaa, 0, 0x38, 0x9b, 0x71];
  return chunk("fmt ", concat(base, le(22, 2), le(bits, 2), le(4, 4), Uint8Array.from(guid)));
}

function pcm16(samples: Int16Array): Uint8Array {
  return concat(...[...samples].map((x) => le(x & 0xffff, 2)));
}

/** The reason `readWav` gives for rejecting `bytes`. */
function reason(bytes: Uint8Array): string {
  try {
    readWav(bytes);
  } catch (error) {
    assert.instance(error, MediaParseError);
    return (error as MediaParseError).reason;
  }
  return "accepted";
}

wav("writes the canonical 44-byte header", () => {
  const file = writeWav(new Int16Array([1, -2, 3, -4]), 16000, 2);
  const view = new DataView(file.buffer);
  assert.is(file.length, 44 + 8);
  assert.equal(file.subarray(0, 4), ascii("RIFF"));
  assert.is(view.getUint32(4, true), 36 + 8);
  assert.equal(file.subarray(8, 16), ascii("WAVEfmt "));
  assert.equal(
    [view.getUint32(16, true), view.getUint16(20, true), view.getUint16(22, true), view.getUint32(24, true), view.getUint32(28, true), view.getUint16(32, true), view.getUint16(34, true)],
    [16, 1, 2, 16000, 64000, 4, 16],
  );
  assert.equal(file.subarray(36, 40), ascii("data"));
  assert.is(view.getUint32(40, true), 8);
  assert.equal(file.subarray(44), pcm16(new Int16Array([1, -2, 3, -4])));
});

wav("round-trips mono and stereo audio exactly", () => {
  for (const channels of [1, 2]) {
    const samples = whiteNoise(createRng(channels), 1600 * channels, 32767);
    const audio = readWav(writeWav(samples, 48000, channels));
    assert.equal(audio, { sampleRate: 48000, channels, bitsPerSample: 16, encoding: "pcm", samples });
  }
});

wav("reads a file held at an odd offset inside a larger buffer", () => {
  const file = writeWav(new Int16Array([100, -200, 300]), 8000);
  const holder = new Uint8Array(file.length + 3);
  holder.set(file, 1);
  assert.equal([...readWav(holder.subarray(1, 1 + file.length)).samples], [100, -200, 300]);
});

wav("finds its chunks in any order, skipping unknown ones", () => {
  const samples = new Int16Array([1, 2, 3, 4]);
  const info = chunk("LIST", ascii("INFOISFT\x06\x00\x00\x00Parley"));
  for (const order of [[fmt(), info, chunk("data", pcm16(samples))], [info, chunk("data", pcm16(samples)), fmt()]]) {
    assert.equal(readWav(riff(order)).samples, samples);
  }
});

wav("honours the pad byte after odd-sized chunks", () => {
  const samples8 = Uint8Array.from([128, 255, 0]); // an odd-sized 8-bit data chunk, padded
  const file = riff([chunk("junk", ascii("odd")), chunk("data", samples8), fmt({ bits: 8 })]);
  assert.equal([...readWav(file).samples], [0, 32512, -32768]);
});

wav("a data size of 0 or 0xFFFFFFFF (streamed by ffmpeg) means the rest of the file", () => {
  const samples = sine(440, 8000, 160, 9000);
  for (const size of [0, 0xffffffff]) {
    const file = riff([fmt(), chunk("data", pcm16(samples), size)], size === 0 ? undefined : 0xffffffff);
    assert.equal(readWav(file).samples, samples, `size ${size}`);
    // A stream cut mid-sample keeps its whole samples.
    assert.equal(readWav(file.subarray(0, file.length - 1)).samples, samples.subarray(0, 159));
  }
});

wav("converts 8-bit unsigned, 24-bit and 32-bit integer PCM to 16 bits", () => {
  const read = (bits: number, data: number[]) => [...readWav(riff([fmt({ bits }), chunk("data", Uint8Array.from(data))])).samples];
  assert.equal(read(8, [0, 128, 255, 1]), [-32768, 0, 32512, -32512]);
  assert.equal(read(24, [0x56, 0x34, 0x12, 0xff, 0xff, 0xff, 0x00, 0x00, 0x80]), [0x1234, -1, -32768]);
  assert.equal(read(32, [0x78, 0x56, 0x34, 0x12, 0, 0, 0, 0x80, 0xff, 0xff, 0xff, 0x7f]), [0x1234, -32768, 32767]);
});

wav("converts 32- and 64-bit float, clipping beyond full scale", () => {
  const values = [0, 0.5, -1, 1.5, -2, Number.NaN];
  const expected = [0, 16384, -32768, 32767, -32768, 0];
  const float32 = new Uint8Array(new Float32Array(values).buffer);
  const float64 = new Uint8Array(new Float64Array(values).buffer);
  assert.equal([...readWav(riff([fmt({ tag: 3, bits: 32 }), chunk("data", float32)])).samples], expected);
  const audio = readWav(riff([fmt({ tag: 3, bits: 64 }), chunk("data", float64)]));
  assert.equal([...audio.samples], expected);
  assert.is(audio.encoding, "float");
  assert.is(audio.bitsPerSample, 64);
});

wav("decodes G.711 mu-law WAVs as telephony recorders write them", () => {
  const bytes = encodeMulaw(sine(300, 8000, 400, 8000));
  const audio = readWav(riff([fmt({ tag: 7, bits: 8 }), chunk("data", bytes)]));
  assert.is(audio.encoding, "mulaw");
  assert.equal(audio.samples, decodeMulaw(bytes));
});

wav("reads WAVE_FORMAT_EXTENSIBLE with PCM and float sub-formats, refusing others", () => {
  const data = pcm16(new Int16Array([5, -5, 7, -7]));
  const stereo = readWav(riff([fmt({ channels: 2, extensibleTag: 1 }), chunk("data", data)]));
  assert.equal([...stereo.samples], [5, -5, 7, -7]);
  assert.is(stereo.channels, 2);
  const float = readWav(riff([fmt({ bits: 32, extensibleTag: 3 }), chunk("data", new Uint8Array(new Float32Array([0.25]).buffer))]));
  assert.equal([...float.samples], [8192]);
  const guid = fmt({ extensibleTag: 1 });
  guid[guid.length - 1] = 0; // not the KSDATAFORMAT GUID
  assert.is(reason(riff([guid, chunk("data", data)])), "unsupported_format");
});

wav("rejects malformed files with a reason code", () => {
  const data = chunk("data", pcm16(new Int16Array([1, 2])));
  const cases: [string, Uint8Array][] = [
    ["too_short", ascii("RIFF")],
    ["not_riff", concat(ascii("RIFX"), le(4, 4), ascii("WAVE"))],
    ["not_wave", concat(ascii("RIFF"), le(4, 4), ascii("AVI "))],
    ["missing_fmt", riff([data])],
    ["missing_fmt", riff([chunk("data", new Uint8Array(4), 0), fmt()])],
    ["missing_data", riff([fmt()])],
    ["truncated", riff([fmt(), chunk("data", pcm16(new Int16Array([1, 2])), 400)])],
    ["truncated", riff([chunk("fmt ", new Uint8Array(16), 40)])],
    ["bad_fmt", riff([chunk("fmt ", new Uint8Array(14)), data])],
    ["bad_fmt", riff([fmt({ channels: 0 }), data])],
    ["bad_fmt", riff([fmt({ rate: 0 }), data])],
    ["bad_fmt", riff([fmt({ blockAlign: 3 }), data])],
    ["bad_fmt", riff([chunk("fmt ", fmt({ extensibleTag: 1 }).subarray(8, 8 + 30)), data])],
    ["unsupported_format", riff([fmt({ tag: 2 }), data])],
    ["unsupported_format", riff([fmt({ bits: 12, blockAlign: 2 }), data])],
    ["unsupported_format", riff([fmt({ tag: 3, bits: 16 }), data])],
    ["bad_data_size", riff([fmt(), chunk("data", new Uint8Array(3))])],
  ];
  for (const [expected, bytes] of cases) assert.is(reason(bytes), expected);
});

wav("damaged files only ever raise MediaParseError (seeded fuzzing)", () => {
  const rng = createRng(2024);
  const valid = riff([fmt({ channels: 2 }), chunk("LIST", ascii("INFO")), chunk("data", randomBytes(rng, 64))]);
  for (let round = 0; round < 3000; round++) {
    const bytes = valid.slice(0, Math.floor(rng() * (valid.length + 1)));
    for (let flips = Math.floor(rng() * 4); flips >= 0; flips--) bytes[Math.floor(rng() * bytes.length)] = Math.floor(rng() * 256);
    reason(bytes);
  }
  reason(randomBytes(rng, 100));
});

wav("downmixes interleaved channels to their rounded average", () => {
  assert.equal([...downmixToMono(new Int16Array([100, 200, -32768, -32767, 1, 2]), 2)], [150, -32767, 2]);
  assert.equal([...downmixToMono(new Int16Array([3, 6, 9, -3, -6, -10]), 3)], [6, -6]);
  const mono = new Int16Array([1, 2, 3]);
  const copy = downmixToMono(mono, 1);
  assert.equal(copy, mono);
  assert.is.not(copy, mono);
});

wav("refuses lengths that are not whole frames, and impossible formats to write", () => {
  assert.throws(() => downmixToMono(new Int16Array(3), 2), RangeError);
  assert.throws(() => downmixToMono(new Int16Array(4), 0), RangeError);
  assert.throws(() => writeWav(new Int16Array(3), 8000, 2), RangeError);
  assert.throws(() => writeWav(new Int16Array(2), 0), RangeError);
  assert.throws(() => writeWav(new Int16Array(2), 8000, 0), RangeError);
});

wav("reads the header from the first bytes alone, waiting while they end before the data chunk", () => {
  const file = riff([chunk("LIST", ascii("INFOISFT")), fmt({ channels: 2, rate: 1000, bits: 24 }), chunk("data", new Uint8Array(600))]);
  const dataOffset = file.length - 600;
  for (const length of [0, 11, 20, dataOffset - 1]) assert.is(readWavHeader(file.subarray(0, length)), undefined, `${length} bytes`);
  const header = readWavHeader(file.subarray(0, dataOffset))!;
  assert.equal(header, { encoding: "pcm", channels: 2, sampleRate: 1000, bitsPerSample: 24, blockAlign: 6, dataOffset, dataBytes: 600 });
  assert.is(readWavHeader(riff([fmt(), chunk("data", new Uint8Array(0))]))!.dataBytes, undefined, "streamed: the data runs to the end");
  assert.throws(() => readWavHeader(ascii("RIFF\0\0\0\0AVI LIST")), (error: unknown) => error instanceof MediaParseError && error.reason === "not_wave");
  assert.throws(() => readWavHeader(riff([fmt({ tag: 2 })])), (error: unknown) => error instanceof MediaParseError && error.reason === "unsupported_format");
});

wav.run();
