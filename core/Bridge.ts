import { randomUUID } from "node:crypto";
import { Subject, type Subscription } from "rxjs";
import type { AudioFrame } from "../media/frame.ts";
import { holdMusic } from "../media/hold-music.ts";
import { AudioClip } from "./AudioClip.ts";
import type { AudioSource, Playback } from "./Player.ts";
import type { Session } from "./Session.ts";

/** Options of `bridge`. */
export interface BridgeOptions {
  /**
   * Most of one leg's audio that may wait to be sent to the other, ms: past it the oldest goes, so
   * a stall never turns into lasting delay. Default 60 (three frames).
   */
  maxLatencyMs?: number;
}

/** Why a bridge ended. */
export type BridgeEndReason = "unbridged" | "leg_ended";

/** How a bridge ended. */
export interface BridgeEnd {
  reason: BridgeEndReason;
  durationMs: number;
  /** Time either leg spent on hold, ms. */
  heldMs: number;
  /** With `leg_ended`: the session id of the leg that ended. */
  endedLeg?: string;
}

let defaultHoldAudio: AudioClip | undefined;

/** The default hold audio: generated music, one clip per process, so its frames' encodings are shared by every held call. */
export function holdMusicClip(): AudioClip {
  defaultHoldAudio ??= new AudioClip(holdMusic(16000), 16000);
  return defaultHoldAudio;
}

/**
 * One direction of a bridge: `from`'s inbound audio, at the rate `to` sends (each leg's own
 * decoder produces it: an Opus leg decodes straight to a telephone leg's 8 kHz), played to `to`
 * as a live source. The playback restarts if someone cuts it (a barge-in plugin that took the
 * other party's voice for a prompt), behind whatever that someone queued.
 */
class Direction {
  #audio?: Subscription;
  #playback?: Playback;
  #frames?: Subject<AudioFrame>;

  constructor(readonly from: Session, readonly to: Session, readonly label: string, readonly maxLatencyMs: number, readonly fromEnding: (leg: Session) => void) {}

