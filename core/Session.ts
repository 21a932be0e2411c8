import { Observable, share, Subject } from "rxjs";
import type { AudioFrame } from "../media/frame.ts";
import { AudioFanout } from "./AudioFanout.ts";
import type { EventInput, SessionEvent } from "./events.ts";
import { type Logger, silentLogger } from "./log.ts";
import { type AudioSource, type Playback, type PlayOptions, Player } from "./Player.ts";

/** What a session is: its transport, codec, peer and the caller's own metadata. */
export interface SessionInfo {
  readonly id: string;
  /** "rtp", "webrtc", "websocket", ... */
  readonly transport: string;
  /** Negotiated codec name, lower case. */
  readonly codec: string;
  /** The codec's own PCM rate: the rate of `audio$`. */
  readonly sampleRate: number;
  /** Where the media comes from, "host:port", once known. */
  remote?: string;
  /** Where Parley receives it, "host:port". */
  readonly local?: string;
  /** Wall-clock start, ms since the epoch. */
  readonly startedAt: number;
  /** Free-form key/values given when the session was created (caller id, account, ...). */
  readonly metadata: Readonly<Record<string, string>>;
}

/** Why and when a session ended. */
export interface CloseInfo {
  reason: string;
  durationMs: number;
}

/** The call leg as plugins and embedding code see it. */
export interface Session {
  readonly id: string;
  readonly info: SessionInfo;
  /** Inbound audio at the codec's rate. */
  readonly audio$: Observable<AudioFrame>;
  /** Inbound audio at `sampleRate`; one shared resampler per rate per session. */
  audio(sampleRate: number): Observable<AudioFrame>;
  /** PCM rate of the audio it sends: what `play` converts to, and the rate another leg's audio should come at. */
  readonly outputRate: number;
  /**
   * What the caller hears, at `sampleRate`: one frame per pacer tick from subscription on, the
   * frame the leg sent (prompts, hold music, a bridged party) or silence when it sent nothing, so
   * frame n is the n-th 20 ms slot. Costs nothing while nobody subscribes.
   */
  sent(sampleRate: number): Observable<AudioFrame>;
  /** Every event of this session, from the core, the transport and all plugins. */
  readonly events$: Observable<SessionEvent>;
  /** Emits an event on this session (the envelope is filled in). */
  emit(event: EventInput): void;
  /** Queues audio to send to the caller. */
  play(source: AudioSource, options?: PlayOptions): Playback;
  /** Cancels what is playing and queued; returns how many playbacks were cancelled. */
  stopPlayback(): number;
  /** The playback being sent now, if any (what a barge-in would cut off). */
  readonly nowPlaying: Playback | undefined;
  /** Sends a DTMF digit (RFC 4733) to the caller, when the transport can. */
  sendDtmf(digit: string, durationMs?: number): void;
  /** Ends the call. */
  hangup(reason?: string): Promise<void>;
  /** Resolves when the session has ended, for whatever reason. */
  readonly closed: Promise<CloseInfo>;
  /**
   * Resolves with the reason the moment the session begins to end, before its last events: what a
   * plugin reports then (with `finishing`) still goes out as this session's event.
   */
  readonly ending: Promise<string>;
  /** A slot for the embedding application's own data. */
  readonly appData: Record<string, unknown>;
  /** The server's logger with this session's id on every line. */
  readonly log: Logger;
  /**
   * A stream derived once per session and shared by everyone who asks with the same key (for
   * example one feature extractor feeding several analytics plugins). `create` runs on the first
   * request; the stream is shared with `share()`, so it starts with its first subscriber and stops
   * with its last.
   */
  shared<T>(key: string, create: () => Observable<T>): Observable<T>;
  /**
   * Holds back the session's end (its last events and `session.ended`) until `work` settles, for
   * at most FINISHING_GRACE_MS after hangup: results of the caller's last words still being
   * computed when the call ends (a transcript) are reported instead of lost.
   */
  finishing(work: Promise<unknown>): void;
}

/** Longest that hangup waits for work registered with `Session.finishing`, ms. */
export const FINISHING_GRACE_MS = 5000;

