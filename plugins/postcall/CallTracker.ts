// Follows every leg's events and ties agents' legs to the callers they were bridged to, so that a
// call's record gets the agent's words too. A leg is an agent's when its metadata carries the
// agent-leg key (the routing plugin's `agentLeg`), or when it was bridged to a leg that started
// before it (core `bridge()` between two legs nobody marked: the first one is taken as the caller).
// A caller's record is built `settleMs` after its end, so results still on their way from its legs
// (the agent's last transcript, recognised after the hang-up) are in it.
import type { Session } from "../../core/mod.ts";
import type { CallEvents, LegEvents, ObservedEvent } from "./call-events.ts";

/** Event types kept of an agent's leg: its words and when it spoke. */
const AGENT_EVENT_TYPES = new Set(["transcript", "vad.speech_end"]);

/** Most events kept of one agent's leg (the latest): an agent leg lives across many calls. */
const AGENT_EVENT_LIMIT = 5000;

/** Event types never kept: too many, and the record has no use for them. */
const SKIPPED_TYPES = new Set(["transcript.partial"]);

interface Leg extends LegEvents {
  session: Session;
  agent: boolean;
  ended: boolean;
  /** For callers: events of the legs bridged to it, copied out when each bridge ended. */
  peerEvents: Map<string, LegEvents>;
  /** Bridges of a caller whose peer events have been copied. */
  pulled: Set<string>;
  finishing?: ReturnType<typeof setTimeout>;
}

/** Follows legs and hands each caller's finished call to `done`. */
export class CallTracker {
  readonly #legs = new Map<string, Leg>();
  readonly #timers = new Set<ReturnType<typeof setTimeout>>();

  constructor(readonly options: { settleMs: number; agentLegKey: string }, readonly done: (call: CallEvents) => void) {}

  /** Starts following a leg. */
  open(session: Session): void {
    this.#legs.set(session.id, {
      session,
      legId: session.id,
      startedAt: session.info.startedAt,
      events: [],
      agent: session.info.metadata[this.options.agentLegKey] !== undefined,
      ended: false,
      peerEvents: new Map(),
      pulled: new Set(),
    });
  }

  /** Takes in one of a leg's events. */
  event(legId: string, event: ObservedEvent): void {
    const leg = this.#legs.get(legId);
    if (!leg || SKIPPED_TYPES.has(event.type)) return;
    if (leg.agent) {
      if (!AGENT_EVENT_TYPES.has(event.type)) return;
      leg.events.push(event);
      if (leg.events.length > AGENT_EVENT_LIMIT) leg.events.splice(0, leg.events.length - AGENT_EVENT_LIMIT);
      return;
    }
    leg.events.push(event);
    if (event.type === "bridge.started") this.#bridged(leg, String(event.peer));
    else if (event.type === "bridge.ended") {
      const bridgeId = String(event.bridgeId);
      this.#later(() => this.#pull(leg, bridgeId));
    } else if (event.type === "session.ended") this.ended(legId);
  }

  /** A leg ended (its `session.ended`, or its events completing): a caller's record follows after `settleMs`. */
  ended(legId: string): void {
    const leg = this.#legs.get(legId);
    if (!leg || leg.ended) return;
    leg.ended = true;
    if (leg.agent) {
      // Kept until the callers bridged to it have copied their part.
      this.#later(() => this.#legs.delete(legId), 2);
      return;
    }
    leg.finishing = this.#later(() => this.#finish(leg));
  }

  /** Builds every ended caller's record now, without waiting (the server is closing). */
  flush(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    for (const leg of [...this.#legs.values()]) if (leg.ended && !leg.agent) this.#finish(leg);
    this.#legs.clear();
  }

  #later(work: () => void, settles = 1): ReturnType<typeof setTimeout> {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      work();
    }, this.options.settleMs * settles);
    this.#timers.add(timer);
    return timer;
  }

  /** The caller leg of a bridge is the marked one's other side, else the one that started first. */
  #bridged(leg: Leg, peerId: string): void {
    const peer = this.#legs.get(peerId);
    if (!peer || peer.agent) return;
    const callerFirst = leg.startedAt < peer.startedAt || (leg.startedAt === peer.startedAt && leg.legId < peer.legId);
    const agent = callerFirst ? peer : leg;
    agent.agent = true;
    agent.events = agent.events.filter((event) => AGENT_EVENT_TYPES.has(event.type));
  }

  /** Copies the events a bridge's peer had during it into the caller. */
  #pull(caller: Leg, bridgeId: string): void {
    if (caller.agent || caller.pulled.has(bridgeId)) return;
    const started = caller.events.find((event) => event.type === "bridge.started" && event.bridgeId === bridgeId);
    const peer = started && this.#legs.get(String(started.peer));
    if (!started || !peer) return;
    caller.pulled.add(bridgeId);
    const ended = caller.events.find((event) => event.type === "bridge.ended" && event.bridgeId === bridgeId);
    // A result recognised after the bridge ended may still be of speech within it: timeline.ts
    // places each by its media time; here only the events from the bridge's start on are copied.
    const during = peer.events.filter((event) => event.ts >= started.ts);
    const copied = caller.peerEvents.get(peer.legId) ?? { legId: peer.legId, startedAt: peer.startedAt, events: [] };
    copied.events.push(...during);
    caller.peerEvents.set(peer.legId, copied);
    if (ended) peer.events = peer.events.filter((event) => event.ts > Date.now());
  }

  #finish(caller: Leg): void {
    if (!this.#legs.delete(caller.legId)) return;
    for (const event of caller.events) if (event.type === "bridge.started") this.#pull(caller, String(event.bridgeId));
    const { info } = caller.session;
    this.done({
      caller: { legId: caller.legId, startedAt: caller.startedAt, events: caller.events, transport: info.transport, codec: info.codec, ...(info.remote ? { remote: info.remote } : {}), metadata: { ...info.metadata } },
      peers: [...caller.peerEvents.values()],
    });
  }
}
