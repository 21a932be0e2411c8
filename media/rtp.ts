/**
 * RTP packets (RFC 3550) with RFC 8285 header extensions. Parsing returns views over the input
 * (no payload copy) because it runs once per received packet.
 */
import { readUint32, writeUint32 } from "./bytes.ts";
import { MediaParseError } from "./errors.ts";

/** Profile of the RFC 8285 one-byte header extension form. */
export const ONE_BYTE_EXTENSION_PROFILE = 0xbede;
/** Profile of the RFC 8285 two-byte header extension form (the low 4 bits are "appbits"). */
export const TWO_BYTE_EXTENSION_PROFILE = 0x1000;

const HEADER_LENGTH = 12;
// The extension length field counts 32-bit words in 16 bits.
const MAX_EXTENSION_BODY = 0xffff * 4;
// One-byte id 15 is reserved: RFC 8285 says to stop reading elements when it appears.
const ONE_BYTE_RESERVED_ID = 15;

/** One RFC 8285 header extension element. */
export interface RtpHeaderExtension {
  /** Local identifier negotiated by `a=extmap` (1..14 one-byte, 1..255 two-byte). */
  readonly id: number;
  /** Element data; a view into the packet when parsed. */
  readonly data: Uint8Array;
}

/** The header extension of an RTP packet. */
export interface RtpExtensionHeader {
  /** 0xBEDE (one-byte), 0x100X (two-byte), or any other profile, kept raw. */
  readonly profile: number;
  /** Decoded RFC 8285 elements, in packet order; empty for other profiles. */
  readonly elements: readonly RtpHeaderExtension[];
  /** Extension body of a profile that is not RFC 8285 (length a multiple of 4), else undefined. */
  readonly raw?: Uint8Array;
}

/** What a sender supplies to build an RTP packet. */
export interface RtpPacketInit {
  /** Marker bit (start of a talkspurt for audio). */
  readonly marker?: boolean;
  /** Payload type, 0..127. */
  readonly payloadType: number;
  /** Sequence number; written modulo 2^16. */
  readonly sequenceNumber: number;
  /** Media timestamp; written modulo 2^32. */
  readonly timestamp: number;
  /** Synchronization source; written modulo 2^32. */
  readonly ssrc: number;
  /** Contributing sources, at most 15. */
  readonly csrcs?: readonly number[];
  /** Header extension. RFC 8285 elements are written one-byte when they fit, else two-byte. */
  readonly extension?: RtpExtensionHeader;
  /** Codec payload. */
  readonly payload: Uint8Array;
  /** Padding bytes to append (0..255, 0 for none), counting the final count byte. */
  readonly paddingLength?: number;
}

/** A parsed RTP packet; `payload` and extension data are views into the parsed bytes. */
export interface RtpPacket extends RtpPacketInit {
  /** Always 2. */
  readonly version: number;
  /** Whether the P bit was set. */
  readonly padding: boolean;
  readonly marker: boolean;
  /** Shared frozen empty array when the packet has none, to save an allocation per packet. */
  readonly csrcs: readonly number[];
  readonly extension: RtpExtensionHeader | undefined;
  readonly paddingLength: number;
}

const NO_CSRCS: readonly number[] = Object.freeze([]);
const NO_ELEMENTS: readonly RtpHeaderExtension[] = Object.freeze([]);

function isTwoByteProfile(profile: number): boolean {
  return (profile & 0xfff0) === TWO_BYTE_EXTENSION_PROFILE;
}