/** What a transport provides to its session: the outbound half of the call leg. */
export interface SessionTransport {
  /** PCM rate the transport encodes from. */
  readonly outputRate: number;
  /** Samples per outbound frame at `outputRate`. */
  readonly frameSamples: number;
  /** Sends one frame of audio (called by the pacer), or null when there is nothing to send. */
  sendFrame(samples: Int16Array | null, tickMs: number): void;
  /** Runs once per pacer tick for the transport's own timers (jitter buffer deadlines, RTCP, timeouts). */
  tick?(tickMs: number): void;
  /** Sends a DTMF digit, if supported. */
  sendDtmf?(digit: string, durationMs: number): void;
  /** Learns that a playback was sent completely or cut off, or paused (WebSocket peers buffer audio and need `mark`/`clear`). */
  playbackFinished?(playbackId: string, cancelled: boolean): void;
  /** Releases sockets and timers. */
  close(): void | Promise<void>;
}

/** The server side of a session: where its events and end are reported. */
export interface SessionHost {
  publish(event: SessionEvent): void;
  ended(session: CallSession, info: CloseInfo): void;
  sourceError(session: CallSession, error: unknown): void;
  /** Something inside the session's own machinery (its transport, its clock) failed: count and log it. */
  failed(session: CallSession, error: unknown): void;
  /** The logger whose child the session logs to (none: the session logs nothing). */
  readonly log?: Logger;
}

/** A live call leg: audio in through the fanout, audio out through the player and transport. */
export class CallSession implements Session {
  readonly appData: Record<string, unknown> = {};
  readonly log: Logger;
  readonly events$: Observable<SessionEvent>;
  readonly audio$: Observable<AudioFrame>;
  readonly closed: Promise<CloseInfo>;
  readonly ending: Promise<string>;
  readonly #events = new Subject<SessionEvent>();
  readonly #player: Player;
  /** What the leg sends, one frame per tick, at every rate someone asked for (see `sent`). */
  readonly #sent: AudioFanout;
  /** One silent frame at the output rate: what a tick with nothing to send is heard as. */
  readonly #silence: Int16Array;
  readonly #shared = new Map<string, Observable<unknown>>();
  readonly #finishing = new Set<Promise<unknown>>();
  #transport?: SessionTransport;
  #resolveClosed!: (info: CloseInfo) => void;
  #resolveEnding!: (reason: string) => void;
  #ending?: Promise<void>;
  /** False once the session's last event (`session.ended`) is due: later events are dropped. */
  #acceptingEvents = true;

