// The recording's metadata document, in the spirit of SIPREC (RFC 7865): who took part and when,
// which channel carries whom, when the recording starts and ends, and the call's events worth
// keeping. Built from the journal alone, so a recording a crash interrupted gets the same document
// as one that ended, marked incomplete.
import type { JournalEntry, ParticipantRole } from "./journal.ts";
import type { MaskReason } from "./masker.ts";
import type { EventSealing, SealedEvent } from "./sealed-events.ts";

/** One stretch of a participant's presence in the call, ms since the epoch. */
export interface Presence {
  joinedAt: number;
  /** When they left; for an interrupted recording, where the recording stops. */
  leftAt: number;
  /** The bridge (two legs) or the conference (more: a consulted agent, a supervisor) they were in. */
  bridgeId?: string;
  conferenceId?: string;
  reason?: string;
}

/** A party to the recorded call. */
export interface Participant {
  /** The session id of their leg. */
  id: string;
  role: ParticipantRole;
  presence: Presence[];
}

/** One channel of the stereo file. */
export interface Channel {
  index: number;
  /** "left" or "right", as players name them. */
  position: "left" | "right";
  /** What it carries. */
  content: "caller" | "heard";
  /** Who is heard on it: the caller's leg (left), or everyone the caller heard (right: Parley and the bridged parties). */
  participants: string[];
}

/** How an encrypted recording's audio is encrypted (encrypted-format.ts); the document itself is not. */
export interface AudioEncryption {
  /** The file format: header, then AES-256-GCM chunks. */
  format: "parley-recording-1";
  /** How the data key is wrapped: "RSA-OAEP-SHA256" or "X25519-HKDF-SHA256-A256GCM". */
  keyWrapping: string;
  /** `sha256:` and the SHA-256 of the public key (SubjectPublicKeyInfo, DER) it is encrypted for: which private key opens it. */
  keyFingerprint: string;
}

/** How the audio file is coded: PCM in a WAV, or Opus in Ogg at `bitrate` bits per second. */
export type AudioFormat = { format: "wav"; encoding: "pcm16" } | { format: "ogg"; encoding: "opus"; bitrate: number };

/** A stretch of the recording written as silence in both channels (PCI), ms in the recording's timeline. */
export interface MaskedInterval {
  startMs: number;
  endMs: number;
  /** "api": paused by the API; "voicebot.collect": the voice bot was collecting a number; "dtmf": a keypad tone. */
  reason: MaskReason;
}

/** The metadata document written beside the recording as `<id>.json`. */
export interface RecordingDocument {
  /** Document format version. */
  version: 1;
  /** The recorded session's id (also the files' base name). */
  id: string;
  /** False when the server stopped before the call ended: times and events run to the last thing saved. */
  complete: boolean;
  /** ms since the epoch. */
  start: number;
  end: number;
  durationMs: number;
  /** Why the call ended, when it ended before the server did. */
  endReason?: string;
  /** The audio: a WAV, an Ogg Opus file, or (with `encryption`) a WAV once `parley recording decrypt` has opened it. */
  audio: AudioFormat & { file: string; sampleRate: number; channels: 2; durationMs: number; encryption?: AudioEncryption };
  session: { transport: string; codec: string; remote?: string; metadata: Record<string, string> };
  participants: Participant[];
  channels: Channel[];
  /** Stretches written as silence in both channels, by start; they may overlap (a tone keyed while the bot collects). */
  masked: MaskedInterval[];
  /**
   * The kept events, in order, as emitted (`ts` in ms since the epoch); those of masked stretches
   * are left out. For an encrypted recording, only the routing events, without what they quote:
   * all of them are in `sealedEvents`.
   */
  events: Record<string, unknown>[];
  /** An encrypted recording's kept events, sealed for its key: `parley recording decrypt` opens them into `events`. */
  sealedEvents?: EventSealing & { events: SealedEvent[] };
}

/** What the journal does not say: the audio actually on disk, and whether the call's end was seen. */
export interface DocumentFacts {
  audioFile: string;
  /** How it is coded (default: a WAV). */
  audioFormat?: AudioFormat;
  /** How the audio file is encrypted; absent when it is a plain WAV. */
  encryption?: AudioEncryption;
  /** Audio on disk, ms (from the WAV's data size). */
  audioMs: number;
  complete: boolean;
}