  /** Starts passing audio; `interrupt` cuts what `to` was hearing (the voice bot). */
  start(interrupt: boolean): void {
    if (this.#audio) return;
    const frames = new Subject<AudioFrame>();
    this.#frames = frames;
    // `from`'s audio completes the moment it begins hanging up: the bridge ends then, not seconds
    // later when the session has finished closing.
    this.#audio = this.from.audio(this.to.outputRate).subscribe({ next: (frame) => frames.next(frame), complete: () => this.fromEnding(this.from) });
    this.#play(interrupt);
  }

  /** Stops passing audio; nothing of it stays queued. */
  stop(): void {
    const [audio, frames, playback] = [this.#audio, this.#frames, this.#playback];
    this.#audio = this.#frames = this.#playback = undefined;
    audio?.unsubscribe();
    frames?.complete();
    playback?.cancel();
  }

  #play(interrupt: boolean): void {
    const frames = this.#frames;
    if (!frames) return;
    const playback = this.to.play(frames, { interrupt, label: this.label, maxLatencyMs: this.maxLatencyMs, bargeIn: false });
    this.#playback = playback;
    void playback.done.then(() => {
      if (this.#playback === playback) this.#play(false);
    });
  }
}

/**
 * Two call legs that hear each other: each leg's inbound audio, decoded once at the rate the other
 * leg sends, goes out through the other leg's own encoder, across transports and codecs. It adds
 * at most one frame of delay to each leg's jitter buffer. Plugins go on seeing each leg's own
 * inbound audio. Either leg ending ends the bridge (the other leg stays up: what happens to it is
 * the caller of `bridge`'s choice).
 */
export class Bridge {
  readonly id = randomUUID();
  readonly legs: readonly [Session, Session];
  /** Resolves once, when the bridge ends. */
  readonly ended: Promise<BridgeEnd>;
  readonly #directions: readonly [Direction, Direction];
  readonly #startedAt = Date.now();
  /** Each held leg and what it hears. */
  readonly #held = new Map<Session, { since: number; playback: Playback }>();
  #heldMs = 0;
  #resolveEnded!: (end: BridgeEnd) => void;
  #over = false;

  constructor(a: Session, b: Session, options: BridgeOptions = {}) {
    if (a.id === b.id) throw new RangeError("a session cannot be bridged to itself");
    const maxLatencyMs = options.maxLatencyMs ?? 60;
    this.legs = [a, b];
    this.ended = new Promise((resolve) => (this.#resolveEnded = resolve));
    const label = `bridge:${this.id}`;
    const legEnding = (leg: Session) => this.#end("leg_ended", leg);
    this.#directions = [new Direction(a, b, label, maxLatencyMs, legEnding), new Direction(b, a, label, maxLatencyMs, legEnding)];
    for (const direction of this.#directions) direction.start(true);
    a.emit({ type: "bridge.started", bridgeId: this.id, peer: b.id, source: "core" });
    b.emit({ type: "bridge.started", bridgeId: this.id, peer: a.id, source: "core" });
    for (const leg of this.legs) void leg.closed.then(() => this.#end("leg_ended", leg));
  }

  /** True while it is up. */
  get active(): boolean {
    return !this.#over;
  }

  /** Legs on hold now. */
  get held(): Session[] {
    return [...this.#held.keys()];
  }

  /** Time either leg has spent on hold so far, ms (a hold in progress counted up to now). */
  get heldMs(): number {
    let ms = this.#heldMs;
    for (const hold of this.#held.values()) ms += Date.now() - hold.since;
    return ms;
  }

  /**
   * Puts `leg` on hold: it hears `audio` (generated hold music by default, looped when a clip)
   * instead of the other leg, and the other leg hears nothing of it, until `unhold`.
   */
  hold(leg: Session, audio: AudioSource = holdMusicClip()): void {
    this.#leg(leg);
    if (this.#over || this.#held.has(leg)) return;
    for (const direction of this.#directions) direction.stop();
    const playback = leg.play(audio, { interrupt: true, label: `hold:${this.id}`, loop: audio instanceof AudioClip, bargeIn: false });
    this.#held.set(leg, { since: Date.now(), playback });
    this.#emitBoth({ type: "bridge.held", bridgeId: this.id, held: leg.id });
  }

  /** Takes `leg` off hold; the legs hear each other again once no leg is held. */
  unhold(leg: Session): void {
    this.#leg(leg);
    const hold = this.#held.get(leg);
    if (this.#over || !hold) return;
    this.#release(leg, hold);
    this.#emitBoth({ type: "bridge.unheld", bridgeId: this.id, held: leg.id });
    if (this.#held.size === 0) for (const direction of this.#directions) direction.start(false);
  }

  /** Ends the bridge; both legs stay up, hearing nothing of each other. */
  unbridge(): void {
    this.#end("unbridged");
  }

  #end(reason: BridgeEndReason, endedLeg?: Session): void {
    if (this.#over) return;
    this.#over = true;
    for (const direction of this.#directions) direction.stop();
    for (const [leg, hold] of this.#held) this.#release(leg, hold);
    const end: BridgeEnd = { reason, durationMs: Date.now() - this.#startedAt, heldMs: this.#heldMs, ...(endedLeg ? { endedLeg: endedLeg.id } : {}) };
    const [a, b] = this.legs;
    const { endedLeg: _leg, ...fields } = end;
    a.emit({ type: "bridge.ended", bridgeId: this.id, peer: b.id, ...fields, source: "core" });
    b.emit({ type: "bridge.ended", bridgeId: this.id, peer: a.id, ...fields, source: "core" });
    this.#resolveEnded(end);
  }

  #release(leg: Session, hold: { since: number; playback: Playback }): void {
    this.#held.delete(leg);
    this.#heldMs += Date.now() - hold.since;
    hold.playback.cancel();
  }

  #emitBoth(event: { type: "bridge.held" | "bridge.unheld"; bridgeId: string; held: string }): void {
    for (const leg of this.legs) leg.emit({ ...event, source: "core" });
  }

  #leg(leg: Session): void {
    if (!this.legs.some((own) => own.id === leg.id)) throw new RangeError(`session ${leg.id} is not a leg of bridge ${this.id}`);
  }
}

/** Connects two call legs so that each hears the other (see Bridge). */
export function bridge(a: Session, b: Session, options?: BridgeOptions): Bridge {
  return new Bridge(a, b, options);
}
