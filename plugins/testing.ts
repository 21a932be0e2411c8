// Test helpers shared by the plugins (vad, asr, tts, analytics): real speech from the shared data
// folder, frames cut from samples, and a UDP peer that sends audio to a session as PCMU RTP.
// Test code only; not exported from mod.ts.
import { createSocket, type Socket } from "node:dgram";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { dataDir, requireData } from "../core/testing.ts";
import { type AudioFrame, createResampler, decodeMulaw, dtmfPackets, encodeMulaw, isRtcpPacket, parseRtpPacket, readWav, serializeRtpPacket } from "../media/mod.ts";

/** A clip of the speech set (16 kHz mono) and its reference transcript. */
export interface SpeechClip {
  file: string;
  samples: Int16Array;
  sampleRate: number;
  transcript: string;
}

/** The speech set's clips with their transcripts, or null (after skipping the test, see core/test-skip.ts) when the data is missing. */
export function speechClips(): SpeechClip[] | null {
  if (!requireData("speech/labels.tsv")) return null;
  const folder = join(dataDir(), "speech");
  const rows = readFileSync(join(folder, "labels.tsv"), "utf8").trim().split("\n").slice(1);
  return rows.map((row) => {
    const [file, transcript] = row.split("\t") as [string, string];
    const wav = readWav(new Uint8Array(readFileSync(join(folder, file))));
    return { file, samples: wav.samples, sampleRate: wav.sampleRate, transcript };
  });
}

/** One clip of the speech set by file name, or null when the data is missing (see `speechClips`). */
export function speechClip(file: string): SpeechClip | null {
  return speechClips()?.find((clip) => clip.file === file) ?? null;
}

/** One clip of the speech set, or null without skipping when the data is missing: for tests that fall back to a synthetic signal. */
export function optionalSpeechClip(file: string): SpeechClip | null {
  return existsSync(join(dataDir(), "speech/labels.tsv")) ? speechClip(file) : null;
}

/** Speech WAVs of the data folder played end to end, at `rate`. */
export function speechFiles(files: readonly string[], rate: number): Int16Array {
  return concatSamples(...files.map((file) => {
    const wav = readWav(new Uint8Array(readFileSync(join(dataDir(), file))));
    return resample(wav.samples, wav.sampleRate, rate);
  }));
}

/** A caller's script at `rate`: parts end to end, each a number (seconds of silence) or samples. */
export function script(rate: number, ...parts: (number | Int16Array)[]): Int16Array {
  return concatSamples(...parts.map((part) => (typeof part === "number" ? new Int16Array(Math.round(part * rate)) : part)));
}

/** Cuts samples into consecutive frames of `frameMs` (the last partial frame is dropped). */
export function toFrames(samples: Int16Array, sampleRate: number, frameMs = 20, startMs = 0): AudioFrame[] {
  const size = Math.round((sampleRate * frameMs) / 1000);
  const frames: AudioFrame[] = [];
  for (let i = 0; i + size <= samples.length; i += size) {
    frames.push({ samples: samples.slice(i, i + size), sampleRate, timestamp: startMs + (i * 1000) / sampleRate, seq: frames.length });
  }
  return frames;
}

/** Resamples a whole signal in one go. */
export function resample(samples: Int16Array, from: number, to: number): Int16Array {
  return from === to ? samples : createResampler(from, to).process(samples);
}

