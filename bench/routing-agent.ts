// A simulated human agent for the routing load bench: everything goes through the routing plugin's
// HTTP API with the agent's own token, as the agent desktop does: an RTP audio leg opened with
// POST /v1/agent/leg, its notices read from /v1/agent/events, offers accepted (or declined, or left
// to ring out), calls talked for a while and hung up, wrap-ups ended.
import { readEventStream } from "../core/testing.ts";
import type { Rng } from "../media/signal-test-utils.ts";
import type { RtpLeg, RtpLegs } from "./rtp-legs.ts";

/** How an agent behaves, drawn per offer and per call. */
export interface AgentBehaviour {
  /** Share of offers declined. */
  declineShare: number;
  /** Share of offers left to ring out. */
  ringOutShare: number;
  /** From an offer to clicking accept or decline, ms. */
  reactMs: [number, number];
  /** From answer to hanging up, ms (unless the caller hangs up first). */
  talkMs: [number, number];
  /** From the call's end to ending the wrap-up, ms. */
  wrapUpMs: [number, number];
  /** Share of calls whose wrap-up the agent leaves to the queue's wrap-up time. */
  idleWrapUpShare: number;
  /** From being put on break for missed offers to going available again, ms. */
  resumeMs: number;
}

/** What an agent did and saw, counted. */
export interface AgentTally {
  offers: number;
  accepted: number;
  /** Accepts refused: a ring-all colleague took it first, or the caller hung up meanwhile. */
  acceptGone: number;
  declined: number;
  ringOuts: number;
  hangups: number;
  callsEnded: number;
  wrapUps: number;
  autoPauses: number;
  /** API answers that no agent should get (a 5xx, a 400, an accept refused for another reason). */
  unexpected: string[];
}

type Notice = { type: string; offerId?: string; callId?: string; agent?: { status: string } };

/** Picks uniformly in [min, max). */
export function between(rng: Rng, [min, max]: [number, number]): number {
  return min + rng() * (max - min);
}

/** One agent, signed in over HTTP with its token, with an RTP leg of its own. */
export class SimulatedAgent {
  readonly tally: AgentTally = { offers: 0, accepted: 0, acceptGone: 0, declined: 0, ringOuts: 0, hangups: 0, callsEnded: 0, wrapUps: 0, autoPauses: 0, unexpected: [] };
  leg?: RtpLeg;
  legSessionId?: string;
  /** The call the agent is on, if any. */
  callId?: string;
  readonly #timers = new Set<ReturnType<typeof setTimeout>>();
  /** Calls whose end was announced, which can come before the accept's own answer. */
  readonly #endedCalls = new Set<string>();
  readonly #events = new AbortController();
  #streamEnded?: Promise<void>;
  #signingOut = false;

  constructor(readonly id: string, readonly token: string, readonly base: string, readonly behaviour: AgentBehaviour, readonly rng: Rng) {}