/** Builds the document from a journal's entries; undefined when the journal lacks its start entry. */
export function buildDocument(entries: readonly JournalEntry[], facts: DocumentFacts): RecordingDocument | undefined {
  const start = entries.find((entry) => entry.kind === "start");
  if (!start || start.kind !== "start") return undefined;
  const endEntry = entries.find((entry) => entry.kind === "end");
  const lastSeen = Math.max(...entries.map((entry) => entry.at));
  // The end of an interrupted call is the later of the last journal entry and the last audio saved.
  const end = endEntry?.at ?? Math.max(lastSeen, start.at + facts.audioMs);
  const participants = new Map<string, Participant>();
  const events: Record<string, unknown>[] = [];
  const sealed: SealedEvent[] = [];
  const masked = new Map<number, MaskedInterval>();
  for (const entry of entries) {
    if (entry.kind === "join") {
      let participant = participants.get(entry.participant);
      if (!participant) participants.set(entry.participant, participant = { id: entry.participant, role: entry.role, presence: [] });
      const open = participant.presence.at(-1);
      if (!open || open.leftAt !== Infinity) participant.presence.push({ joinedAt: entry.at, leftAt: Infinity, ...(entry.bridgeId ? { bridgeId: entry.bridgeId } : {}), ...(entry.conferenceId ? { conferenceId: entry.conferenceId } : {}) });
    } else if (entry.kind === "leave") {
      const open = participants.get(entry.participant)?.presence.at(-1);
      if (open && open.leftAt === Infinity) Object.assign(open, { leftAt: entry.at }, entry.reason ? { reason: entry.reason } : {});
    } else if (entry.kind === "event") {
      if (entry.event) events.push(entry.event);
      if (entry.sealed) sealed.push(entry.sealed);
    }
    else if (entry.kind === "mask") masked.set(entry.id, { startMs: entry.startMs, endMs: entry.endMs ?? Infinity, reason: entry.reason });
    else if (entry.kind === "unmask") {
      const interval = masked.get(entry.id);
      if (interval) interval.endMs = entry.endMs;
    }
  }
  // A stretch still open when the recording stopped runs to the end of the audio.
  for (const interval of masked.values()) interval.endMs = Math.min(interval.endMs, facts.audioMs);
  for (const participant of participants.values()) {
    // Still there at the end, or reported gone after it (a bridge that the call's hang-up ended says so later): gone at the end.
    for (const presence of participant.presence) presence.leftAt = Math.min(presence.leftAt, end);
  }
  const all = [...participants.values()];
  return {
    version: 1,
    id: start.id,
    complete: facts.complete,
    start: start.at,
    end,
    durationMs: end - start.at,
    ...(endEntry?.kind === "end" ? { endReason: endEntry.reason } : {}),
    audio: { file: facts.audioFile, ...(facts.audioFormat ?? { format: "wav", encoding: "pcm16" }), sampleRate: start.sampleRate, channels: 2, durationMs: facts.audioMs, ...(facts.encryption ? { encryption: facts.encryption } : {}) },
    session: { transport: start.transport, codec: start.codec, ...(start.remote ? { remote: start.remote } : {}), metadata: start.metadata },
    participants: all,
    channels: [
      { index: 0, position: "left", content: "caller", participants: all.filter((p) => p.role === "caller").map((p) => p.id) },
      { index: 1, position: "right", content: "heard", participants: all.filter((p) => p.role === "peer").map((p) => p.id) },
    ],
    masked: mergeOverlapping([...masked.values()]),
    events,
    ...(start.sealing ? { sealedEvents: { ...start.sealing, events: sealed } } : {}),
  };
}

/** The intervals by start, those of one reason that overlap made one (a key both sent as an event and heard in the audio). */
function mergeOverlapping(intervals: MaskedInterval[]): MaskedInterval[] {
  const merged: MaskedInterval[] = [];
  for (const interval of intervals.sort((a, b) => a.startMs - b.startMs)) {
    const previous = merged.findLast((candidate) => candidate.reason === interval.reason);
    if (previous && interval.startMs <= previous.endMs) previous.endMs = Math.max(previous.endMs, interval.endMs);
    else merged.push({ ...interval });
  }
  return merged;
}
