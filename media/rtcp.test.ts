import { suite } from "uvu";
import * as assert from "uvu/assert";
import { MediaParseError } from "./errors.ts";
import {
  SdesItemType,
  isRtcpPacket,
  middle32,
  msToNtp,
  ntpToMs,
  parseRtcpCompound,
  roundTripTimeMs,
  serializeRtcpCompound,
  serializeRtcpPacket,
} from "./rtcp.ts";
import type { RtcpPacket, RtcpReportBlock } from "./rtcp.ts";

const rtcp = suite("rtcp");

/** Bytes from a hex string; spaces are for readability. */
function hex(text: string): Uint8Array {
  const digits = text.replace(/\s+/g, "");
  return Uint8Array.from({ length: digits.length / 2 }, (_, i) => parseInt(digits.slice(2 * i, 2 * i + 2), 16));
}

/** The reason `parseRtcpCompound` gives for rejecting `bytes`, or undefined if it accepts them. */
function parseError(bytes: Uint8Array): string | undefined {
  try {
    parseRtcpCompound(bytes);
  } catch (error) {
    assert.instance(error, MediaParseError);
    return (error as MediaParseError).reason;
  }
  return undefined;
}

const SR_BYTES = `81 c8 00 0c  11 22 33 44  83 aa 7e 80  80 00 00 00  00 00 03 e8  00 00 00 0a  00 00 06 40
  55 66 77 88  40 ff ff fe  00 01 00 05  00 00 00 14  7e 80 80 00  00 01 00 00`;

const BLOCK: RtcpReportBlock = {
  ssrc: 0x55667788,
  fractionLost: 0x40,
  cumulativeLost: -2,
  highestSeq: 0x10005,
  jitter: 20,
  lastSr: 0x7e808000,
  delaySinceLastSr: 0x10000,
};

const SR: RtcpPacket = {
  type: "sr",
  ssrc: 0x11223344,
  ntp: { seconds: 0x83aa7e80, fraction: 0x80000000 },
  rtpTimestamp: 1000,
  packetCount: 10,
  octetCount: 1600,
  reports: [BLOCK],
};

rtcp("parses a hand-built sender report with a report block (negative cumulative loss)", () => {
  assert.equal(parseRtcpCompound(hex(SR_BYTES)), [SR]);
});

rtcp("serializes that sender report to the same bytes", () => {
  assert.equal(serializeRtcpPacket(SR), hex(SR_BYTES));
});

rtcp("parses an empty receiver report followed by an SDES CNAME, as in a minimal compound packet", () => {
  const bytes = hex("80 c9 00 01  00 00 00 07   81 ca 00 03  00 00 00 07  01 05 68 65  6c 6c 6f 00");
  assert.equal(parseRtcpCompound(bytes), [
    { type: "rr", ssrc: 7, reports: [] },
    { type: "sdes", chunks: [{ ssrc: 7, items: [{ type: SdesItemType.CNAME, text: "hello" }] }] },
  ]);
});

rtcp("aligns SDES chunks to 32 bits and decodes item text as UTF-8", () => {
  const packets: RtcpPacket[] = [{
    type: "sdes",
    chunks: [
      { ssrc: 1, items: [{ type: SdesItemType.CNAME, text: "ab" }] },
      { ssrc: 2, items: [{ type: SdesItemType.CNAME, text: "agent-7@parley" }, { type: SdesItemType.NAME, text: "Zoë 🎧" }] },
      { ssrc: 3, items: [] },
    ],
  }];
  const bytes = serializeRtcpCompound(packets);
  // Chunk 1: SSRC, 01 02 'a' 'b', then four nulls because the items end on a boundary.
  assert.equal(bytes.subarray(4, 16), hex("00 00 00 01  01 02 61 62  00 00 00 00"));
  assert.equal(bytes.subarray(-8), hex("00 00 00 03  00 00 00 00"));
  assert.equal(parseRtcpCompound(bytes), packets);
});

rtcp("parses BYE with and without a reason", () => {
  assert.equal(parseRtcpCompound(hex("81 cb 00 01  00 00 00 09")), [{ type: "bye", ssrcs: [9] }]);
  assert.equal(parseRtcpCompound(hex("82 cb 00 04  00 00 00 09  00 00 00 0a  06 68 61 6e  67 75 70 00")), [
    { type: "bye", ssrcs: [9, 10], reason: "hangup" },
  ]);
});

rtcp("passes unknown packet types through as a view of their body", () => {
  const bytes = hex("81 cd 00 02  00 00 00 01  00 00 00 02");
  const [packet] = parseRtcpCompound(bytes);
  assert.equal(packet, { type: "unknown", packetType: 205, count: 1, body: hex("00 00 00 01  00 00 00 02") });
  assert.is(packet?.type === "unknown" && packet.body.buffer, bytes.buffer);
  assert.equal(serializeRtcpPacket(packet!), bytes);
});

rtcp("round-trips a compound packet of every type", () => {
  const packets: RtcpPacket[] = [
    SR,
    { type: "rr", ssrc: 3, reports: [BLOCK, { ...BLOCK, ssrc: 4, cumulativeLost: 8388607 }] },
    { type: "sdes", chunks: [{ ssrc: 3, items: [{ type: SdesItemType.CNAME, text: "x" }, { type: SdesItemType.TOOL, text: "parley" }] }] },
    { type: "bye", ssrcs: [3], reason: "" },
    { type: "unknown", packetType: 206, count: 15, body: hex("01 02 03 04") },
  ];
  assert.equal(parseRtcpCompound(serializeRtcpCompound(packets)), packets);
});