/** Parses one RTP packet. Throws `MediaParseError` if it is malformed. */
export function parseRtpPacket(bytes: Uint8Array): RtpPacket {
  const length = bytes.length;
  if (length < HEADER_LENGTH) {
    throw new MediaParseError("too_short", `RTP packet of ${length} bytes is shorter than its 12-byte header`);
  }
  const b0 = bytes[0]!;
  const b1 = bytes[1]!;
  const version = b0 >> 6;
  if (version !== 2) throw new MediaParseError("bad_version", `RTP version is ${version}, expected 2`);

  const csrcCount = b0 & 0x0f;
  let offset = HEADER_LENGTH + 4 * csrcCount;
  if (offset > length) {
    throw new MediaParseError("bad_csrc", `RTP packet of ${length} bytes cannot hold its ${csrcCount} CSRCs`);
  }
  let csrcs = NO_CSRCS;
  if (csrcCount > 0) {
    const list: number[] = new Array(csrcCount);
    for (let i = 0; i < csrcCount; i++) list[i] = readUint32(bytes, HEADER_LENGTH + 4 * i);
    csrcs = list;
  }

  let extension: RtpExtensionHeader | undefined;
  if (b0 & 0x10) {
    if (offset + 4 > length) {
      throw new MediaParseError("bad_extension", "RTP packet ends inside its header extension header");
    }
    const profile = (bytes[offset]! << 8) | bytes[offset + 1]!;
    const bodyStart = offset + 4;
    const bodyEnd = bodyStart + 4 * ((bytes[offset + 2]! << 8) | bytes[offset + 3]!);
    if (bodyEnd > length) {
      throw new MediaParseError("bad_extension", `RTP header extension runs ${bodyEnd - length} bytes past the packet`);
    }
    if (profile === ONE_BYTE_EXTENSION_PROFILE) {
      extension = { profile, elements: parseOneByteElements(bytes, bodyStart, bodyEnd), raw: undefined };
    } else if (isTwoByteProfile(profile)) {
      extension = { profile, elements: parseTwoByteElements(bytes, bodyStart, bodyEnd), raw: undefined };
    } else {
      extension = { profile, elements: NO_ELEMENTS, raw: bytes.subarray(bodyStart, bodyEnd) };
    }
    offset = bodyEnd;
  }

  let paddingLength = 0;
  const padding = (b0 & 0x20) !== 0;
  if (padding) {
    paddingLength = bytes[length - 1]!;
    if (paddingLength === 0 || offset + paddingLength > length) {
      throw new MediaParseError("bad_padding", `RTP padding count ${paddingLength} does not fit the ${length - offset}-byte payload`);
    }
  }

  return {
    version,
    padding,
    marker: (b1 & 0x80) !== 0,
    payloadType: b1 & 0x7f,
    sequenceNumber: (bytes[2]! << 8) | bytes[3]!,
    timestamp: readUint32(bytes, 4),
    ssrc: readUint32(bytes, 8),
    csrcs,
    extension,
    payload: bytes.subarray(offset, length - paddingLength),
    paddingLength,
  };
}

function parseOneByteElements(bytes: Uint8Array, start: number, end: number): RtpHeaderExtension[] {
  const elements: RtpHeaderExtension[] = [];
  let i = start;
  while (i < end) {
    const byte = bytes[i]!;
    if (byte === 0) {
      i++;
      continue;
    }
    const id = byte >> 4;
    // Id 0 with a non-zero length is as undefined as id 15; like libwebrtc, keep what came before.
    if (id === ONE_BYTE_RESERVED_ID || id === 0) break;
    const dataEnd = i + 2 + (byte & 0x0f);
    if (dataEnd > end) throw new MediaParseError("bad_extension", `RTP one-byte extension element ${id} overruns the extension`);
    elements.push({ id, data: bytes.subarray(i + 1, dataEnd) });
    i = dataEnd;
  }
  return elements;
}

function parseTwoByteElements(bytes: Uint8Array, start: number, end: number): RtpHeaderExtension[] {
  const elements: RtpHeaderExtension[] = [];
  let i = start;
  while (i < end) {
    const id = bytes[i]!;
    if (id === 0) {
      i++;
      continue;
    }
    if (i + 2 > end) throw new MediaParseError("bad_extension", `RTP two-byte extension element ${id} has no length byte`);
    const dataEnd = i + 2 + bytes[i + 1]!;
    if (dataEnd > end) throw new MediaParseError("bad_extension", `RTP two-byte extension element ${id} overruns the extension`);
    elements.push({ id, data: bytes.subarray(i + 2, dataEnd) });
    i = dataEnd;
  }
  return elements;
}

function fitsOneByteForm(elements: readonly RtpHeaderExtension[]): boolean {
  for (const { id, data } of elements) {
    if (id < 1 || id > 14 || data.length < 1 || data.length > 16) return false;
  }
  return true;
}

/** Bytes the extension body takes (without its 4-byte header), padded to 32 bits. */
function extensionBodyLength(extension: RtpExtensionHeader, oneByte: boolean): number {
  let length = 0;
  if (extension.raw) {
    length = extension.raw.length;
  } else {
    for (const { data } of extension.elements) length += (oneByte ? 1 : 2) + data.length;
    length = (length + 3) & ~3;
  }
  if (length > MAX_EXTENSION_BODY) throw new RangeError(`RTP header extension of ${length} bytes exceeds ${MAX_EXTENSION_BODY}`);
  return length;
}

