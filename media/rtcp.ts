/**
 * RTCP (RFC 3550): compound packets of sender and receiver reports, source descriptions and BYE,
 * other packet types (feedback, APP, XR) passed through raw; NTP time helpers for SR/RR timing;
 * and the rtcp-mux test that tells RTCP from RTP on a shared port (RFC 5761).
 */
import { concatBytes, readUint32, writeUint32 } from "./bytes.ts";
import { MediaParseError } from "./errors.ts";

/** 64-bit NTP timestamp: seconds since 1900 (wrapping in 2036) and a 32-bit binary fraction. */
export interface NtpTimestamp {
  readonly seconds: number;
  readonly fraction: number;
}

/** Reception statistics for one source, carried by SR and RR packets. */
export interface RtcpReportBlock {
  readonly ssrc: number;
  /** Fraction of packets lost since the previous report, in 1/256 (0..255). */
  readonly fractionLost: number;
  /** Packets lost since the start, signed 24-bit (duplicates can make it negative); clamped when written. */
  readonly cumulativeLost: number;
  /** Extended highest sequence number received (cycles << 16 | highest). */
  readonly highestSeq: number;
  /** Interarrival jitter, in RTP timestamp units. */
  readonly jitter: number;
  /** Middle 32 bits of the NTP time of the last SR received from this source, 0 if none. */
  readonly lastSr: number;
  /** Delay since that SR was received, in 1/65536 s. */
  readonly delaySinceLastSr: number;
}

/** Sender report (PT 200). */
export interface RtcpSenderReport {
  readonly type: "sr";
  readonly ssrc: number;
  /** Wall-clock time of `rtpTimestamp`, for lip sync and RTT. */
  readonly ntp: NtpTimestamp;
  readonly rtpTimestamp: number;
  readonly packetCount: number;
  readonly octetCount: number;
  readonly reports: readonly RtcpReportBlock[];
}

/** Receiver report (PT 201). */
export interface RtcpReceiverReport {
  readonly type: "rr";
  readonly ssrc: number;
  readonly reports: readonly RtcpReportBlock[];
}

/** One SDES item; `type` is one of `SdesItemType` (or an unregistered code). */
export interface RtcpSdesItem {
  readonly type: number;
  /** The item body decoded as UTF-8. */
  readonly text: string;
}

/** The SDES items describing one source. */
export interface RtcpSdesChunk {
  readonly ssrc: number;
  readonly items: readonly RtcpSdesItem[];
}

/** Source description (PT 202). */
export interface RtcpSourceDescription {
  readonly type: "sdes";
  readonly chunks: readonly RtcpSdesChunk[];
}

/** Goodbye (PT 203): the sources are leaving. */
export interface RtcpBye {
  readonly type: "bye";
  readonly ssrcs: readonly number[];
  /** Reason for leaving, if the packet carries one. */
  readonly reason?: string;
}

/** Any other packet type, kept as it came so it can be forwarded or decoded elsewhere. */
export interface RtcpUnknown {
  readonly type: "unknown";
  readonly packetType: number;
  /** The 5-bit field after the P bit (a count or a feedback message type). */
  readonly count: number;
  /** Everything after the 4-byte header, without padding; a view when parsed. Multiple of 4 bytes. */
  readonly body: Uint8Array;
}

/** One packet of an RTCP compound packet. */
export type RtcpPacket = RtcpSenderReport | RtcpReceiverReport | RtcpSourceDescription | RtcpBye | RtcpUnknown;

/** SDES item types (RFC 3550 6.5). */
export const SdesItemType = {
  CNAME: 1,
  NAME: 2,
  EMAIL: 3,
  PHONE: 4,
  LOC: 5,
  TOOL: 6,
  NOTE: 7,
  PRIV: 8,
} as const;

const PT_SR = 200;
const PT_RR = 201;
const PT_SDES = 202;
const PT_BYE = 203;
const HEADER_LENGTH = 4;
const REPORT_BLOCK_LENGTH = 24;
// SSRC, then for an SR the 20-byte sender info, before the report blocks.
const SR_FIXED_LENGTH = 24;
const RR_FIXED_LENGTH = 4;
const MAX_COUNT = 31;
const MAX_PACKET_LENGTH = 4 * 0x10000;
const SECONDS_1900_TO_1970 = 2208988800;
const TWO_POW_32 = 0x100000000;

const utf8Decoder = new TextDecoder();
const utf8Encoder = new TextEncoder();

/**
 * Whether a datagram on an rtcp-mux port is RTCP: its second byte (RTP marker + payload type) is
 * 192..223, the range RFC 5761 keeps RTP payload types out of.
 */