  constructor(readonly info: SessionInfo, readonly fanout: AudioFanout, readonly host: SessionHost, readonly outputRate: number, frameSamples: number) {
    this.log = host.log?.child({ session: info.id }) ?? silentLogger;
    this.events$ = this.#events.asObservable();
    this.audio$ = fanout.observe(info.sampleRate);
    this.#sent = new AudioFanout(outputRate);
    this.#silence = new Int16Array(frameSamples);
    this.closed = new Promise((resolve) => (this.#resolveClosed = resolve));
    this.ending = new Promise((resolve) => (this.#resolveEnding = resolve));
    this.#player = new Player(outputRate, frameSamples, {
      started: (playback) => this.emit({ type: "playback.started", playbackId: playback.id, source: "core" }),
      // A held playback must go silent at once: a peer that buffers audio (WebSocket) drops what it holds, as for a cut-off one.
      paused: (playback) => this.#transport?.playbackFinished?.(playback.id, true),
      finished: (playback, result) => {
        if (this.#ending) return;
        this.#transport?.playbackFinished?.(playback.id, result.cancelled);
        this.emit({ type: "playback.finished", playbackId: playback.id, ...result, source: "core" });
      },
      sourceError: (_playback, error) => host.sourceError(this, error),
    });
  }

  get id(): string {
    return this.info.id;
  }

  /** True once hangup has begun. */
  get ended(): boolean {
    return this.#ending !== undefined;
  }

  /** Connects the transport (done once, by the transport that created the session). */
  attach(transport: SessionTransport): void {
    this.#transport = transport;
  }

  audio(sampleRate: number): Observable<AudioFrame> {
    return this.fanout.observe(sampleRate);
  }

  sent(sampleRate: number): Observable<AudioFrame> {
    return this.#sent.observe(sampleRate);
  }

  shared<T>(key: string, create: () => Observable<T>): Observable<T> {
    let stream = this.#shared.get(key) as Observable<T> | undefined;
    if (!stream) {
      stream = create().pipe(share());
      this.#shared.set(key, stream);
    }
    return stream;
  }

  finishing(work: Promise<unknown>): void {
    const settled = work.then(() => {}, () => {}).finally(() => this.#finishing.delete(settled));
    this.#finishing.add(settled);
  }

  emit(event: EventInput): void {
    if (!this.#acceptingEvents && event.type !== "session.ended") return;
    const full = { ...event, sessionId: this.id, ts: event.ts ?? Date.now(), source: event.source ?? "app" } as SessionEvent;
    // Server-wide first: a subscriber that answers this event with another one must not have its
    // answer published before the event it answers.
    this.host.publish(full);
    this.#events.next(full);
  }

  play(source: AudioSource, options?: PlayOptions): Playback {
    return this.#player.play(source, options);
  }

  stopPlayback(): number {
    return this.#player.stopAll();
  }

  get nowPlaying(): Playback | undefined {
    return this.#player.current;
  }

  sendDtmf(digit: string, durationMs = 100): void {
    if (!this.#transport?.sendDtmf) throw new Error(`${this.info.transport} sessions cannot send DTMF`);
    this.#transport.sendDtmf(digit, durationMs);
  }

  /** Called by the shared pacer every frame period. */
  tick(tickMs: number): void {
    if (this.#ending || !this.#transport) return;
    this.#transport.tick?.(tickMs);
    if (this.#ending) return;
    const frame = this.#player.next();
    this.#transport.sendFrame(frame, tickMs);
    if (this.#sent.hasSubscribers) this.#sent.push(this.#slot(frame), this.outputRate, tickMs);
  }

  /** A sent frame as the whole tick slot it fills: silence for nothing, a playback's short tail padded. */
  #slot(frame: Int16Array | null): Int16Array {
    if (!frame) return this.#silence;
    if (frame.length >= this.#silence.length) return frame;
    const padded = new Int16Array(this.#silence.length);
    padded.set(frame);
    return padded;
  }

  /**
   * Ends the session because something inside it failed (a socket callback, a timer, its
   * transport): the host counts and logs `error`, and only this call ends.
   */
  fail(error: unknown, reason = "internal_error"): Promise<void> {
    this.host.failed(this, error);
    return this.hangup(reason);
  }

  /** Ends the session; never rejects (a transport that fails to close is reported through the host). */
  hangup(reason = "hangup"): Promise<void> {
    // Ending runs a microtask later: transports fire state changes synchronously while closing,
    // and those re-entrant hangups must find the session already ending, with the first reason.
    this.#ending ??= Promise.resolve().then(() => this.#end(reason));
    return this.#ending;
  }

  async #end(reason: string): Promise<void> {
    const info: CloseInfo = { reason, durationMs: Date.now() - this.info.startedAt };
    this.#resolveEnding(reason);
    this.#player.stopAll();
    // The audio ends first: stream operators flush what they hold (the caller's last utterance),
    // and what plugins make of it is reported before session.ended, the session's last event.
    this.fanout.close();
    this.#sent.close();
    await this.#finished();
    this.#acceptingEvents = false;
    this.emit({ type: "session.ended", ...info, source: "core" });
    this.#events.complete();
    try {
      await this.#transport?.close();
    } catch (error) {
      this.host.failed(this, error);
    } finally {
      this.host.ended(this, info);
      this.#resolveClosed(info);
    }
  }

  /** Waits for the work registered with `finishing` (including work it starts meanwhile), at most FINISHING_GRACE_MS. */
  async #finished(): Promise<void> {
    // Everything the end set off runs first: handlers of `ending`, and what the audio closing
    // ended (a bridge, and what the routing plugin does when it ends). What they register with
    // `finishing` is awaited too, however many promise steps away, instead of being missed by a
    // check made before them: a macrotask comes after every microtask they queue.
    await new Promise((resolve) => setTimeout(resolve, 0));
    if (this.#finishing.size === 0) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let timedOut = false;
    const deadline = new Promise<void>((resolve) => (timer = setTimeout(() => resolve(void (timedOut = true)), FINISHING_GRACE_MS)));
    while (this.#finishing.size > 0 && !timedOut) await Promise.race([Promise.all(this.#finishing), deadline]);
    clearTimeout(timer);
  }
}
