// One call's recording: the two channels lined up (stereo.ts) into the audio file (a WAV,
// wav-file.ts, or encrypted chunks, encrypted-file.ts), the call's participants and kept events
// into the journal (journal.ts), both flushed by the plugin's clock; at the end the audio file is
// closed, encoded to Ogg Opus when that is the format (ogg-opus.ts), and the metadata document
// written (document.ts).
import { readFile, rename, unlink, writeFile } from "node:fs/promises";
import { basename } from "node:path";
import type { SessionEvent, SessionInfo } from "../../core/mod.ts";
import { SampleAppender } from "./appender.ts";
import { type AudioEncryption, type AudioFormat, buildDocument, type RecordingDocument } from "./document.ts";
import type { RecordingPublicKey } from "./envelope.ts";
import { EncryptedSink } from "./encrypted-file.ts";
import { audioEncryption } from "./encrypted-format.ts";
import { CallerKeyTones, type KeyTone } from "./caller-keys.ts";
import type { RecordingFiles } from "./files.ts";
import { type JournalEntry, JournalWriter, parseJournal } from "./journal.ts";
import { Masker, type MaskReason, type MaskSpan } from "./masker.ts";
import { encodeOggOpus, OGG_OPUS_BITRATE } from "./ogg-opus.ts";
import { EventSealer } from "./sealed-events.ts";
import { StereoAligner } from "./stereo.ts";
import { WavSink } from "./wav-file.ts";

/**
 * How far the caller's audio may lag the heard channel before silence fills the gap, ms: more than
 * the jitter buffer (40 ms) plus an event-loop stall of a busy server, whose frames come late in a
 * burst but come (40 ms padded them with silence and then threw the late words away).
 */
const SLACK_MS = 200;
/** How far the caller's audio may run ahead of the heard channel (ticks the pacer skipped) before the heard channel gets silence, ms. */
const MAX_AHEAD_MS = 200;

/**
 * Caller audio that may still come in after an event that ends a masked stretch, ms: what the
 * jitter buffer holds (40 ms, more when it adapts) and the caller's channel waits for (SLACK_MS).
 */
const LATE_AUDIO_MS = 200;
/**
 * How much earlier than its reported length a keypad tone may have begun, ms: a sender's rounding,
 * the jitter buffer's reordering; for a tone found in the audio, the detector's block (25.6 ms)
 * whose share of the tone was too small to count, on either side.
 */
const TONE_MARGIN_MS = 60;

/** The events that open and close a masked collection of a number (the voice bot emits them; any plugin may). */
const COLLECT_STARTED = "voicebot.collect.started";
const COLLECT_ENDED = "voicebot.collect.ended";

/** Event types a recording acts on whether it keeps them or not: keypad tones and collections mask, bridges and conferences change who takes part. */
export const RECORDER_EVENTS: ReadonlySet<string> = new Set(["dtmf", COLLECT_STARTED, COLLECT_ENDED, "bridge.started", "bridge.ended", "conference.joined", "conference.left"]);

/** Fields of kept events that carry what masking hides (an account number), left out of the metadata. */
const SENSITIVE_FIELDS = ["account"];
/** Fields that quote what was said or keyed, also left out of an event emitted while masking lasts (a request for a person that quotes the caller). */
const SPOKEN_FIELDS = ["text", "transcript", "words", "digits", "digit"];
/** Event types that are nothing but what was said or keyed: not kept at all while masking lasts, or when they fall on masked audio. */
const SPOKEN_EVENTS = new Set(["transcript", "voicebot.account", "asr.partial"]);
/**
 * Event types an encrypted recording also keeps in the clear, without what they quote: the
 * recordings API lists and authorises by them (queues, agents, disposition) and cannot open the rest.
 */
const PLAIN_WHEN_SEALED = /^(queue\.|bridge\.|route\.request$|call\.completed$)/;

/** A copy of `event` without `fields`. */
function without(event: Record<string, unknown>, fields: readonly string[]): Record<string, unknown> {
  const copy = { ...event };
  for (const field of fields) delete copy[field];
  return copy;
}

/** Writes the document to `path` whole or not at all (a crash mid-write leaves no half document). */
export async function writeDocument(path: string, document: RecordingDocument): Promise<void> {
  const temporary = `${path}.tmp`;
  await writeFile(temporary, JSON.stringify(document, null, 2) + "\n");
  await rename(temporary, path);
}