export function isRtcpPacket(bytes: Uint8Array): boolean {
  const b1 = bytes.length >= 2 ? bytes[1]! : 0;
  return b1 >= 192 && b1 <= 223;
}

/** Converts wall-clock time in ms since the Unix epoch to NTP. */
export function msToNtp(ms: number): NtpTimestamp {
  const unixSeconds = Math.floor(ms / 1000);
  return {
    seconds: (unixSeconds + SECONDS_1900_TO_1970) % TWO_POW_32,
    fraction: Math.floor(((ms - unixSeconds * 1000) * TWO_POW_32) / 1000),
  };
}

/** Converts NTP time to ms since the Unix epoch; seconds below 2^31 are read as after the 2036 wrap (RFC 4330). */
export function ntpToMs(ntp: NtpTimestamp): number {
  const seconds = ntp.seconds >= 0x80000000 ? ntp.seconds : ntp.seconds + TWO_POW_32;
  return (seconds - SECONDS_1900_TO_1970) * 1000 + (ntp.fraction * 1000) / TWO_POW_32;
}

/** The middle 32 bits of an NTP timestamp, the form LSR and RTT arithmetic use. */
export function middle32(ntp: NtpTimestamp): number {
  return (((ntp.seconds & 0xffff) << 16) | (ntp.fraction >>> 16)) >>> 0;
}

/**
 * Round-trip time from a report block received at `arrivalMs` (ms since the Unix epoch), as
 * RFC 3550 6.4.1 computes it; undefined when the block references no SR or the result is negative.
 */
export function roundTripTimeMs(arrivalMs: number, block: RtcpReportBlock): number | undefined {
  if (block.lastSr === 0) return undefined;
  const units = (middle32(msToNtp(arrivalMs)) - block.lastSr - block.delaySinceLastSr) | 0;
  return units < 0 ? undefined : (units * 1000) / 65536;
}

/** Parses an RTCP compound packet (or a single, reduced-size one). Throws `MediaParseError` if malformed. */
export function parseRtcpCompound(bytes: Uint8Array): RtcpPacket[] {
  if (bytes.length < HEADER_LENGTH) {
    throw new MediaParseError("too_short", `RTCP packet of ${bytes.length} bytes is shorter than its 4-byte header`);
  }
  const packets: RtcpPacket[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    if (offset + HEADER_LENGTH > bytes.length) {
      throw new MediaParseError("bad_length", `RTCP compound packet has ${bytes.length - offset} stray bytes at its end`);
    }
    const b0 = bytes[offset]!;
    if (b0 >> 6 !== 2) throw new MediaParseError("bad_version", `RTCP version is ${b0 >> 6}, expected 2`);
    const packetType = bytes[offset + 1]!;
    const bodyStart = offset + HEADER_LENGTH;
    const end = bodyStart + 4 * ((bytes[offset + 2]! << 8) | bytes[offset + 3]!);
    if (end > bytes.length) {
      throw new MediaParseError("bad_length", `RTCP packet type ${packetType} runs ${end - bytes.length} bytes past the datagram`);
    }
    let bodyEnd = end;
    if (b0 & 0x20) {
      const padding = bytes[end - 1]!;
      if (padding === 0 || padding > end - bodyStart) {
        throw new MediaParseError("bad_padding", `RTCP padding count ${padding} does not fit the ${end - bodyStart}-byte body`);
      }
      bodyEnd -= padding;
    }
    packets.push(parsePacket(bytes, packetType, b0 & 0x1f, bodyStart, bodyEnd));
    offset = end;
  }
  return packets;
}

function parsePacket(bytes: Uint8Array, packetType: number, count: number, start: number, end: number): RtcpPacket {
  switch (packetType) {
    case PT_SR:
      requireLength("SR", start, end, SR_FIXED_LENGTH, count);
      return {
        type: "sr",
        ssrc: readUint32(bytes, start),
        ntp: { seconds: readUint32(bytes, start + 4), fraction: readUint32(bytes, start + 8) },
        rtpTimestamp: readUint32(bytes, start + 12),
        packetCount: readUint32(bytes, start + 16),
        octetCount: readUint32(bytes, start + 20),
        reports: parseReportBlocks(bytes, start + SR_FIXED_LENGTH, count),
      };
    case PT_RR:
      requireLength("RR", start, end, RR_FIXED_LENGTH, count);
      return { type: "rr", ssrc: readUint32(bytes, start), reports: parseReportBlocks(bytes, start + RR_FIXED_LENGTH, count) };
    case PT_SDES:
      return { type: "sdes", chunks: parseSdesChunks(bytes, count, start, end) };
    case PT_BYE:
      return parseBye(bytes, count, start, end);
    default:
      return { type: "unknown", packetType, count, body: bytes.subarray(start, end) };
  }
}

