import { suite } from "uvu";
import * as assert from "uvu/assert";
import { MediaParseError } from "./errors.ts";
import { parseRtpPacket, rtpPacketLength, serializeRtpPacket } from "./rtp.ts";
import type { RtpPacketInit } from "./rtp.ts";

const rtp = suite("rtp");

/** Bytes from a hex string; spaces are for readability. */
function hex(text: string): Uint8Array {
  const digits = text.replace(/\s+/g, "");
  return Uint8Array.from({ length: digits.length / 2 }, (_, i) => parseInt(digits.slice(2 * i, 2 * i + 2), 16));
}

/** The reason `parseRtpPacket` gives for rejecting `bytes`, or undefined if it accepts them. */
function parseError(bytes: Uint8Array): string | undefined {
  try {
    parseRtpPacket(bytes);
  } catch (error) {
    assert.instance(error, MediaParseError);
    return (error as MediaParseError).reason;
  }
  return undefined;
}

const PCMU_HEADER = "80 00 12 34  00 00 00 a0  de ad be ef";

rtp("parses the fixed header of a hand-built PCMU packet", () => {
  const packet = parseRtpPacket(hex(`${PCMU_HEADER} 01 02 03`));
  assert.is(packet.version, 2);
  assert.is(packet.padding, false);
  assert.is(packet.marker, false);
  assert.is(packet.payloadType, 0);
  assert.is(packet.sequenceNumber, 0x1234);
  assert.is(packet.timestamp, 160);
  assert.is(packet.ssrc, 0xdeadbeef);
  assert.equal(packet.csrcs, []);
  assert.is(packet.extension, undefined);
  assert.equal(packet.payload, hex("01 02 03"));
  assert.is(packet.paddingLength, 0);
});

rtp("reads marker, payload type and timestamps above 2^31 as unsigned", () => {
  const packet = parseRtpPacket(hex("80 ef ff ff  ff ff ff fe  80 00 00 01"));
  assert.is(packet.marker, true);
  assert.is(packet.payloadType, 111);
  assert.is(packet.sequenceNumber, 65535);
  assert.is(packet.timestamp, 0xfffffffe);
  assert.is(packet.ssrc, 0x80000001);
  assert.is(packet.payload.length, 0);
});

rtp("returns the payload as a view over the input, not a copy", () => {
  const bytes = hex(`${PCMU_HEADER} 01 02 03`);
  const packet = parseRtpPacket(bytes);
  assert.is(packet.payload.buffer, bytes.buffer);
  assert.is(packet.payload.byteOffset, 12);
});

rtp("shares one empty CSRC array between packets without CSRCs", () => {
  const a = parseRtpPacket(hex(PCMU_HEADER));
  const b = parseRtpPacket(hex(PCMU_HEADER));
  assert.is(a.csrcs, b.csrcs);
  assert.ok(Object.isFrozen(a.csrcs));
});

rtp("reads the CSRC list and starts the payload after it", () => {
  const packet = parseRtpPacket(hex("82 00 00 01  00 00 00 00  00 00 00 01  00 00 00 0a  ff ff ff ff  77"));
  assert.equal(packet.csrcs, [10, 0xffffffff]);
  assert.equal(packet.payload, hex("77"));
});

rtp("strips padding, whose last byte counts the padding bytes", () => {
  const packet = parseRtpPacket(hex(`a0 00 00 01  00 00 00 00  00 00 00 01  11 22  00 00 00 04`));
  assert.is(packet.padding, true);
  assert.is(packet.paddingLength, 4);
  assert.equal(packet.payload, hex("11 22"));
});

rtp("decodes the RFC 8285 one-byte example, skipping padding bytes between elements", () => {
  const packet = parseRtpPacket(hex(`90 00 00 01  00 00 00 00  00 00 00 01
    be de 00 03  10 aa 21 bb  cc 00 00 33  dd ee ff 11  99`));
  assert.is(packet.extension?.profile, 0xbede);
  assert.is(packet.extension?.raw, undefined);
  assert.equal(packet.extension?.elements, [
    { id: 1, data: hex("aa") },
    { id: 2, data: hex("bb cc") },
    { id: 3, data: hex("dd ee ff 11") },
  ]);
  assert.equal(packet.payload, hex("99"));
});

rtp("decodes the RFC 8285 two-byte example, including a zero-length element and padding", () => {
  const packet = parseRtpPacket(hex(`90 00 00 01  00 00 00 00  00 00 00 01
    10 00 00 03  01 00 02 01  aa 00 03 04  bb cc dd ee  99`));
  assert.is(packet.extension?.profile, 0x1000);
  assert.equal(packet.extension?.elements, [
    { id: 1, data: hex("") },
    { id: 2, data: hex("aa") },
    { id: 3, data: hex("bb cc dd ee") },
  ]);
  assert.equal(packet.payload, hex("99"));
});

rtp("stops reading one-byte elements at the reserved id 15", () => {
  const packet = parseRtpPacket(hex(`90 00 00 01  00 00 00 00  00 00 00 01
    be de 00 01  10 aa f0 bb`));
  assert.equal(packet.extension?.elements, [{ id: 1, data: hex("aa") }]);
});

rtp("keeps a header extension of another profile raw", () => {
  const packet = parseRtpPacket(hex(`90 00 00 01  00 00 00 00  00 00 00 01
    ab cd 00 02  01 02 03 04  05 06 07 08  99`));
  assert.is(packet.extension?.profile, 0xabcd);
  assert.equal(packet.extension?.elements, []);
  assert.equal(packet.extension?.raw, hex("01 02 03 04  05 06 07 08"));
  assert.equal(packet.payload, hex("99"));
});

