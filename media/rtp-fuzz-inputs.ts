// Hostile RTP and RTCP datagrams: garbage, and near misses that each trip one parser check
// (lying CSRC counts, extension lengths and padding, wrong payload types and versions, RTCP with
// bad lengths). Test code: used by the RTP fuzz tests and by `npm run fuzz`.
import { type RtcpPacket, serializeRtcpCompound } from "./rtcp.ts";
import { randomBytes, type Rng } from "./signal-test-utils.ts";
import { flipBits, int, pick, uint32 } from "./fuzz-random.ts";

/** A copy of `packet` (a 12-byte header, then payload) with a header extension whose length lies. */
function withLyingExtension(rng: Rng, packet: Uint8Array): Uint8Array {
  const out = new Uint8Array(packet.length + 8);
  out.set(packet.subarray(0, 12));
  out[0]! |= 0x10;
  const profile = pick(rng, [0xbede, 0x1000, int(rng, 0, 0xffff)]);
  const words = pick(rng, [int(rng, 2, 0xffff), 1]);
  out.set([profile >> 8, profile & 0xff, words >> 8, words & 0xff], 12);
  // With a truthful one-word length, the element itself lies about its size instead.
  out.set([0x1f, 0xff, int(rng, 0, 255), int(rng, 0, 255)], 16);
  out.set(packet.subarray(12), 20);
  return out;
}

/**
 * One hostile datagram for an RTP port, made from `valid` (a packet the session would accept):
 * garbage, or a near miss that trips one parser check, or a valid header over a random payload.
 */
export function hostileRtp(rng: Rng, valid: Uint8Array, acceptedTypes: readonly number[]): Uint8Array {
  const out = valid.slice();
  switch (int(rng, 0, 9)) {
    case 0:
      return randomBytes(rng, int(rng, 0, 300));
    case 1:
      return flipBits(rng, valid);
    case 2:
      return valid.subarray(0, int(rng, 0, valid.length - 1));
    case 3:
      out[0] = (out[0]! & 0xf0) | int(rng, 1, 15); // CSRC count larger than the packet
      return out.subarray(0, int(rng, 12, Math.min(out.length, 60)));
    case 4:
      return withLyingExtension(rng, valid);
    case 5:
      out[0]! |= 0x20; // padding whose count is 0 or runs past the payload
      out[out.length - 1] = pick(rng, [0, int(rng, Math.min(255, out.length - 11), 255)]);
      return out;
    case 6: {
      let type = int(rng, 0, 127);
      while (acceptedTypes.includes(type)) type = int(rng, 0, 127);
      out[1] = (out[1]! & 0x80) | type;
      return out;
    }
    case 7:
      out[0] = (out[0]! & 0x3f) | (pick(rng, [0, 1, 3]) << 6);
      return out;
    default:
      return valid;
  }
}

/** A random RTCP report of any type. */
export function randomRtcp(rng: Rng): RtcpPacket {
  const block = () => ({
    ssrc: uint32(rng),
    fractionLost: int(rng, 0, 255),
    cumulativeLost: int(rng, -1000, 1000),
    highestSeq: uint32(rng),
    jitter: int(rng, 0, 10000),
    lastSr: uint32(rng),
    delaySinceLastSr: int(rng, 0, 65535),
  });
  const ssrc = uint32(rng);
  const reports = Array.from({ length: int(rng, 0, 3) }, block);
  switch (int(rng, 0, 3)) {
    case 0:
      return { type: "sr", ssrc, ntp: { seconds: int(rng, 0, 2 ** 31), fraction: int(rng, 0, 2 ** 31) }, rtpTimestamp: int(rng, 0, 2 ** 31), packetCount: 5, octetCount: 800, reports };
    case 1:
      return { type: "rr", ssrc, reports };
    case 2:
      return { type: "sdes", chunks: [{ ssrc, items: [{ type: 1, text: "fuzz@parley" }] }] };
    default:
      return { type: "bye", ssrcs: [ssrc], reason: "fuzz" };
  }
}

/** One hostile datagram for an RTCP port: a compound of random reports (never naming the good call), broken somehow. */
export function hostileRtcp(rng: Rng): Uint8Array {
  const valid = serializeRtcpCompound(Array.from({ length: int(rng, 1, 3) }, () => randomRtcp(rng)));
  const out = valid.slice();
  switch (int(rng, 0, 5)) {
    case 0:
      return randomBytes(rng, int(rng, 0, 200));
    case 1:
      return flipBits(rng, valid);
    case 2:
      return valid.subarray(0, int(rng, 0, valid.length - 1));
    case 3:
      out[2] = int(rng, 0, 255); // length field that disagrees with the datagram
      out[3] = int(rng, 0, 255);
      return out;
    case 4:
      out[0] = (out[0]! & 0x3f) | (pick(rng, [0, 1, 3]) << 6);
      return out;
    default: {
      const body = randomBytes(rng, 4 * int(rng, 0, 10));
      return new Uint8Array([0x80 | int(rng, 0, 31), int(rng, 192, 223), 0, int(rng, 0, 20), ...body]);
    }
  }
}
