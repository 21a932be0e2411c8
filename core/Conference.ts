import { randomUUID } from "node:crypto";
import { type Observable, Subject, type Subscription } from "rxjs";
import type { AudioFrame } from "../media/frame.ts";
import { AudioMixer } from "../media/mixer.ts";
import { AudioClip } from "./AudioClip.ts";
import { holdMusicClip } from "./Bridge.ts";
import type { EventInput } from "./events.ts";
import type { AudioSource, Playback } from "./Player.ts";
import { SampleQueue } from "./SampleQueue.ts";
import type { Session } from "./Session.ts";

/** A 20 ms clock: runs `task` once per tick until the returned function is called (a plugin's `context.clock`, the server's shared pacer). */
export type Clock = (task: (tickMs: number) => void) => () => void;

/** Options of a Conference. */
export interface ConferenceOptions {
  /** What paces the mix: one tick per 20 ms. */
  clock: Clock;
  /**
   * Most of one leg's audio that may wait on its way out, ms: past it the oldest goes. Default 60
   * (three frames). The output is paced by the same clock as the mix, so it never needs more.
   */
  maxLatencyMs?: number;
  /**
   * Most of one leg's audio that may wait on its way in, ms: what absorbs a leg whose frames come
   * in bursts (a browser on a busy machine delivered up to five at once). Past it the oldest goes;
   * a queue that stays deeper than two frames for a second loses a frame, so a burst never turns
   * into lasting delay. Default 120.
   */
  maxInputMs?: number;
}

/** Options of `Conference.add`. */
export interface JoinOptions {
  /** False: nobody hears the new leg until `setHears` says so (a supervisor who only listens). Default true. */
  heard?: boolean;
}

/** Why a leg left: taken out (`removed`), its session ended (`leg_ended`), or the conference ended. */
export type LeaveReason = "removed" | "leg_ended" | "ended";

/** A leg that left, with the time it spent on hold. */
export interface LegLeft {
  leg: Session;
  reason: LeaveReason;
  heldMs: number;
}

/** One leg in the conference: its audio on the way in and its mix on the way out. */
interface Member {
  readonly leg: Session;
  readonly input: SampleQueue;
  /** False after the leg's input ran dry: it is mixed again once two frames wait (see #tick). */
  primed: boolean;
  /** Ticks in a row that ended with more than two frames waiting. */
  deep: number;
  audio?: Subscription;
  frames?: Subject<AudioFrame>;
  playback?: Playback;
  hold?: { since: number; playback: Playback };
  heldMs: number;
}

/** The rate every leg is mixed at: wideband, what Opus legs decode to natively and telephone legs resample to once. */
const RATE = 16000;
const FRAME_SAMPLES = RATE / 50;

/**
 * N call legs mixed on the shared pacer: each leg's inbound audio, decoded at 16 kHz, goes into an
 * AudioMixer once per 20 ms tick, and each leg hears its mix-minus (everyone it may hear, minus
 * itself) through its own player and encoder. The hear matrix makes listen, whisper and barge.
 * Legs join and leave live; a leg whose session ends leaves by itself; the last leg to leave ends
 * the conference. Each leg's audio waits one tick and one frame of slack on the way in (more, for
 * a while, after a burst), so a leg hears the others about two frames later than a Bridge would
 * have carried them.
 */
export class Conference {
  readonly id = randomUUID();
  /** Each leg that leaves, with why. */
  readonly left$: Observable<LegLeft>;
  readonly #left = new Subject<LegLeft>();
  readonly #mixer = new AudioMixer(FRAME_SAMPLES);
  readonly #members = new Map<string, Member>();
  readonly #inputs = new Map<string, Int16Array>();
  readonly #maxLatencyMs: number;
  readonly #inputSamples: number;
  readonly #stopClock: () => void;
  #seq = 0;
  #over = false;