/** Number of bytes `serializeRtpPacket` writes for `packet`. */
export function rtpPacketLength(packet: RtpPacketInit): number {
  let length = HEADER_LENGTH + 4 * (packet.csrcs?.length ?? 0) + packet.payload.length + (packet.paddingLength ?? 0);
  const extension = packet.extension;
  if (extension) length += 4 + extensionBodyLength(extension, fitsOneByteForm(extension.elements));
  return length;
}

function checkPacket(packet: RtpPacketInit): void {
  const { payloadType, csrcs, extension, paddingLength = 0 } = packet;
  if (!Number.isInteger(payloadType) || payloadType < 0 || payloadType > 127) {
    throw new RangeError(`RTP payload type ${payloadType} is outside 0..127`);
  }
  if (csrcs && csrcs.length > 15) throw new RangeError(`RTP packet cannot carry ${csrcs.length} CSRCs (at most 15)`);
  if (!Number.isInteger(paddingLength) || paddingLength < 0 || paddingLength > 255) {
    throw new RangeError(`RTP padding length ${paddingLength} is outside 0..255`);
  }
  if (!extension) return;
  if (extension.raw) {
    if (extension.raw.length % 4 !== 0) throw new RangeError("Raw RTP header extension length must be a multiple of 4");
    return;
  }
  for (const { id, data } of extension.elements) {
    if (!Number.isInteger(id) || id < 1 || id > 255 || data.length > 255) {
      throw new RangeError(`RTP header extension element ${id} with ${data.length} bytes fits neither RFC 8285 form`);
    }
  }
}

/**
 * Writes `packet` into `out` (or a new array) and returns the written bytes. Throws `RangeError`
 * for fields no RTP packet can carry, and when `out` is too small.
 */
export function serializeRtpPacket(packet: RtpPacketInit, out?: Uint8Array): Uint8Array {
  checkPacket(packet);
  const length = rtpPacketLength(packet);
  if (out && out.length < length) throw new RangeError(`RTP packet needs ${length} bytes, buffer has ${out.length}`);
  const bytes = out ? out.subarray(0, length) : new Uint8Array(length);
  const csrcs = packet.csrcs ?? NO_CSRCS;
  const extension = packet.extension;
  const paddingLength = packet.paddingLength ?? 0;

  bytes[0] = 0x80 | (paddingLength > 0 ? 0x20 : 0) | (extension ? 0x10 : 0) | csrcs.length;
  bytes[1] = (packet.marker ? 0x80 : 0) | packet.payloadType;
  bytes[2] = packet.sequenceNumber >>> 8;
  bytes[3] = packet.sequenceNumber;
  writeUint32(bytes, 4, packet.timestamp);
  writeUint32(bytes, 8, packet.ssrc);
  let offset = HEADER_LENGTH;
  for (const csrc of csrcs) {
    writeUint32(bytes, offset, csrc);
    offset += 4;
  }
  if (extension) offset = writeExtension(bytes, offset, extension);
  bytes.set(packet.payload, offset);
  offset += packet.payload.length;
  if (paddingLength > 0) {
    bytes.fill(0, offset, length - 1);
    bytes[length - 1] = paddingLength;
  }
  return bytes;
}

function writeExtension(bytes: Uint8Array, offset: number, extension: RtpExtensionHeader): number {
  const oneByte = fitsOneByteForm(extension.elements);
  const bodyLength = extensionBodyLength(extension, oneByte);
  const profile = extension.raw ? extension.profile : oneByte ? ONE_BYTE_EXTENSION_PROFILE : TWO_BYTE_EXTENSION_PROFILE;
  bytes[offset] = profile >>> 8;
  bytes[offset + 1] = profile;
  bytes[offset + 2] = bodyLength >>> 10;
  bytes[offset + 3] = bodyLength >>> 2;
  let i = offset + 4;
  const end = i + bodyLength;
  if (extension.raw) {
    bytes.set(extension.raw, i);
    return end;
  }
  for (const { id, data } of extension.elements) {
    if (oneByte) {
      bytes[i++] = (id << 4) | (data.length - 1);
    } else {
      bytes[i++] = id;
      bytes[i++] = data.length;
    }
    bytes.set(data, i);
    i += data.length;
  }
  bytes.fill(0, i, end);
  return end;
}
