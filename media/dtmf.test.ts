import { suite } from "uvu";
import * as assert from "uvu/assert";
import {
  DtmfReceiver,
  dtmfDigitOf,
  dtmfEventOf,
  dtmfPackets,
  parseTelephoneEvent,
  serializeTelephoneEvent,
} from "./dtmf.ts";
import type { DtmfDigit, DtmfPacket } from "./dtmf.ts";
import { MediaParseError } from "./errors.ts";

const dtmf = suite("dtmf");

/** Feeds packets (all sharing `rtpTimestamp`) and collects what the receiver reports. */
function feed(receiver: DtmfReceiver, rtpTimestamp: number, packets: readonly DtmfPacket[]): DtmfDigit[] {
  const digits: DtmfDigit[] = [];
  for (const packet of packets) {
    const digit = receiver.push(rtpTimestamp, packet.payload);
    if (digit) digits.push(digit);
  }
  return digits;
}

dtmf("parses a hand-built end packet", () => {
  assert.equal(parseTelephoneEvent(Uint8Array.of(0x05, 0x8a, 0x03, 0x20)), { event: 5, end: true, volume: 10, duration: 800 });
  assert.equal(parseTelephoneEvent(Uint8Array.of(0x0b, 0x3f, 0xff, 0xff)), { event: 11, end: false, volume: 63, duration: 65535 });
});

dtmf("serializes to the same bytes it parses", () => {
  const bytes = serializeTelephoneEvent({ event: 5, end: true, volume: 10, duration: 800 });
  assert.equal(bytes, Uint8Array.of(0x05, 0x8a, 0x03, 0x20));
  assert.throws(() => serializeTelephoneEvent({ event: 5, end: false, volume: 64, duration: 0 }), RangeError);
  assert.throws(() => serializeTelephoneEvent({ event: 5, end: false, volume: 0, duration: 65536 }), RangeError);
});

dtmf("rejects a payload shorter than 4 bytes", () => {
  assert.throws(() => parseTelephoneEvent(Uint8Array.of(1, 2, 3)), (error: unknown) => error instanceof MediaParseError && error.reason === "too_short");
});

dtmf("maps event codes to digits and back", () => {
  const digits = "0123456789*#ABCD";
  for (let event = 0; event < 16; event++) {
    assert.is(dtmfDigitOf(event), digits[event]);
    assert.is(dtmfEventOf(digits[event]!), event);
  }
  assert.is(dtmfEventOf("b"), 13);
  assert.is(dtmfDigitOf(16), undefined);
  assert.is(dtmfEventOf("E"), undefined);
  assert.is(dtmfEventOf("12"), undefined);
});

dtmf("builds growing durations, a marker on the first packet and three end packets", () => {
  const packets = dtmfPackets("5");
  assert.equal(packets.map((p) => p.duration), [160, 320, 480, 640, 800, 800, 800]);
  assert.equal(packets.map((p) => p.marker), [true, false, false, false, false, false, false]);
  assert.equal(packets.map((p) => p.end), [false, false, false, false, true, true, true]);
  for (const packet of packets) {
    assert.equal(parseTelephoneEvent(packet.payload), { event: 5, end: packet.end, volume: 10, duration: packet.duration });
  }
});

dtmf("ends on the exact duration when it is not a whole number of packets, at any clock rate", () => {
  const packets = dtmfPackets("#", { durationMs: 90, clockRate: 48000, packetMs: 40, volume: 20 });
  assert.equal(packets.map((p) => p.duration), [1920, 3840, 4320, 4320, 4320]);
  assert.is(parseTelephoneEvent(packets[0]!.payload).volume, 20);
});

dtmf("refuses digits and durations telephone-event cannot carry", () => {
  assert.throws(() => dtmfPackets("E"), RangeError);
  assert.throws(() => dtmfPackets("1", { durationMs: 2000, clockRate: 48000 }), RangeError);
  assert.throws(() => dtmfPackets("1", { durationMs: 0 }), RangeError);
});

dtmf("reports a digit once, at its first end packet, ignoring the redundant ones", () => {
  const receiver = new DtmfReceiver();
  const results = dtmfPackets("7").map((packet) => receiver.push(1000, packet.payload));
  assert.equal(results, [null, null, null, null, { digit: "7", durationMs: 100, rtpTimestamp: 1000 }, null, null]);
  assert.is(receiver.flush(), null);
});

dtmf("reports a sequence of digits in order", () => {
  const receiver = new DtmfReceiver();
  const digits = ["1", "2", "3", "*"].flatMap((digit, i) => feed(receiver, 4000 * i, dtmfPackets(digit)));
  assert.equal(digits.map((d) => d.digit).join(""), "123*");
});