rtp("rejects malformed packets with stable reasons", () => {
  const rest = "00 00 01  00 00 00 00  00 00 00 01";
  assert.is(parseError(hex("80 00 00 01  00 00 00 00  00 00 00")), "too_short");
  assert.is(parseError(hex(`40 ${rest}`)), "bad_version");
  assert.is(parseError(hex(`8f ${rest}  00 00 00 00`)), "bad_csrc");
  assert.is(parseError(hex(`90 ${rest}  be de`)), "bad_extension");
  assert.is(parseError(hex(`90 ${rest}  be de 00 02  10 aa 00 00`)), "bad_extension");
  assert.is(parseError(hex(`90 ${rest}  be de 00 01  13 aa bb cc`)), "bad_extension");
  assert.is(parseError(hex(`90 ${rest}  10 00 00 01  01 00 02 05`)), "bad_extension");
  assert.is(parseError(hex(`90 ${rest}  10 00 00 01  00 00 00 07`)), "bad_extension");
  assert.is(parseError(hex(`a0 ${rest}  11 22 33 00`)), "bad_padding");
  assert.is(parseError(hex(`a0 ${rest}  11 22 33 05`)), "bad_padding");
});

rtp("serializes a hand-built packet to the exact bytes", () => {
  const bytes = serializeRtpPacket({ payloadType: 0, sequenceNumber: 0x1234, timestamp: 160, ssrc: 0xdeadbeef, payload: hex("01 02 03") });
  assert.equal(bytes, hex(`${PCMU_HEADER} 01 02 03`));
});

rtp("serializes CSRCs, a one-byte extension and padding, and parses them back", () => {
  const init: RtpPacketInit = {
    marker: true,
    payloadType: 111,
    sequenceNumber: 7,
    timestamp: 0x80000000,
    ssrc: 42,
    csrcs: [1, 0xfffffffe],
    extension: { profile: 0xbede, elements: [{ id: 1, data: hex("aa") }, { id: 14, data: new Uint8Array(16).fill(5) }] },
    payload: hex("de ad"),
    paddingLength: 3,
  };
  const bytes = serializeRtpPacket(init);
  assert.is(bytes.length, rtpPacketLength(init));
  assert.is(bytes.length, 12 + 8 + 4 + 20 + 2 + 3);
  assert.equal(bytes.subarray(20, 24), hex("be de 00 05"));
  assert.equal(bytes.subarray(-3), hex("00 00 03"));
  const packet = parseRtpPacket(bytes);
  assert.equal(packet, { ...init, version: 2, padding: true, extension: { ...init.extension, raw: undefined } });
});

rtp("falls back to the two-byte form for ids above 14 and data of 0 or over 16 bytes", () => {
  for (const element of [{ id: 15, data: hex("aa") }, { id: 2, data: hex("") }, { id: 3, data: new Uint8Array(17) }]) {
    const bytes = serializeRtpPacket({
      payloadType: 0,
      sequenceNumber: 0,
      timestamp: 0,
      ssrc: 0,
      extension: { profile: 0xbede, elements: [{ id: 1, data: hex("aa") }, element] },
      payload: hex(""),
    });
    const extension = parseRtpPacket(bytes).extension;
    assert.is(extension?.profile, 0x1000);
    assert.equal(extension?.elements, [{ id: 1, data: hex("aa") }, element]);
  }
});

rtp("writes a raw extension of another profile as given", () => {
  const bytes = serializeRtpPacket({
    payloadType: 0,
    sequenceNumber: 0,
    timestamp: 0,
    ssrc: 0,
    extension: { profile: 0xabcd, elements: [], raw: hex("01 02 03 04") },
    payload: hex("99"),
  });
  assert.equal(bytes.subarray(12), hex("ab cd 00 01  01 02 03 04  99"));
});

rtp("writes into a caller's buffer, zeroing padding left over from earlier use", () => {
  const out = new Uint8Array(64).fill(0xff);
  const bytes = serializeRtpPacket({ payloadType: 8, sequenceNumber: 1, timestamp: 2, ssrc: 3, payload: hex("55"), paddingLength: 3 }, out);
  assert.is(bytes.buffer, out.buffer);
  assert.equal(bytes, hex("a0 08 00 01  00 00 00 02  00 00 00 03  55  00 00 03"));
});

rtp("writes sequence numbers and timestamps modulo their width", () => {
  const packet = parseRtpPacket(serializeRtpPacket({ payloadType: 0, sequenceNumber: 65536 + 5, timestamp: 2 ** 32 + 9, ssrc: -1, payload: hex("") }));
  assert.is(packet.sequenceNumber, 5);
  assert.is(packet.timestamp, 9);
  assert.is(packet.ssrc, 0xffffffff);
});

rtp("refuses to serialize fields RTP cannot carry", () => {
  const base = { payloadType: 0, sequenceNumber: 0, timestamp: 0, ssrc: 0, payload: hex("") };
  assert.throws(() => serializeRtpPacket({ ...base, payloadType: 128 }), RangeError);
  assert.throws(() => serializeRtpPacket({ ...base, csrcs: new Array(16).fill(1) }), RangeError);
  assert.throws(() => serializeRtpPacket({ ...base, paddingLength: 256 }), RangeError);
  assert.throws(() => serializeRtpPacket({ ...base, extension: { profile: 0xbede, elements: [{ id: 256, data: hex("aa") }] } }), RangeError);
  assert.throws(() => serializeRtpPacket({ ...base, extension: { profile: 0xabcd, elements: [], raw: hex("01 02") } }), RangeError);
  assert.throws(() => serializeRtpPacket(base, new Uint8Array(11)), RangeError);
});

rtp.run();