  constructor(legs: readonly Session[], options: ConferenceOptions) {
    this.#maxLatencyMs = options.maxLatencyMs ?? 60;
    this.#inputSamples = Math.round((RATE * Math.max(options.maxInputMs ?? 120, 40)) / 1000);
    this.left$ = this.#left.asObservable();
    this.#stopClock = options.clock(() => this.#tick());
    for (const leg of legs) this.add(leg);
  }

  /** True until `end`. */
  get active(): boolean {
    return !this.#over;
  }

  /** Legs in the conference now, in the order they joined. */
  get legs(): Session[] {
    return [...this.#members.values()].map((member) => member.leg);
  }

  /** Legs on hold now. */
  get held(): Session[] {
    return [...this.#members.values()].filter((member) => member.hold).map((member) => member.leg);
  }

  /** True when `leg` is in the conference. */
  has(leg: Session): boolean {
    return this.#members.has(leg.id);
  }

  /** Time `leg` has spent on hold so far, ms. */
  heldMs(leg: Session): number {
    const member = this.#member(leg);
    return member.heldMs + (member.hold ? Date.now() - member.hold.since : 0);
  }

  /** Adds a leg: it hears everyone and (unless `heard: false`) everyone hears it, from the next tick. */
  add(leg: Session, options: JoinOptions = {}): void {
    if (this.#over) throw new RangeError(`conference ${this.id} has ended`);
    if (this.#members.has(leg.id)) throw new RangeError(`session ${leg.id} is already in conference ${this.id}`);
    const member: Member = { leg, input: new SampleQueue(this.#inputSamples), primed: false, deep: 0, heldMs: 0 };
    this.#members.set(leg.id, member);
    this.#mixer.add(leg.id);
    if (options.heard === false) for (const other of this.#members.keys()) this.#mixer.setHears(other, leg.id, false);
    // The leg's audio completes the moment it begins hanging up: it leaves then, not when it has finished closing.
    member.audio = leg.audio(RATE).subscribe({ next: (frame) => !member.hold && member.input.push(frame.samples), complete: () => this.remove(leg, "leg_ended") });
    void leg.closed.then(() => this.remove(leg, "leg_ended"));
    if (!this.#members.has(leg.id)) return;
    this.#startOutput(member, true);
    this.#emitAll({ type: "conference.joined", conferenceId: this.id, leg: leg.id });
  }

  /** Takes a leg out (its session stays up, hearing nothing of the others); nothing when it is not in. */
  remove(leg: Session, reason: LeaveReason = "removed"): void {
    const member = this.#members.get(leg.id);
    if (!member) return;
    const heldMs = this.heldMs(leg);
    this.#stopOutput(member);
    member.hold?.playback.cancel();
    member.audio?.unsubscribe();
    this.#members.delete(leg.id);
    this.#mixer.remove(leg.id);
    const event = { type: "conference.left", conferenceId: this.id, leg: leg.id, reason } as const;
    leg.emit({ ...event, source: "core" });
    this.#emitAll(event);
    this.#left.next({ leg, reason, heldMs });
    // Nobody left to mix for: the clock stops rather than tick for an empty room.
    if (this.#members.size === 0) this.end();
  }

  /** Whether `listener` hears `speaker`. */
  hears(listener: Session, speaker: Session): boolean {
    return this.#mixer.hears(this.#member(listener).leg.id, this.#member(speaker).leg.id);
  }

  /** Lets `listener` hear `speaker`, or not (listen, whisper and barge are made of these); an event on both when it changes. */
  setHears(listener: Session, speaker: Session, hears: boolean): void {
    if (listener.id === speaker.id || this.hears(listener, speaker) === hears) return;
    this.#mixer.setHears(listener.id, speaker.id, hears);
    const event = { type: "conference.hearing", conferenceId: this.id, listener: listener.id, speaker: speaker.id, hears, source: "core" } as const;
    listener.emit(event);
    speaker.emit(event);
  }

  /** Puts `leg` on hold: it hears `audio` (hold music by default, looped when a clip) and nobody hears it, until `unhold`. */
  hold(leg: Session, audio: AudioSource = holdMusicClip()): void {
    const member = this.#member(leg);
    if (member.hold) return;
    this.#stopOutput(member);
    member.input.clear();
    member.primed = false;
    const playback = leg.play(audio, { interrupt: true, label: `hold:${this.id}`, loop: audio instanceof AudioClip, bargeIn: false });
    member.hold = { since: Date.now(), playback };
    this.#emitAll({ type: "conference.held", conferenceId: this.id, held: leg.id });
  }

  /** Takes `leg` off hold: it hears and is heard as before. */
  unhold(leg: Session): void {
    const member = this.#member(leg);
    const hold = member.hold;
    if (!hold) return;
    member.hold = undefined;
    member.heldMs += Date.now() - hold.since;
    hold.playback.cancel();
    this.#startOutput(member, false);
    this.#emitAll({ type: "conference.unheld", conferenceId: this.id, held: leg.id });
  }

  /** Ends the conference: every leg leaves (their sessions stay up) and the clock stops. */
  end(): void {
    if (this.#over) return;
    this.#over = true;
    this.#stopClock();
    for (const member of [...this.#members.values()]) this.remove(member.leg, "ended");
    this.#left.complete();
  }

  /** One tick: a frame from each leg not on hold, mixed, and each leg's mix queued to it. */
  #tick(): void {
    const inputs = this.#inputs;
    inputs.clear();
    for (const member of this.#members.values()) {
      // A leg whose frames come unevenly (two in one tick, none in the next: a busy browser, a
      // jitter buffer catching up) would otherwise lose a frame to silence at each gap and jump a
      // frame later; one frame of slack, taken after the input first runs dry, absorbs that.
      if (member.hold) continue;
      if (!member.primed && member.input.length < 2 * FRAME_SAMPLES) continue;
      const frame = member.input.take(FRAME_SAMPLES);
      member.primed = frame !== null;
      if (frame) inputs.set(member.leg.id, frame);
      member.deep = member.input.length > 2 * FRAME_SAMPLES ? member.deep + 1 : 0;
      if (member.deep >= 50) {
        member.input.take(FRAME_SAMPLES);
        member.deep = 0;
      }
    }
    const outputs = this.#mixer.mix(inputs);
    const timestamp = this.#seq * 20;
    for (const member of this.#members.values()) {
      const samples = outputs.get(member.leg.id);
      // The mixer reuses its buffers; the player keeps what it is given until sent.
      if (samples && member.frames) member.frames.next({ samples: samples.slice(), sampleRate: RATE, timestamp, seq: this.#seq });
    }
    this.#seq++;
  }

  /** Plays the leg's mix to it; `interrupt` cuts what it was hearing (a bot's prompt). Restarts if someone cuts it. */
  #startOutput(member: Member, interrupt: boolean): void {
    const frames = new Subject<AudioFrame>();
    member.frames = frames;
    const play = (cut: boolean) => {
      const playback = member.leg.play(frames, { interrupt: cut, label: `conference:${this.id}`, maxLatencyMs: this.#maxLatencyMs, bargeIn: false });
      member.playback = playback;
      void playback.done.then(() => {
        if (member.frames === frames && this.#members.get(member.leg.id) === member) play(false);
      });
    };
    play(interrupt);
  }

  #stopOutput(member: Member): void {
    const [frames, playback] = [member.frames, member.playback];
    member.frames = member.playback = undefined;
    frames?.complete();
    playback?.cancel();
  }

  #emitAll(event: EventInput): void {
    for (const member of this.#members.values()) member.leg.emit({ ...event, source: "core" });
  }

  #member(leg: Session): Member {
    const member = this.#members.get(leg.id);
    if (!member) throw new RangeError(`session ${leg.id} is not in conference ${this.id}`);
    return member;
  }
}
