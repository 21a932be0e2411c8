/**
 * DTMF over RTP as RFC 4733 telephone-events: the 4-byte payload, a receiver that turns a stream of
 * redundant, possibly lossy event packets into one report per key press, and the packet sequence a
 * sender emits for one key press.
 */
import { MediaParseError } from "./errors.ts";
import { timestampDiff32 } from "./sequence.ts";

/** One telephone-event payload. */
export interface TelephoneEvent {
  /** Event code: 0-9, 10 `*`, 11 `#`, 12-15 `A`-`D`, other codes for other tones. */
  readonly event: number;
  /** E bit: this packet reports the end of the event. */
  readonly end: boolean;
  /** Power level in -dBm0, 0..63. */
  readonly volume: number;
  /** Duration so far, in RTP timestamp units, 0..65535. */
  readonly duration: number;
}

/** A key press reported by `DtmfReceiver`. */
export interface DtmfDigit {
  /** `0`-`9`, `*`, `#`, `A`-`D`. */
  readonly digit: string;
  /** How long the key was held, as the sender reported it. */
  readonly durationMs: number;
  /** RTP timestamp shared by the event's packets (the start of the event). */
  readonly rtpTimestamp: number;
}

/** One payload of the packet sequence a sender emits for a key press. */
export interface DtmfPacket {
  /** The 4-byte telephone-event payload. */
  readonly payload: Uint8Array;
  /** Set on the first packet of the event only. */
  readonly marker: boolean;
  /** Duration field written in `payload`, in RTP timestamp units. */
  readonly duration: number;
  /** E bit written in `payload`. */
  readonly end: boolean;
}

/** Options of `dtmfPackets`. */
export interface DtmfPacketOptions {
  /** Key press length; default 100 ms. */
  readonly durationMs?: number;
  /** Clock rate negotiated for telephone-event; default 8000. */
  readonly clockRate?: number;
  /** Interval between packets; default 20 ms. */
  readonly packetMs?: number;
  /** Power level in -dBm0; default 10. */
  readonly volume?: number;
}

const DIGITS = "0123456789*#ABCD";
const PAYLOAD_LENGTH = 4;
const MAX_DURATION = 0xffff;
// RFC 4733: the final packet is sent three times so one lost packet does not lose the end.
const END_PACKET_COPIES = 3;

/** The DTMF digit of an event code, or undefined for codes that are not DTMF keys. */
export function dtmfDigitOf(event: number): string | undefined {
  return Number.isInteger(event) && event >= 0 && event < DIGITS.length ? DIGITS[event] : undefined;
}

/** The event code of a DTMF digit (case-insensitive for `A`-`D`), or undefined. */
export function dtmfEventOf(digit: string): number | undefined {
  const event = digit.length === 1 ? DIGITS.indexOf(digit.toUpperCase()) : -1;
  return event >= 0 ? event : undefined;
}

/** Parses a telephone-event payload. Throws `MediaParseError` if it is shorter than 4 bytes. */
export function parseTelephoneEvent(payload: Uint8Array): TelephoneEvent {
  if (payload.length < PAYLOAD_LENGTH) {
    throw new MediaParseError("too_short", `telephone-event payload of ${payload.length} bytes is shorter than 4`);
  }
  const flags = payload[1]!;
  return {
    event: payload[0]!,
    end: (flags & 0x80) !== 0,
    volume: flags & 0x3f,
    duration: (payload[2]! << 8) | payload[3]!,
  };
}

/** Writes a telephone-event payload into `out` (or a new array). Throws `RangeError` on out-of-range fields. */
export function serializeTelephoneEvent(event: TelephoneEvent, out: Uint8Array = new Uint8Array(PAYLOAD_LENGTH)): Uint8Array {
  checkRange("event code", event.event, 255);
  checkRange("volume", event.volume, 63);
  checkRange("duration", event.duration, MAX_DURATION);
  if (out.length < PAYLOAD_LENGTH) throw new RangeError(`telephone-event needs 4 bytes, buffer has ${out.length}`);
  out[0] = event.event;
  out[1] = (event.end ? 0x80 : 0) | event.volume;
  out[2] = event.duration >>> 8;
  out[3] = event.duration;
  return out.subarray(0, PAYLOAD_LENGTH);
}

function checkRange(name: string, value: number, max: number): void {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new RangeError(`telephone-event ${name} ${value} is outside 0..${max}`);
  }
}

/**
 * The payloads a sender puts, at `packetMs` intervals, into RTP packets that all carry the
 * timestamp of the key press start: growing durations, then three identical end packets.
 */