  /** Opens the event stream and the audio leg, then goes available. */
  async signIn(legs: RtpLegs, frequency: number): Promise<void> {
    const response = await fetch(`${this.base}/v1/agent/events`, { headers: this.#auth(), signal: this.#events.signal });
    if (response.status !== 200) throw new Error(`agent ${this.id}: event stream answered ${response.status}`);
    this.#streamEnded = readEventStream(response, (data) => this.#notice(data as Notice));
    this.leg = await legs.open(frequency);
    const leg = await this.#api("POST", "/v1/agent/leg", { codec: "pcmu", remote: `127.0.0.1:${this.leg.socket.address().port}` });
    if (leg.status !== 201) throw new Error(`agent ${this.id}: leg answered ${leg.status}`);
    const { sessionId, port } = leg.body as { sessionId: string; port: number };
    this.legSessionId = sessionId;
    this.leg.start(port);
    const available = await this.#api("POST", "/v1/agent/status", { status: "available" });
    if (available.status !== 200) throw new Error(`agent ${this.id}: going available answered ${available.status}`);
  }

  /** Goes offline, hangs up its leg (as a closed desktop would: the admin API stands in for the browser), stops its stream and timers. */
  async signOut(legs: RtpLegs, adminToken: string): Promise<void> {
    this.#signingOut = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    await this.#api("POST", "/v1/agent/status", { status: "offline" });
    if (this.legSessionId) await fetch(`${this.base}/v1/sessions/${this.legSessionId}`, { method: "DELETE", headers: { authorization: `Bearer ${adminToken}` } }).then((r) => r.body?.cancel());
    this.#events.abort();
    await this.#streamEnded;
    if (this.leg) await legs.close(this.leg);
  }

  #auth(): Record<string, string> {
    return { authorization: `Bearer ${this.token}` };
  }

  async #api(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
    const response = await fetch(`${this.base}${path}`, {
      method,
      headers: { ...this.#auth(), ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  }

  /** Runs `work` after `ms`, unless the agent signs out first. */
  #later(ms: number, work: () => Promise<void>): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      if (!this.#signingOut) work().catch((error) => this.tally.unexpected.push(`${this.id}: ${error instanceof Error ? error.message : error}`));
    }, ms);
    this.#timers.add(timer);
  }

  #unexpected(what: string, status: number, body: unknown): void {
    this.tally.unexpected.push(`${this.id} ${what}: ${status} ${JSON.stringify(body)}`);
  }

  #notice(notice: Notice): void {
    if (this.#signingOut) return;
    switch (notice.type) {
      case "offer":
        this.#offered(notice.offerId!);
        break;
      case "call.ended":
        this.#endedCalls.add(notice.callId!);
        if (notice.callId === this.callId) this.#ended();
        break;
      case "agent.updated":
        // Only the router puts these agents on break: too many offers missed in a row.
        if (notice.agent?.status === "on_break") {
          this.tally.autoPauses++;
          this.#later(this.behaviour.resumeMs, () => this.#goAvailable());
        }
        break;
    }
  }

  #offered(offerId: string): void {
    this.tally.offers++;
    const { declineShare, ringOutShare, reactMs, talkMs } = this.behaviour;
    const draw = this.rng();
    if (draw < ringOutShare) {
      this.tally.ringOuts++;
      return;
    }
    this.#later(between(this.rng, reactMs), async () => {
      if (draw < ringOutShare + declineShare) {
        const declined = await this.#api("POST", `/v1/offers/${offerId}/decline`);
        if (declined.status === 204) this.tally.declined++;
        else if (declined.status !== 409) this.#unexpected("decline", declined.status, declined.body);
        return;
      }
      const accepted = await this.#api("POST", `/v1/offers/${offerId}/accept`);
      if (accepted.status === 409) {
        this.tally.acceptGone++;
        return;
      }
      if (accepted.status !== 200) return this.#unexpected("accept", accepted.status, accepted.body);
      this.tally.accepted++;
      const callId = (accepted.body as { callId: string }).callId;
      this.callId = callId;
      if (this.#endedCalls.has(callId)) return this.#ended();
      this.#later(between(this.rng, talkMs), async () => {
        if (this.callId !== callId) return;
        const hungUp = await this.#api("POST", "/v1/agent/call/hangup");
        if (hungUp.status === 204) this.tally.hangups++;
        // 409: the caller hung up first; call.ended is on its way.
        else if (hungUp.status !== 409) this.#unexpected("hangup", hungUp.status, hungUp.body);
      });
    });
  }

  #ended(): void {
    this.tally.callsEnded++;
    this.callId = undefined;
    if (this.rng() < this.behaviour.idleWrapUpShare) return;
    this.#later(between(this.rng, this.behaviour.wrapUpMs), async () => {
      const done = await this.#api("POST", "/v1/agent/wrapup", { disposition: "resolved", notes: "load bench" });
      if (done.status === 204) this.tally.wrapUps++;
      // 409: the queue's wrap-up time ended first.
      else if (done.status !== 409) this.#unexpected("wrapup", done.status, done.body);
    });
  }

  async #goAvailable(): Promise<void> {
    const available = await this.#api("POST", "/v1/agent/status", { status: "available" });
    if (available.status !== 200) this.#unexpected("resume", available.status, available.body);
  }
}