rtcp("strips padding announced by the P bit", () => {
  const bytes = hex("a0 c9 00 02  00 00 00 07  00 00 00 04");
  assert.equal(parseRtcpCompound(bytes), [{ type: "rr", ssrc: 7, reports: [] }]);
});

rtcp("clamps cumulative loss to signed 24 bits when writing", () => {
  const lost = (cumulativeLost: number) => {
    const [rr] = parseRtcpCompound(serializeRtcpPacket({ type: "rr", ssrc: 1, reports: [{ ...BLOCK, cumulativeLost }] }));
    return rr?.type === "rr" ? rr.reports[0]?.cumulativeLost : undefined;
  };
  assert.is(lost(1e9), 0x7fffff);
  assert.is(lost(-1e9), -0x800000);
  assert.is(lost(-1), -1);
});

rtcp("rejects malformed compound packets with stable reasons", () => {
  assert.is(parseError(hex("80 c9 00")), "too_short");
  assert.is(parseError(hex("40 c9 00 01  00 00 00 07")), "bad_version");
  assert.is(parseError(hex("80 c9 00 02  00 00 00 07")), "bad_length");
  assert.is(parseError(hex("80 c9 00 01  00 00 00 07  80 c9")), "bad_length");
  assert.is(parseError(hex("a0 c9 00 01  00 00 00 00")), "bad_padding");
  assert.is(parseError(hex("a0 c9 00 01  00 00 00 09")), "bad_padding");
  assert.is(parseError(hex("81 c9 00 01  00 00 00 07")), "bad_count");
  assert.is(parseError(hex("81 c8 00 06  00 00 00 07  00 00 00 00  00 00 00 00  00 00 00 00  00 00 00 00  00 00 00 00")), "bad_count");
  assert.is(parseError(hex("82 cb 00 01  00 00 00 07")), "bad_count");
  assert.is(parseError(hex("81 ca 00 02  00 00 00 07  01 02 61 62")), "bad_sdes");
  assert.is(parseError(hex("81 ca 00 02  00 00 00 07  01 09 61 62")), "bad_sdes");
  assert.is(parseError(hex("82 ca 00 02  00 00 00 07  00 00 00 00")), "bad_sdes");
  assert.is(parseError(hex("81 cb 00 02  00 00 00 07  09 61 62 63")), "bad_bye");
});

rtcp("refuses to serialize what RTCP cannot carry", () => {
  assert.throws(() => serializeRtcpPacket({ type: "rr", ssrc: 1, reports: new Array(32).fill(BLOCK) }), RangeError);
  assert.throws(() => serializeRtcpPacket({ type: "bye", ssrcs: [1], reason: "x".repeat(256) }), RangeError);
  assert.throws(() => serializeRtcpPacket({ type: "sdes", chunks: [{ ssrc: 1, items: [{ type: 0, text: "x" }] }] }), RangeError);
  assert.throws(() => serializeRtcpPacket({ type: "unknown", packetType: 204, count: 0, body: hex("01 02") }), RangeError);
});

rtcp("tells RTCP from RTP on a muxed port by the second byte (RFC 5761)", () => {
  assert.ok(isRtcpPacket(hex(SR_BYTES)));
  assert.ok(isRtcpPacket(hex("80 c9 00 01")));
  assert.ok(isRtcpPacket(hex("80 c0")));
  assert.ok(isRtcpPacket(hex("80 df")));
  assert.not.ok(isRtcpPacket(hex("80 00 00 01  00 00 00 00  00 00 00 01")));
  assert.not.ok(isRtcpPacket(hex("80 ef 00 01  00 00 00 00  00 00 00 01")));
  assert.not.ok(isRtcpPacket(hex("80 e0")));
  assert.not.ok(isRtcpPacket(hex("80")));
});

rtcp("converts Unix milliseconds to NTP and back", () => {
  assert.equal(msToNtp(0), { seconds: 2208988800, fraction: 0 });
  assert.equal(msToNtp(1500), { seconds: 2208988801, fraction: 0x80000000 });
  const now = Date.UTC(2025, 10, 21, 9, 30, 0, 123) + 0.456;
  assert.ok(Math.abs(ntpToMs(msToNtp(now)) - now) < 1e-3);
});

rtcp("reads NTP seconds below 2^31 as after the 2036 wrap", () => {
  const ms = Date.UTC(2040, 0, 1);
  const ntp = msToNtp(ms);
  assert.ok(ntp.seconds < 0x80000000);
  assert.is(ntpToMs(ntp), ms);
});

rtcp("takes the middle 32 bits of an NTP timestamp", () => {
  assert.is(middle32({ seconds: 0x12345678, fraction: 0x9abcdef0 }), 0x56789abc);
  assert.is(middle32({ seconds: 0xffffffff, fraction: 0xffffffff }), 0xffffffff);
});

rtcp("computes round-trip time from LSR and DLSR", () => {
  const srSentMs = Date.UTC(2025, 0, 1);
  const block = { ...BLOCK, lastSr: middle32(msToNtp(srSentMs)), delaySinceLastSr: 0.5 * 65536 };
  const rtt = roundTripTimeMs(srSentMs + 620, block);
  assert.ok(rtt !== undefined && Math.abs(rtt - 120) < 0.1, String(rtt));
  assert.is(roundTripTimeMs(srSentMs + 620, { ...block, lastSr: 0 }), undefined);
  assert.is(roundTripTimeMs(srSentMs + 100, block), undefined);
});

rtcp.run();
