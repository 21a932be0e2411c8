// Fuzzes the RTP and RTCP parsers with valid packets of random shape and with mutations of them:
// a parser may accept or reject (with MediaParseError) but never crash, and valid packets must
// survive serialize -> parse unchanged.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { MediaParseError } from "./errors.ts";
import { isRtcpPacket, parseRtcpCompound, serializeRtcpCompound } from "./rtcp.ts";
import type { RtcpPacket, RtcpReportBlock } from "./rtcp.ts";
import { parseRtpPacket, serializeRtpPacket } from "./rtp.ts";
import type { RtpHeaderExtension, RtpPacket } from "./rtp.ts";

const fuzz = suite("rtp-fuzz");

const PACKETS = 200_000;
const SEED = 0x5eed_2025;
const TEXT_ALPHABET = [..."abcdefxyz0123456789-_.@ ", "é", "ü", "漢", "🎧"];
// Not the RTCP packet types parsed by name, and (for a first packet) in the rtcp-mux range.
const UNKNOWN_RTCP_TYPES = [192, 193, 204, 205, 206, 207, 208, 223];

/** Seeded PRNG (mulberry32) with the draws the generators need. */
class Random {
  #state: number;
  constructor(seed: number) {
    this.#state = seed >>> 0;
  }
  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.#state = (this.#state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** Integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  uint32(): number {
    return this.int(0, 0xffffffff);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)]!;
  }
  bytes(length: number): Uint8Array {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i += 4) {
      const word = this.uint32();
      out[i] = word;
      out[i + 1] = word >>> 8;
      out[i + 2] = word >>> 16;
      out[i + 3] = word >>> 24;
    }
    return out;
  }
  list<T>(min: number, max: number, make: () => T): T[] {
    const items: T[] = [];
    for (let n = this.int(min, max); n > 0; n--) items.push(make());
    return items;
  }
  text(maxChars: number): string {
    return this.list(0, maxChars, () => this.pick(TEXT_ALPHABET)).join("");
  }
}

/** A valid RTP packet as parsing its serialization must return it. */
function randomRtpPacket(random: Random): RtpPacket {
  // Payload types 64..95 are kept out of RTP so rtcp-mux can tell the two apart (RFC 5761).
  const payloadType = random.chance(0.5) ? random.int(0, 63) : random.int(96, 127);
  const paddingLength = random.chance(0.1) ? random.int(1, 255) : 0;
  return {
    version: 2,
    padding: paddingLength > 0,
    marker: random.chance(0.1),
    payloadType,
    sequenceNumber: random.int(0, 0xffff),
    timestamp: random.uint32(),
    ssrc: random.uint32(),
    csrcs: random.chance(0.2) ? random.list(1, 15, () => random.uint32()) : [],
    extension: random.chance(0.4) ? randomExtension(random) : undefined,
    payload: random.bytes(random.int(0, 200)),
    paddingLength,
  };
}

function randomExtension(random: Random): RtpPacket["extension"] {
  const kind = random.int(0, 2);
  if (kind === 2) {
    const profile = random.pick([0x0000, 0xabac, 0xffff, 0x2000]);
    return { profile, elements: [], raw: random.bytes(4 * random.int(0, 8)) };
  }
  const oneByte = kind === 0;
  const elements = random.list<RtpHeaderExtension>(0, 6, () =>
    oneByte
      ? { id: random.int(1, 14), data: random.bytes(random.int(1, 16)) }
      : { id: random.int(1, 255), data: random.bytes(random.int(0, 40)) }
  );
  return canonical({ profile: 0, elements, raw: undefined });
}

function randomReportBlock(random: Random): RtcpReportBlock {
  return {
    ssrc: random.uint32(),
    fractionLost: random.int(0, 255),
    cumulativeLost: random.int(-0x800000, 0x7fffff),
    highestSeq: random.uint32(),
    jitter: random.uint32(),
    lastSr: random.uint32(),
    delaySinceLastSr: random.uint32(),
  };
}

function randomRtcpPacket(random: Random, first: boolean): RtcpPacket {
  const blocks = () => random.list(0, random.chance(0.05) ? 31 : 3, () => randomReportBlock(random));
  switch (random.int(first ? 0 : 2, 5)) {
    case 0:
      return {
        type: "sr",
        ssrc: random.uint32(),
        ntp: { seconds: random.uint32(), fraction: random.uint32() },
        rtpTimestamp: random.uint32(),
        packetCount: random.uint32(),
        octetCount: random.uint32(),
        reports: blocks(),
      };
    case 1:
      return { type: "rr", ssrc: random.uint32(), reports: blocks() };
    case 2: {
      const item = () => ({ type: random.int(1, 255), text: random.text(40) });
      const chunk = () => ({ ssrc: random.uint32(), items: random.list(0, 4, item) });
      return { type: "sdes", chunks: random.list(0, 4, chunk) };
    }
    case 3: {
      const ssrcs = random.list(0, 5, () => random.uint32());
      return random.chance(0.5) ? { type: "bye", ssrcs } : { type: "bye", ssrcs, reason: random.text(30) };
    }
    default:
      return {
        type: "unknown",
        packetType: random.pick(UNKNOWN_RTCP_TYPES),
        count: random.int(0, 31),
        body: random.bytes(4 * random.int(0, 10)),
      };
  }
}