export function dtmfPackets(digit: string, options: DtmfPacketOptions = {}): DtmfPacket[] {
  const { durationMs = 100, clockRate = 8000, packetMs = 20, volume = 10 } = options;
  const event = dtmfEventOf(digit);
  if (event === undefined) throw new RangeError(`"${digit}" is not a DTMF digit`);
  const total = Math.round((durationMs * clockRate) / 1000);
  const step = Math.round((packetMs * clockRate) / 1000);
  if (total < 1 || total > MAX_DURATION) {
    throw new RangeError(`DTMF duration of ${durationMs} ms is outside 1..${MAX_DURATION} units at ${clockRate} Hz`);
  }
  if (step < 1) throw new RangeError(`DTMF packet interval of ${packetMs} ms is shorter than one clock tick`);
  const packets: DtmfPacket[] = [];
  const add = (duration: number, end: boolean) =>
    packets.push({ payload: serializeTelephoneEvent({ event, end, volume, duration }), marker: packets.length === 0, duration, end });
  for (let duration = step; duration < total; duration += step) add(duration, false);
  for (let i = 0; i < END_PACKET_COPIES; i++) add(total, true);
  return packets;
}

/** What `DtmfReceiver` knows about the event it is following. */
interface CurrentEvent {
  /** Timestamp of the packets now arriving; a long event (over 0xFFFF units) changes it per segment. */
  readonly segmentTimestamp: number;
  /** Timestamp of the event's first segment, the one reported. */
  readonly startTimestamp: number;
  readonly event: number;
  /** Duration of the earlier segments of a long event, in timestamp units. */
  readonly earlierSegments: number;
  duration: number;
  endSeen: boolean;
  reported: boolean;
}

/**
 * Turns received telephone-event packets into one `DtmfDigit` per key press. An event is known by
 * its RTP timestamp, so it is detected whichever of its packets arrives first (lost start packets
 * do not matter) and reported once, when its first end packet arrives; the redundant end packets
 * and late packets of earlier events are ignored. An event whose end packets are all lost is
 * reported when the next event starts, or by `flush()`.
 */
export class DtmfReceiver {
  readonly #clockRate: number;
  #current: CurrentEvent | undefined;

  /** `clockRate` is the rate negotiated for telephone-event (8000 unless the SDP says otherwise). */
  constructor(clockRate = 8000) {
    this.#clockRate = clockRate;
  }

  /**
   * Consumes one telephone-event packet: its RTP timestamp and payload. Returns the digit that this
   * packet completes, or null. Throws `MediaParseError` for a payload shorter than 4 bytes.
   */
  push(rtpTimestamp: number, payload: Uint8Array): DtmfDigit | null {
    const packet = parseTelephoneEvent(payload);
    if (dtmfDigitOf(packet.event) === undefined) return null;
    const current = this.#current;
    if (current && rtpTimestamp === current.segmentTimestamp) {
      if (current.reported) return null;
      current.duration = Math.max(current.duration, packet.duration);
      current.endSeen ||= packet.end;
      return current.endSeen ? this.#report(current) : null;
    }
    if (current && timestampDiff32(rtpTimestamp, current.segmentTimestamp) < 0) return null;

    const open = current !== undefined && !current.reported;
    const continues = open && current.event === packet.event && current.duration === MAX_DURATION;
    const next: CurrentEvent = {
      segmentTimestamp: rtpTimestamp,
      startTimestamp: continues ? current.startTimestamp : rtpTimestamp,
      event: packet.event,
      earlierSegments: continues ? current.earlierSegments + MAX_DURATION : 0,
      duration: packet.duration,
      endSeen: packet.end,
      reported: false,
    };
    this.#current = next;
    // The new event ends one whose end packets were all lost. One call returns one digit, so if
    // this packet also ends the new event, that report waits for its next packet or `flush()`.
    if (open && !continues) return this.#report(current);
    return next.endSeen ? this.#report(next) : null;
  }

  /** Reports the event in progress if not yet reported; call it when DTMF packets stop (timeout, end of stream). */
  flush(): DtmfDigit | null {
    const current = this.#current;
    return current && !current.reported ? this.#report(current) : null;
  }

  #report(event: CurrentEvent): DtmfDigit {
    event.reported = true;
    return {
      digit: dtmfDigitOf(event.event)!,
      durationMs: ((event.earlierSegments + event.duration) * 1000) / this.#clockRate,
      rtpTimestamp: event.startTimestamp,
    };
  }
}