function requireLength(name: string, start: number, end: number, fixedLength: number, count: number): void {
  const needed = fixedLength + REPORT_BLOCK_LENGTH * count;
  if (end - start < needed) {
    throw new MediaParseError("bad_count", `RTCP ${name} with ${count} report blocks needs ${needed} bytes, has ${end - start}`);
  }
}

function parseReportBlocks(bytes: Uint8Array, start: number, count: number): RtcpReportBlock[] {
  const blocks: RtcpReportBlock[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const at = start + i * REPORT_BLOCK_LENGTH;
    blocks[i] = {
      ssrc: readUint32(bytes, at),
      fractionLost: bytes[at + 4]!,
      cumulativeLost: ((bytes[at + 5]! << 24) | (bytes[at + 6]! << 16) | (bytes[at + 7]! << 8)) >> 8,
      highestSeq: readUint32(bytes, at + 8),
      jitter: readUint32(bytes, at + 12),
      lastSr: readUint32(bytes, at + 16),
      delaySinceLastSr: readUint32(bytes, at + 20),
    };
  }
  return blocks;
}

function parseSdesChunks(bytes: Uint8Array, count: number, start: number, end: number): RtcpSdesChunk[] {
  const chunks: RtcpSdesChunk[] = [];
  let i = start;
  for (let c = 0; c < count; c++) {
    if (i + 4 > end) throw new MediaParseError("bad_sdes", `RTCP SDES ends before chunk ${c + 1} of ${count}`);
    const ssrc = readUint32(bytes, i);
    const items: RtcpSdesItem[] = [];
    i += 4;
    for (;;) {
      if (i >= end) throw new MediaParseError("bad_sdes", "RTCP SDES chunk has no terminating null item");
      const type = bytes[i]!;
      if (type === 0) break;
      const textEnd = i + 2 + (i + 1 < end ? bytes[i + 1]! : 0);
      if (textEnd > end) throw new MediaParseError("bad_sdes", `RTCP SDES item ${type} overruns the packet`);
      items.push({ type, text: utf8Decoder.decode(bytes.subarray(i + 2, textEnd)) });
      i = textEnd;
    }
    // The null item ends the chunk, which is padded with more nulls to the next 32-bit boundary.
    i = start + ((i + 1 - start + 3) & ~3);
    chunks.push({ ssrc, items });
  }
  return chunks;
}

function parseBye(bytes: Uint8Array, count: number, start: number, end: number): RtcpBye {
  if (end - start < 4 * count) {
    throw new MediaParseError("bad_count", `RTCP BYE with ${count} sources needs ${4 * count} bytes, has ${end - start}`);
  }
  const ssrcs: number[] = new Array(count);
  for (let i = 0; i < count; i++) ssrcs[i] = readUint32(bytes, start + 4 * i);
  const reasonAt = start + 4 * count;
  if (reasonAt >= end) return { type: "bye", ssrcs };
  const reasonEnd = reasonAt + 1 + bytes[reasonAt]!;
  if (reasonEnd > end) throw new MediaParseError("bad_bye", "RTCP BYE reason overruns the packet");
  return { type: "bye", ssrcs, reason: utf8Decoder.decode(bytes.subarray(reasonAt + 1, reasonEnd)) };
}

/** Serializes packets into one compound packet. Throws `RangeError` for fields RTCP cannot carry. */
export function serializeRtcpCompound(packets: readonly RtcpPacket[]): Uint8Array {
  return concatBytes(packets.map(serializeRtcpPacket));
}

/** Serializes one RTCP packet. Throws `RangeError` for fields RTCP cannot carry. */
export function serializeRtcpPacket(packet: RtcpPacket): Uint8Array {
  switch (packet.type) {
    case "sr":
      return serializeReport(PT_SR, packet.ssrc, packet.reports, packet);
    case "rr":
      return serializeReport(PT_RR, packet.ssrc, packet.reports, undefined);
    case "sdes":
      return serializeSdes(packet);
    case "bye":
      return serializeBye(packet);
    case "unknown":
      return serializeUnknown(packet);
  }
}

/** A packet of `bodyLength` bytes (a multiple of 4) with its header written. */
function startPacket(packetType: number, count: number, bodyLength: number): Uint8Array {
  if (!Number.isInteger(count) || count < 0 || count > MAX_COUNT) {
    throw new RangeError(`RTCP packet type ${packetType} cannot carry a count of ${count} (at most 31)`);
  }
  const length = HEADER_LENGTH + bodyLength;
  if (length % 4 !== 0 || length > MAX_PACKET_LENGTH) {
    throw new RangeError(`RTCP packet type ${packetType} body of ${bodyLength} bytes is not a multiple of 4 up to 256 KiB`);
  }
  const bytes = new Uint8Array(length);
  bytes[0] = 0x80 | count;
  bytes[1] = packetType;
  bytes[2] = (length / 4 - 1) >>> 8;
  bytes[3] = length / 4 - 1;
  return bytes;
}