/** Records one session. Nothing here does I/O on the caller's path except `flush` and `finish`. */
export class Recorder {
  readonly #audio: SampleAppender;
  readonly #encryption: AudioEncryption | undefined;
  readonly #journal: JournalWriter;
  readonly #aligner: StereoAligner;
  /** Parties bridged or conferenced with the caller now, by session id. */
  readonly #peers = new Set<string>();
  readonly #id: string;
  readonly #masker: Masker;
  readonly #keys: CallerKeyTones;
  /** The open masked stretches, by id: the API's pause, and the voice bot's collections by kind. */
  readonly #open = new Map<number, { span: MaskSpan; ms: { startMs: number; endMs: number } }>();
  #paused: number | undefined;
  readonly #collecting = new Map<string, number>();
  /** Every masked stretch so far, ms in the recording's timeline (open ones end at Infinity): transcripts of them are not kept. */
  readonly #maskedMs: { startMs: number; endMs: number }[] = [];
  #nextMaskId = 1;
  readonly #oggOpus: OggOpusEncoding | undefined;
  /** Seals the kept events of an encrypted recording. */
  readonly #sealer: EventSealer | undefined;
  #flushing = false;
  #finished: Promise<RecordingDocument> | undefined;

  /**
   * @param keep which event types go into the metadata
   * @param options.maskLookbackMs how long the audio waits before it is written, so a keypad tone reported at its end is still masked from its start
   * @param options.publicKey the key the audio is encrypted for (`<id>.wav.enc`); without, a plain WAV
   * @param options.oggOpus encode the finished WAV to Ogg Opus
   */
  constructor(readonly files: RecordingFiles, info: SessionInfo, readonly sampleRate: number, readonly keep: (type: string) => boolean, options: { maskLookbackMs?: number; publicKey?: RecordingPublicKey; oggOpus?: OggOpusEncoding } = {}) {
    const { maskLookbackMs = 0, publicKey } = options;
    this.#oggOpus = options.oggOpus;
    this.#id = info.id;
    this.#sealer = publicKey && new EventSealer(publicKey, info.id);
    this.#journal = new JournalWriter(files.journal);
    const sealing = this.#sealer ? { sealing: this.#sealer.sealing } : {};
    this.#journal.write({ kind: "start", at: info.startedAt, id: info.id, sampleRate, transport: info.transport, codec: info.codec, ...(info.remote ? { remote: info.remote } : {}), metadata: { ...info.metadata }, ...sealing });
    this.#journal.write({ kind: "join", at: info.startedAt, participant: info.id, role: "caller" });
    const sink = publicKey ? new EncryptedSink(files.encrypted, publicKey, sampleRate, 2) : new WavSink(files.wav, sampleRate, 2);
    this.#audio = new SampleAppender(sink, (samples) => this.#aligner.release(samples));
    this.#encryption = publicKey && audioEncryption(publicKey);
    this.#keys = new CallerKeyTones(sampleRate);
    this.#masker = new Masker(2, this.#frames(maskLookbackMs), (samples) => this.#audio.append(samples));
    // The blocks wait for the masking lookback and a flush or two: a second of stereo, as a rule.
    this.#aligner = new StereoAligner(this.#frames(SLACK_MS), this.#frames(MAX_AHEAD_MS), (samples) => this.#masker.push(samples), 2 * this.#frames(1000));
    // The start goes to disk at once: a crash before the first flush still leaves a journal that names the call.
    void this.flush().catch(() => {});
  }