function randomRtcpCompound(random: Random): RtcpPacket[] {
  return Array.from({ length: random.int(1, 4) }, (_, i) => randomRtcpPacket(random, i === 0));
}

/** A corrupted copy of `valid`: the ways real traffic and attackers break packets. */
function mutate(random: Random, valid: Uint8Array): Uint8Array {
  const bytes = valid.slice();
  const at = () => random.int(0, bytes.length - 1);
  switch (random.int(0, 7)) {
    case 0: // bit flips
      for (let n = random.int(1, 8); n > 0; n--) bytes[at()]! ^= 1 << random.int(0, 7);
      return bytes;
    case 1: // truncation
      return bytes.subarray(0, random.int(0, bytes.length - 1));
    case 2: // CSRC count (RTP) or report count (RTCP) lie
      bytes[0] = (bytes[0]! & 0xe0) | random.int(0, 31);
      return bytes;
    case 3: { // header extension length (RTP) or RTCP length lie
      const offset = isRtcpPacket(bytes) ? 0 : 12 + 4 * (bytes[0]! & 0x0f);
      if (!isRtcpPacket(bytes)) bytes[0] = bytes[0]! | 0x10;
      if (offset + 4 <= bytes.length) {
        bytes[offset + 2] = random.chance(0.5) ? 0 : random.int(0, 255);
        bytes[offset + 3] = random.int(0, 255);
      }
      return bytes;
    }
    case 4: // padding lie
      bytes[0] = bytes[0]! | 0x20;
      bytes[bytes.length - 1] = random.int(0, 255);
      return bytes;
    case 5: { // random bytes behind a plausible first byte
      const noise = random.bytes(random.int(1, 200));
      noise[0] = random.int(0x80, 0xbf);
      return noise;
    }
    case 6: { // trailing garbage
      const longer = new Uint8Array(bytes.length + random.int(1, 16));
      longer.set(bytes);
      longer.set(random.bytes(longer.length - bytes.length), bytes.length);
      return longer;
    }
    default: { // a run of random bytes over the header or body
      const start = at();
      bytes.set(random.bytes(Math.min(random.int(1, 16), bytes.length - start)), start);
      return bytes;
    }
  }
}

/** Parses as the rtcp-mux classifier says; returns the RTP packet if it was RTP and valid. */
function parseMuxed(bytes: Uint8Array, context: () => string): RtpPacket | undefined {
  try {
    if (isRtcpPacket(bytes)) {
      for (const packet of parseRtcpCompound(bytes)) {
        if (packet.type === "unknown" && packet.body.buffer !== bytes.buffer) assert.unreachable(`RTCP body copied for ${context()}`);
      }
      return undefined;
    }
    const packet = parseRtpPacket(bytes);
    const { payload } = packet;
    if (payload.buffer !== bytes.buffer || payload.byteOffset + payload.length > bytes.byteOffset + bytes.length) {
      assert.unreachable(`RTP payload is not a view inside the packet for ${context()}`);
    }
    return packet;
  } catch (error) {
    if (error instanceof MediaParseError || error instanceof assert.Assertion) throw error;
    throw new assert.Assertion({
      message: `${(error as Error)?.name}: ${(error as Error)?.message} escaped for ${context()}`,
      operator: "fuzz",
      expects: "MediaParseError",
      actual: error,
    });
  }
}

function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

fuzz(`${PACKETS} random and corrupted packets: valid ones round-trip, none crash a parser`, () => {
  const random = new Random(SEED);
  let rejected = 0;
  for (let n = 0; n < PACKETS; n++) {
    const isRtp = random.chance(0.6);
    const expected = isRtp ? randomRtpPacket(random) : randomRtcpCompound(random);
    const valid = isRtp ? serializeRtpPacket(expected as RtpPacket) : serializeRtcpCompound(expected as RtcpPacket[]);
    if (isRtcpPacket(valid) === isRtp) assert.unreachable(`packet ${n} classified wrongly: ${toHex(valid)}`);
    assert.equal(isRtp ? parseRtpPacket(valid) : parseRtcpCompound(valid), expected, `packet ${n} did not round-trip`);

    const corrupt = mutate(random, valid);
    try {
      const packet = parseMuxed(corrupt, () => `packet ${n}: ${toHex(corrupt)}`);
      // Whatever RTP the parser accepts must serialize again and parse to the same packet.
      if (packet) assert.equal(parseRtpPacket(serializeRtpPacket(packet)), { ...packet, extension: canonical(packet.extension) });
    } catch (error) {
      if (!(error instanceof MediaParseError)) throw error;
      rejected++;
    }
  }
  // A mutator whose output is almost never (or always) rejected would exercise little of the parsers.
  assert.ok(rejected > PACKETS / 10 && rejected < PACKETS, `${rejected} rejected`);
});

/** The extension as serializing it again yields: RFC 8285 elements in the form the serializer picks. */
function canonical(extension: RtpPacket["extension"]): RtpPacket["extension"] {
  if (!extension || extension.raw) return extension;
  const fitsOneByte = extension.elements.every(({ id, data }) => id <= 14 && data.length >= 1 && data.length <= 16);
  return { ...extension, profile: fitsOneByte ? 0xbede : 0x1000 };
}

fuzz.run();