function serializeReport(
  packetType: number,
  ssrc: number,
  reports: readonly RtcpReportBlock[],
  sender: RtcpSenderReport | undefined,
): Uint8Array {
  const fixedLength = sender ? SR_FIXED_LENGTH : RR_FIXED_LENGTH;
  const bytes = startPacket(packetType, reports.length, fixedLength + REPORT_BLOCK_LENGTH * reports.length);
  writeUint32(bytes, 4, ssrc);
  if (sender) {
    writeUint32(bytes, 8, sender.ntp.seconds);
    writeUint32(bytes, 12, sender.ntp.fraction);
    writeUint32(bytes, 16, sender.rtpTimestamp);
    writeUint32(bytes, 20, sender.packetCount);
    writeUint32(bytes, 24, sender.octetCount);
  }
  let at = HEADER_LENGTH + fixedLength;
  for (const block of reports) {
    const lost = Math.max(-0x800000, Math.min(0x7fffff, block.cumulativeLost));
    writeUint32(bytes, at, block.ssrc);
    writeUint32(bytes, at + 4, (block.fractionLost << 24) | (lost & 0xffffff));
    writeUint32(bytes, at + 8, block.highestSeq);
    writeUint32(bytes, at + 12, block.jitter);
    writeUint32(bytes, at + 16, block.lastSr);
    writeUint32(bytes, at + 20, block.delaySinceLastSr);
    at += REPORT_BLOCK_LENGTH;
  }
  return bytes;
}

/** UTF-8 bytes of an SDES item or BYE reason, which a length byte limits to 255. */
function encodeText(text: string, what: string): Uint8Array {
  const encoded = utf8Encoder.encode(text);
  if (encoded.length > 255) throw new RangeError(`RTCP ${what} of ${encoded.length} UTF-8 bytes exceeds 255`);
  return encoded;
}

function serializeSdes(packet: RtcpSourceDescription): Uint8Array {
  const encoded = packet.chunks.map((chunk) =>
    chunk.items.map((item) => {
      if (!Number.isInteger(item.type) || item.type < 1 || item.type > 255) {
        throw new RangeError(`RTCP SDES item type ${item.type} is outside 1..255`);
      }
      return encodeText(item.text, "SDES item");
    })
  );
  // Each chunk: SSRC, items, then 1..4 null bytes ending it on a 32-bit boundary.
  const chunkLengths = encoded.map((texts) => (4 + texts.reduce((sum, text) => sum + 2 + text.length, 0) + 4) & ~3);
  const bytes = startPacket(PT_SDES, packet.chunks.length, chunkLengths.reduce((sum, length) => sum + length, 0));
  let at = HEADER_LENGTH;
  packet.chunks.forEach((chunk, c) => {
    writeUint32(bytes, at, chunk.ssrc);
    let i = at + 4;
    chunk.items.forEach((item, t) => {
      const text = encoded[c]![t]!;
      bytes[i] = item.type;
      bytes[i + 1] = text.length;
      bytes.set(text, i + 2);
      i += 2 + text.length;
    });
    at += chunkLengths[c]!;
  });
  return bytes;
}

function serializeBye(packet: RtcpBye): Uint8Array {
  const reason = packet.reason === undefined ? undefined : encodeText(packet.reason, "BYE reason");
  const reasonLength = reason ? (reason.length + 4) & ~3 : 0;
  const bytes = startPacket(PT_BYE, packet.ssrcs.length, 4 * packet.ssrcs.length + reasonLength);
  packet.ssrcs.forEach((ssrc, i) => writeUint32(bytes, HEADER_LENGTH + 4 * i, ssrc));
  if (reason) {
    const at = HEADER_LENGTH + 4 * packet.ssrcs.length;
    bytes[at] = reason.length;
    bytes.set(reason, at + 1);
  }
  return bytes;
}

function serializeUnknown(packet: RtcpUnknown): Uint8Array {
  if (!Number.isInteger(packet.packetType) || packet.packetType < 0 || packet.packetType > 255) {
    throw new RangeError(`RTCP packet type ${packet.packetType} is outside 0..255`);
  }
  const bytes = startPacket(packet.packetType, packet.count, packet.body.length);
  bytes.set(packet.body, HEADER_LENGTH);
  return bytes;
}