  /** The caller's audio at the recording's rate. */
  caller(samples: Int16Array): void {
    const frame = this.#masker.position + this.#aligner.leftPending;
    this.#aligner.left(samples);
    for (const key of this.#keys.push(samples, frame)) this.#maskKey(key);
  }

  /** One tick of what the caller heard, at the recording's rate. */
  heard(samples: Int16Array): void {
    this.#aligner.right(samples);
  }

  /** Pauses the recording (both channels silent from now until `resume`); false when it is paused already. */
  pause(at: number): boolean {
    if (this.#paused !== undefined || this.#finished) return false;
    this.#paused = this.#maskFromNow("api", at);
    return true;
  }

  /** Resumes a paused recording; false when it is not paused. */
  resume(at: number): boolean {
    if (this.#paused === undefined || this.#finished) return false;
    this.#unmask(this.#paused, at);
    this.#paused = undefined;
    return true;
  }

  /**
   * One of the session's events: a bridge changes who takes part; a keypad tone and the voice bot's
   * number collection are masked; kept types go into the journal unless they tell what is masked.
   */
  event(event: SessionEvent): void {
    if (this.#finished) return;
    const type: string = event.type;
    const fields = event as unknown as Record<string, unknown>;
    // What masking is made of is listed as masked intervals, never kept as events (a tone's digit is what is masked).
    if (type === "dtmf") return this.#maskTone(Number(fields.durationMs) || 0, event.ts);
    if (type === COLLECT_STARTED) {
      const kind = String(fields.kind);
      if (!this.#collecting.has(kind)) this.#collecting.set(kind, this.#maskFromNow("voicebot.collect", event.ts));
      return;
    }
    if (type === COLLECT_ENDED) {
      const id = this.#collecting.get(String(fields.kind));
      this.#collecting.delete(String(fields.kind));
      if (id !== undefined) this.#unmask(id, event.ts);
      return;
    }
    if (event.type === "bridge.started") this.#join(event.peer, event.ts, { bridgeId: event.bridgeId });
    else if (event.type === "bridge.ended") this.#leave(event.peer, event.ts, event.reason);
    // A conference (a consulted agent, a supervisor listening in) tells every leg of each one who joins and leaves.
    else if (type === "conference.joined" && fields.leg !== this.#id) this.#join(String(fields.leg), event.ts, { conferenceId: String(fields.conferenceId) });
    else if (type === "conference.left" && fields.leg !== this.#id) this.#leave(String(fields.leg), event.ts, String(fields.reason ?? "left"));
    if (!this.keep(event.type)) return;
    const masked = this.#tellsMasked(fields);
    if (masked && SPOKEN_EVENTS.has(type)) return;
    // Other events are kept (a request for a person, a queue's events: what happened, not what was said), without what they quote.
    const kept = without(fields, masked ? [...SENSITIVE_FIELDS, ...SPOKEN_FIELDS] : SENSITIVE_FIELDS);
    if (!this.#sealer) return this.#journal.write({ kind: "event", at: event.ts, event: kept });
    const plain = PLAIN_WHEN_SEALED.test(type) ? { event: without(kept, SPOKEN_FIELDS) } : {};
    this.#journal.write({ kind: "event", at: event.ts, ...plain, sealed: this.#sealer.seal(kept) });
  }

  #join(peer: string, at: number, where: { bridgeId: string } | { conferenceId: string }): void {
    this.#peers.add(peer);
    this.#journal.write({ kind: "join", at, participant: peer, role: "peer", ...where });
  }

  #leave(peer: string, at: number, reason: string): void {
    this.#peers.delete(peer);
    this.#journal.write({ kind: "leave", at, participant: peer, reason });
  }

  /** An event emitted during a pause or a collection, or a transcript of masked audio (its times are the session's, which the recording's follow). */
  #tellsMasked(fields: Record<string, unknown>): boolean {
    if (this.#open.size > 0) return true;
    const { startMs, endMs } = fields;
    if (typeof startMs !== "number" || typeof endMs !== "number") return false;
    return this.#maskedMs.some((masked) => startMs < masked.endMs && endMs > masked.startMs);
  }

  #frames(ms: number): number {
    return Math.round((this.sampleRate * ms) / 1000);
  }

  #ms(frames: number): number {
    return (frames * 1000) / this.sampleRate;
  }

  /** Where audio received from now on lands at the latest (the channel that runs ahead). */
  #latest(): number {
    return this.#masker.position + this.#aligner.pending;
  }

  /** Opens a masked stretch from the first frame not yet laid out; returns its id. */
  #maskFromNow(reason: MaskReason, at: number): number {
    const id = this.#nextMaskId++;
    const span = this.#masker.mask(reason, this.#masker.position);
    const ms = { startMs: Math.floor(this.#ms(span.start)), endMs: Infinity };
    this.#open.set(id, { span, ms });
    this.#maskedMs.push(ms);
    this.#journal.write({ kind: "mask", at, id, reason, startMs: ms.startMs });
    return id;
  }

  /** Ends stretch `id` past the audio received so far and what is still on its way. */
  #unmask(id: number, at: number): void {
    const open = this.#open.get(id);
    if (!open) return;
    this.#open.delete(id);
    this.#masker.close(open.span, this.#latest() + this.#frames(LATE_AUDIO_MS));
    open.ms.endMs = Math.ceil(this.#ms(open.span.end));
    this.#journal.write({ kind: "unmask", at, id, endMs: open.ms.endMs });
  }

  /** Masks a keypad tone that just ended: from its start, as far back as it lasted, to the audio still on its way. */
  #maskTone(durationMs: number, at: number): void {
    this.#maskDtmf(this.#masker.position - this.#frames(durationMs + TONE_MARGIN_MS), this.#latest() + this.#frames(LATE_AUDIO_MS), at);
  }

  /** Masks a key tone found in the caller's audio, where it lies (it may also come as a `dtmf` event: the stretches overlap). */
  #maskKey(key: KeyTone): void {
    this.#maskDtmf(key.start - this.#frames(TONE_MARGIN_MS), key.end + this.#frames(TONE_MARGIN_MS), Date.now());
  }

  /** Masks frames [start, end) for a key, and notes it in the journal. */
  #maskDtmf(start: number, end: number, at: number): void {
    const span = this.#masker.mask("dtmf", start, end);
    const startMs = Math.floor(this.#ms(span.start));
    const endMs = Math.ceil(this.#ms(span.end));
    this.#maskedMs.push({ startMs, endMs });
    this.#journal.write({ kind: "mask", at, id: this.#nextMaskId++, reason: "dtmf", startMs, endMs });
  }

  /** Writes what is queued to both files and syncs them; skipped while the previous flush still runs. */
  async flush(): Promise<void> {
    if (this.#flushing || this.#finished) return;
    this.#flushing = true;
    try {
      await Promise.all([this.#audio.flush(), this.#journal.flush()]);
    } finally {
      this.#flushing = false;
    }
  }

  /** Ends the recording (once): the rest of the audio, the end in the journal, the final audio file and the document. */
  finish(end: { at: number; reason: string; durationMs: number }): Promise<RecordingDocument> {
    this.#finished ??= this.#finish(end);
    return this.#finished;
  }

  async #finish(end: { at: number; reason: string; durationMs: number }): Promise<RecordingDocument> {
    const sounding = this.#keys.flush();
    if (sounding) this.#maskKey(sounding);
    this.#aligner.end();
    this.#masker.drain();
    for (const peer of this.#peers) this.#journal.write({ kind: "leave", at: end.at, participant: peer, reason: "call_ended" });
    this.#journal.write({ kind: "leave", at: end.at, participant: this.#id, reason: end.reason });
    this.#journal.write({ kind: "end", ...end });
    await Promise.all([this.#audio.close(), this.#journal.close()]);
    let audio: AudioFacts = this.#encryption ? { file: this.files.encrypted, dataBytes: this.#audio.dataBytes, encryption: this.#encryption } : { file: this.files.wav, dataBytes: this.#audio.dataBytes };
    if (this.#oggOpus) audio = await asOggOpus(this.files, audio, this.#oggOpus);
    const document = await documentFromJournal(this.files, audio, true);
    await writeDocument(this.files.document, document);
    await unlink(this.files.journal);
    if (audio.format?.format === "ogg") await unlink(this.files.wav);
    return document;
  }
}

/** How finished WAVs become Ogg Opus: `onError` is told why one could not be, and which (its base name); that one stays a WAV. */
export interface OggOpusEncoding {
  onError(error: unknown, recording: string): void;
}

/** The WAV `audio` encoded to Ogg Opus; the WAV as it is when the encoding fails. */
export async function asOggOpus(files: RecordingFiles, audio: AudioFacts, encoding: OggOpusEncoding): Promise<AudioFacts> {
  try {
    await encodeOggOpus(audio.file, files.ogg);
    return { ...audio, file: files.ogg, format: { format: "ogg", encoding: "opus", bitrate: OGG_OPUS_BITRATE } };
  } catch (error) {
    encoding.onError(error, files.base);
    return audio;
  }
}

/** The start entry an interrupted recording's journal lacks (a crash before its first flush): what the audio file itself tells. */
export type FallbackStart = Extract<JournalEntry, { kind: "start" }>;

/** The audio file of a recording as the document describes it: its path, the sample bytes it holds, and how it is encrypted. */
export interface AudioFacts {
  file: string;
  /** Bytes of 16-bit stereo samples recorded (for an Ogg Opus file, those of the WAV it was encoded from). */
  dataBytes: number;
  /** How the file is coded; absent for a WAV (plain or encrypted). */
  format?: AudioFormat;
  encryption?: AudioEncryption;
}

/** The document of a recording from its journal on disk and its audio file. */
export async function documentFromJournal(files: RecordingFiles, audio: AudioFacts, complete: boolean, fallback?: (audioMs: (sampleRate: number) => number) => FallbackStart): Promise<RecordingDocument> {
  const entries: JournalEntry[] = parseJournal(await readFile(files.journal, "utf8").catch(() => ""));
  const audioMs = (sampleRate: number) => Math.round((audio.dataBytes / 4 / sampleRate) * 1000);
  let start = entries.find((entry): entry is FallbackStart => entry.kind === "start");
  if (!start && fallback) entries.unshift(start = fallback(audioMs));
  if (!start) throw new Error(`${files.journal} has no start entry`);
  return buildDocument(entries, { audioFile: basename(audio.file), audioMs: audioMs(start.sampleRate), complete, ...(audio.format ? { audioFormat: audio.format } : {}), ...(audio.encryption ? { encryption: audio.encryption } : {}) })!;
}