dtmf("detects a digit whose start packets were all lost", () => {
  const receiver = new DtmfReceiver();
  assert.equal(feed(receiver, 500, dtmfPackets("9").filter((p) => p.end)), [{ digit: "9", durationMs: 100, rtpTimestamp: 500 }]);
});

dtmf("reports a digit whose end packets were all lost when the next one starts", () => {
  const receiver = new DtmfReceiver();
  assert.equal(feed(receiver, 0, dtmfPackets("1").filter((p) => !p.end)), []);
  const next = feed(receiver, 8000, dtmfPackets("2"));
  assert.equal(next, [{ digit: "1", durationMs: 80, rtpTimestamp: 0 }, { digit: "2", durationMs: 100, rtpTimestamp: 8000 }]);
});

dtmf("reports both digits when one lost its end and the next lost its start", () => {
  const receiver = new DtmfReceiver();
  feed(receiver, 0, dtmfPackets("1").slice(0, 2));
  const ends = dtmfPackets("2").filter((p) => p.end);
  assert.equal(receiver.push(8000, ends[0]!.payload)?.digit, "1");
  assert.equal(receiver.push(8000, ends[1]!.payload)?.digit, "2");
  assert.is(receiver.push(8000, ends[2]!.payload), null);
});

dtmf("reports every digit exactly once under every pattern of packet loss", () => {
  const first = dtmfPackets("4");
  const second = dtmfPackets("6");
  for (let kept = 1; kept < 1 << first.length; kept++) {
    const receiver = new DtmfReceiver();
    const digits = [
      ...feed(receiver, 0, first.filter((_, i) => kept & (1 << i))),
      ...feed(receiver, 1600, second),
    ];
    const flushed = receiver.flush();
    if (flushed) digits.push(flushed);
    assert.is(digits.map((d) => d.digit).join(""), "46", `kept packets mask ${kept.toString(2)}`);
    const endKept = first.some((p, i) => p.end && kept & (1 << i));
    if (endKept) assert.is(digits[0]!.durationMs, 100);
  }
});

dtmf("flushes a digit whose end never came, once", () => {
  const receiver = new DtmfReceiver();
  feed(receiver, 0, dtmfPackets("0").slice(0, 3));
  assert.equal(receiver.flush(), { digit: "0", durationMs: 60, rtpTimestamp: 0 });
  assert.is(receiver.flush(), null);
  assert.equal(feed(receiver, 0, dtmfPackets("0").filter((p) => p.end)), []);
});

dtmf("ignores late packets of an earlier digit that arrive after the next one started", () => {
  const receiver = new DtmfReceiver();
  const one = dtmfPackets("1");
  assert.equal(feed(receiver, 0, one.slice(0, 5)).map((d) => d.digit), ["1"]);
  const two = dtmfPackets("2");
  assert.equal(feed(receiver, 1600, two.slice(0, 2)), []);
  assert.equal(feed(receiver, 0, one.slice(5)), []);
  assert.equal(feed(receiver, 1600, two.slice(2)).map((d) => d.digit), ["2"]);
});

dtmf("ignores telephone-events that are not DTMF keys", () => {
  const receiver = new DtmfReceiver();
  const flash = serializeTelephoneEvent({ event: 16, end: true, volume: 10, duration: 800 });
  assert.is(receiver.push(0, flash), null);
  assert.is(receiver.flush(), null);
});

dtmf("joins the segments of a key held longer than 0xFFFF timestamp units into one digit", () => {
  const receiver = new DtmfReceiver();
  const payload = (duration: number, end: boolean) => serializeTelephoneEvent({ event: 3, end, volume: 10, duration });
  assert.is(receiver.push(100, payload(60000, false)), null);
  assert.is(receiver.push(100, payload(0xffff, false)), null);
  assert.is(receiver.push(100 + 0xffff, payload(800, false)), null);
  assert.equal(receiver.push(100 + 0xffff, payload(1600, true)), { digit: "3", durationMs: ((0xffff + 1600) * 1000) / 8000, rtpTimestamp: 100 });
  assert.is(receiver.push(100 + 0xffff, payload(1600, true)), null);
});

dtmf("computes durations at the negotiated clock rate", () => {
  const receiver = new DtmfReceiver(48000);
  const digits = feed(receiver, 0, dtmfPackets("A", { clockRate: 48000, durationMs: 250 }));
  assert.equal(digits, [{ digit: "A", durationMs: 250, rtpTimestamp: 0 }]);
});

dtmf.run();