/** Joins signals end to end. */
export function concatSamples(...parts: Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** A caller: a UDP socket that sends audio to a Parley RTP session as 20 ms PCMU packets, and keeps the PCMU audio Parley sends back. */
export class RtpTestPeer {
  readonly #socket: Socket = createSocket("udp4");
  /** Decoded PCMU payloads received from Parley (8 kHz), in arrival order. */
  readonly received: Int16Array[] = [];
  /** The RTP timestamp of each of `received`: where it falls in what Parley sent, gaps included. */
  readonly receivedTimestamps: number[] = [];
  #seq = 1;
  #timestamp = 0;

  constructor(readonly port: number, readonly ssrc = 0x5eed) {
    this.#socket.on("message", (message) => {
      if (isRtcpPacket(message)) return;
      const packet = parseRtpPacket(new Uint8Array(message));
      if (packet.payloadType === 0) {
        this.received.push(decodeMulaw(packet.payload));
        this.receivedTimestamps.push(packet.timestamp);
      }
    });
  }

  /**
   * Sends `samples` (any rate; converted to 8 kHz) as PCMU, `gapMs` apart: faster than real time
   * is fine, since the jitter buffer releases in-order packets at once, but Deno's dgram reverses
   * same-tick bursts, so packets are never sent in the same tick.
   */
  async send(samples: Int16Array, sampleRate: number, gapMs = 2): Promise<void> {
    const narrow = resample(samples, sampleRate, 8000);
    for (let i = 0; i + 160 <= narrow.length; i += 160) {
      this.#sendPacket(narrow.subarray(i, i + 160));
      await new Promise((resolve) => setTimeout(resolve, gapMs));
    }
  }

  /**
   * Sends `samples` in real time as a phone does: packet n leaves 20 ms x n after the first, on a
   * clock that does not drift (`send` with a 20 ms gap falls behind by each timer's lateness).
   */
  async sendRealTime(samples: Int16Array, sampleRate: number): Promise<void> {
    const narrow = resample(samples, sampleRate, 8000);
    const start = performance.now();
    for (let i = 0, n = 1; i + 160 <= narrow.length; i += 160, n++) {
      this.#sendPacket(narrow.subarray(i, i + 160));
      await new Promise((resolve) => setTimeout(resolve, Math.max(1, start + 20 * n - performance.now())));
    }
  }

  #sendPacket(samples: Int16Array): void {
    const payload = encodeMulaw(samples);
    this.#socket.send(serializeRtpPacket({ payloadType: 0, sequenceNumber: this.#seq++ & 0xffff, timestamp: this.#timestamp, ssrc: this.ssrc, payload }), this.port, "127.0.0.1");
    this.#timestamp += 160;
  }

  /** Sends `ms` of digital silence. */
  sendSilence(ms: number, gapMs = 2): Promise<void> {
    return this.send(new Int16Array((8000 * ms) / 1000), 8000, gapMs);
  }

  /** Presses a key: the RFC 4733 telephone-event packets of one key press (payload type 101), 20 ms apart. */
  async sendDtmf(digit: string, durationMs = 100): Promise<void> {
    const timestamp = this.#timestamp;
    for (const packet of dtmfPackets(digit, { durationMs })) {
      this.#socket.send(serializeRtpPacket({ payloadType: 101, marker: packet.marker, sequenceNumber: this.#seq++ & 0xffff, timestamp, ssrc: this.ssrc, payload: packet.payload }), this.port, "127.0.0.1");
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    this.#timestamp += (8000 * durationMs) / 1000;
  }

  /**
   * Presses a key as a gateway that sends both does: the key's `tone` (8 kHz) in the audio and its
   * RFC 4733 events, a packet of each every 20 ms, in real time.
   */
  async sendDtmfWithTone(digit: string, tone: Int16Array): Promise<void> {
    const timestamp = this.#timestamp;
    const events = dtmfPackets(digit, { durationMs: (tone.length * 1000) / 8000 });
    const start = performance.now();
    for (let n = 0; n < Math.max(events.length, tone.length / 160); n++) {
      if ((n + 1) * 160 <= tone.length) this.#sendPacket(tone.subarray(n * 160, (n + 1) * 160));
      const event = events[n];
      if (event) this.#socket.send(serializeRtpPacket({ payloadType: 101, marker: event.marker, sequenceNumber: this.#seq++ & 0xffff, timestamp, ssrc: this.ssrc, payload: event.payload }), this.port, "127.0.0.1");
      await new Promise((resolve) => setTimeout(resolve, Math.max(1, start + 20 * (n + 1) - performance.now())));
    }
  }

  /** Closes the socket. */
  close(): Promise<void> {
    return new Promise((resolve) => this.#socket.close(() => resolve()));
  }
}
