// A clip as heard over an Opus voice call, for training and evaluation. Encoding is the costly
// half (libopus at its highest complexity: about 70 s of one core for the deepfake sets, most of
// the regression test's time), and its packets depend only on the samples and the encoder, so they
// are kept under node_modules/.cache/parley/opus, named by a digest of both: the encoder's part is
// what it makes of a fixed second of sound, so another libopus or other settings miss the cache
// instead of being served another encoder's packets. Decoding runs every time (a tenth of the cost).
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { OpusDecoder, OpusEncoder, VOICE_CALL_OPUS } from "../../core/opus.ts";
import { REPO_ROOT } from "./dataset.ts";

const CACHE = join(REPO_ROOT, "node_modules/.cache/parley/opus");
const RATE = 16000;
/** 20 ms at 16 kHz, as a call sends it. */
const FRAME = 320;

/** The clip's packets: 20 ms frames, the last one padded with silence. */
function encodePackets(samples: Int16Array): Uint8Array[] {
  const encoder = new OpusEncoder(RATE, VOICE_CALL_OPUS);
  const padded = new Int16Array(Math.ceil(samples.length / FRAME) * FRAME);
  padded.set(samples);
  const packets: Uint8Array[] = [];
  for (let at = 0; at < padded.length; at += FRAME) packets.push(new Uint8Array(encoder.encode(padded.subarray(at, at + FRAME))));
  return packets;
}

/** Packets as one file: each a 16-bit big-endian length, then its bytes (an Opus packet is at most 1275 bytes). */
function joinPackets(packets: readonly Uint8Array[]): Uint8Array {
  const bytes = new Uint8Array(packets.reduce((sum, packet) => sum + 2 + packet.length, 0));
  let at = 0;
  for (const packet of packets) {
    bytes[at] = packet.length >> 8;
    bytes[at + 1] = packet.length & 0xff;
    bytes.set(packet, at + 2);
    at += 2 + packet.length;
  }
  return bytes;
}

function splitPackets(bytes: Uint8Array): Uint8Array[] {
  const packets: Uint8Array[] = [];
  for (let at = 0; at < bytes.length;) {
    const length = (bytes[at]! << 8) | bytes[at + 1]!;
    packets.push(bytes.subarray(at + 2, at + 2 + length));
    at += 2 + length;
  }
  return packets;
}

let encoderDigest: string | undefined;

/** What this encoder makes of one second of a sweep, as a digest: cached packets are this encoder's only. */
function encoderFingerprint(): string {
  if (encoderDigest) return encoderDigest;
  const sweep = new Int16Array(RATE);
  for (let i = 0; i < sweep.length; i++) sweep[i] = Math.round(8000 * Math.sin((2 * Math.PI * (100 + (3900 * i) / RATE) * i) / RATE));
  encoderDigest = createHash("sha256").update(JSON.stringify(VOICE_CALL_OPUS)).update(joinPackets(encodePackets(sweep))).digest("hex");
  return encoderDigest;
}

/** The packets of `samples`, from the cache or encoded and cached (written whole, then renamed into place). */
function cachedPackets(samples: Int16Array): Uint8Array[] {
  const digest = createHash("sha256").update(encoderFingerprint()).update(new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength)).digest("hex");
  const path = join(CACHE, `${digest}.opus`);
  if (existsSync(path)) return splitPackets(readFileSync(path));
  const packets = encodePackets(samples);
  mkdirSync(CACHE, { recursive: true });
  writeFileSync(`${path}.part`, joinPackets(packets));
  renameSync(`${path}.part`, path);
  return packets;
}

/** A 16 kHz clip as heard over an Opus voice call (24 kbit/s wideband, as WebRTC and Opus trunks carry speech), decoded back at 16 kHz. */
export function opusChannel(samples16k: Int16Array): Int16Array {
  const decoder = new OpusDecoder(RATE);
  const packets = cachedPackets(samples16k);
  const out = new Int16Array(packets.length * FRAME);
  packets.forEach((packet, i) => out.set(decoder.decode(packet), i * FRAME));
  return out.subarray(0, samples16k.length);
}
