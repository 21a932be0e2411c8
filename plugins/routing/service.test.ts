import { Observable, Subject } from "rxjs";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { AudioClip, type EventInput, type Playback, type Session, type SessionEvent } from "../../core/mod.ts";
import type { AudioFrame } from "../../media/mod.ts";
import type { RoutingError } from "./RoutingError.ts";
import { RoutingService } from "./service.ts";
import type { AgentNotice } from "./service.ts";

/** A call leg as the routing service sees it: events in and out, what it was asked to play, hangup. A double for a unit test; the scenario test drives real legs. */
class FakeLeg {
  readonly events = new Subject<SessionEvent>();
  readonly emitted: SessionEvent[] = [];
  readonly played: { source: unknown; loop?: boolean; bargeIn?: boolean }[] = [];
  readonly audioFrames = new Subject<AudioFrame>();
  readonly outputRate = 8000;
  #closed!: (info: { reason: string; durationMs: number }) => void;
  readonly closed = new Promise<{ reason: string; durationMs: number }>((resolve) => (this.#closed = resolve));
  #ending!: (reason: string) => void;
  readonly ending = new Promise<string>((resolve) => (this.#ending = resolve));
  readonly #finishing: Promise<unknown>[] = [];
  readonly info;
  constructor(readonly id: string, metadata: Record<string, string> = {}) {
    this.info = { id, transport: "rtp", codec: "pcmu", sampleRate: 8000, startedAt: 1_000_000, metadata };
  }
  get events$() {
    return this.events.asObservable();
  }
  audio(): Observable<AudioFrame> {
    return this.audioFrames.asObservable();
  }
  emit(event: EventInput): void {
    const full = { ...event, sessionId: this.id, ts: event.ts ?? Date.now(), source: event.source ?? "app" } as SessionEvent;
    this.emitted.push(full);
    this.events.next(full);
  }
  play(source: unknown, options: { loop?: boolean; bargeIn?: boolean } = {}): Playback {
    this.played.push({ source, loop: options.loop, bargeIn: options.bargeIn });
    return { id: `p${this.played.length}`, playedMs: 0, paused: false, bargeIn: options.bargeIn !== false, done: new Promise(() => {}), pause() {}, resume() {}, cancel() {} };
  }
  finishing(work: Promise<unknown>): void {
    this.#finishing.push(work);
  }
  /** Ends as a real session does: `ending`, then the work plugins registered, then the last events and `closed`. */
  async hangup(): Promise<void> {
    this.#ending("hangup");
    this.audioFrames.complete();
    await new Promise((resolve) => setTimeout(resolve, 0));
    await Promise.all(this.#finishing);
    this.events.complete();
    this.#closed({ reason: "hangup", durationMs: 0 });
  }
  asSession(): Session {
    return this as unknown as Session;
  }
}

const POLICY = { intentQueues: { billing: "billing" }, defaultQueue: "support", fraudQueue: "fraud", escalationPriority: 10, valuePriority: { gold: 5 }, announceEverySeconds: 0 };

async function setup(options: { agentEvents?: string[] } = {}) {
  const service = new RoutingService(POLICY, { clock: () => () => {}, ...options });
  for (const id of ["support", "billing", "fraud"]) await service.router.addQueue({ id, wrapUpSeconds: 30 });
  const notices: { agentId: string; notice: AgentNotice }[] = [];
  service.notices$.subscribe((notice) => notices.push(notice));
  const flush = () => new Promise((resolve) => setTimeout(resolve, 5));
  return { service, notices, flush };
}

async function agentWithLeg(service: RoutingService, id: string): Promise<FakeLeg> {
  await service.router.addAgent({ id, name: id.toUpperCase() });
  const leg = new FakeLeg(`leg-${id}`, { agentLeg: service.expectLeg(id) });
  service.attach(leg.asSession());
  await service.setStatus(id, "available");
  return leg;
}

function handOver(caller: FakeLeg, intent = "billing"): void {
  caller.emit({ type: "voicebot.intent", intent, via: "speech", text: intent, source: "voicebot" } as EventInput);
  caller.emit({ type: "route.request", intent: "agent", reason: "caller_request", transcript: [], source: "voicebot" } as EventInput);
}

test("a handed-over caller waits in the queue of its topic with hold music and hears its position", async () => {
  const { service, flush } = await setup();
  const caller = new FakeLeg("c1");
  service.attach(caller.asSession());
  handOver(caller);
  await flush();
  const entered = caller.emitted.find((e) => e.type === "queue.entered") as { queueId: string; position: number } | undefined;
  assert.equal([entered?.queueId, entered?.position], ["billing", 1]);
  assert.ok(caller.played.some((p) => p.source instanceof AudioClip && p.loop && p.bargeIn === false), "hold music, looped, which the caller's speech does not stop");
  const said = caller.emitted.find((e) => e.type === "tts.say") as { text: string } | undefined;
  assert.match(said?.text ?? "", /number 1 in the queue/);
});

test("an agent is offered the call with its context, accepts, and is told when the caller hangs up; then wraps up", async () => {
  const { service, notices, flush } = await setup();
  const leg = await agentWithLeg(service, "ann");
  const caller = new FakeLeg("c1", { accountNumber: "12345" });
  service.attach(caller.asSession());
  handOver(caller);
  await flush();
  const offer = notices.find((n) => n.notice.type === "offer")?.notice as Extract<AgentNotice, { type: "offer" }>;
  assert.ok(offer, "an offer reached the agent");
  assert.match(offer.context.summary, /account 12345 wants billing \(asked for a person\)/);
  const accepted = await service.accept(offer.offerId, "ann");
  assert.is(accepted.callId, "c1");
  assert.ok(caller.emitted.some((e) => e.type === "bridge.started") && leg.emitted.some((e) => e.type === "bridge.started"), "bridged");
  await caller.hangup();
  await flush();
  assert.ok(notices.some((n) => n.notice.type === "call.ended"), "the agent is told");
  assert.is((await service.router.store.getAgent("ann"))?.state, "wrap_up");
  await service.wrapUp("ann");
  assert.is((await service.router.store.getAgent("ann"))?.state, "idle");
});

test("the caller's events named by agentEvents reach the agent on the call as call.event notices, and only while the agent is on it", async () => {
  const { service, notices, flush } = await setup({ agentEvents: ["assist.*", "deepfake"] });
  await agentWithLeg(service, "ann");
  const caller = new FakeLeg("c1");
  service.attach(caller.asSession());
  const suggestion = (query: string) => caller.emit({ type: "assist.suggestions", query, articles: [], source: "assist" } as EventInput);
  suggestion("before the agent");
  handOver(caller);
  await flush();
  const offer = notices.find((n) => n.notice.type === "offer")!.notice as Extract<AgentNotice, { type: "offer" }>;
  await service.accept(offer.offerId, "ann");
  suggestion("on the call");
  caller.emit({ type: "assist.alert", reason: "escalation", label: "angry", score: 0.9, source: "assist" } as EventInput);
  caller.emit({ type: "emotion.escalation", label: "angry", score: 0.9, threshold: 0.7, sinceMs: 0, durationMs: 5000, source: "emotion" } as EventInput);
  await caller.hangup();
  suggestion("after the call");
  await flush();
  const forwarded = notices.filter((n) => n.notice.type === "call.event").map((n) => ({ agentId: n.agentId, ...(n.notice as Extract<AgentNotice, { type: "call.event" }>) }));
  assert.equal(forwarded.map((n) => [n.agentId, n.callId, n.event.type, n.event.query ?? n.event.reason]), [["ann", "c1", "assist.suggestions", "on the call"], ["ann", "c1", "assist.alert", "escalation"]]);
});

/** The code `work` was refused with (a test fails on work that succeeds). */
async function refusal(work: Promise<unknown>): Promise<string> {
  try {
    await work;
  } catch (error) {
    return (error as RoutingError).code;
  }
  return "accepted";
}

/** A caller handed over and accepted by `agentId`: the call as the service sees it. */
async function connectedCall(service: RoutingService, notices: { agentId: string; notice: AgentNotice }[], flush: () => Promise<unknown>, agentId = "ann") {
  const caller = new FakeLeg("c1", { accountNumber: "12345" });
  service.attach(caller.asSession());
  handOver(caller);
  await flush();
  const offer = notices.find((n) => n.notice.type === "offer")!.notice as Extract<AgentNotice, { type: "offer" }>;
  await service.accept(offer.offerId, agentId);
  return caller;
}

test("a supervisor's leg joins a call in listen mode (the bridge becomes a conference), switches to whisper and barge live, and leaves; bad order is refused with codes", async () => {
  const { service, notices, flush } = await setup();
  const agent = await agentWithLeg(service, "ann");
  assert.throws(() => service.supervise("c1", "sup", "listen"), (error: RoutingError) => error.code === "unknown_call");
  const caller = await connectedCall(service, notices, flush);
  assert.throws(() => service.supervise("c1", "no-leg", "listen"), (error: RoutingError) => error.code === "unknown_leg");
  const supervisor = new FakeLeg("sup", { supervisorLeg: service.expectSupervisorLeg() });
  service.attach(supervisor.asSession());
  assert.equal(service.supervise("c1", "sup", "listen"), { callId: "c1", leg: "sup", mode: "listen" });
  assert.ok(caller.emitted.some((e) => e.type === "bridge.ended") && caller.emitted.some((e) => e.type === "conference.joined"), "the bridge became a conference");
  const hears = () => caller.emitted.filter((e) => e.type === "conference.hearing").map((e) => e.type === "conference.hearing" && `${e.listener} ${e.hears ? "hears" : "does not hear"} ${e.speaker}`);
  // A leg that joins unheard changes no hearing: none is reported until a mode lets someone hear it.
  assert.equal(hears(), [], "listen: nobody hears the supervisor");
  service.supervise("c1", "sup", "whisper");
  assert.ok(agent.emitted.some((e) => e.type === "conference.hearing" && e.listener === "leg-ann" && e.hears), "whisper: the agent hears the supervisor");
  assert.equal(hears(), [], "whisper: the caller still does not");
  service.supervise("c1", "sup", "barge");
  assert.equal(hears(), ["c1 hears sup"], "barge: the caller hears the supervisor too");
  assert.equal(caller.emitted.filter((e) => e.type === "supervisor.mode").map((e) => e.type === "supervisor.mode" && e.mode), ["listen", "whisper", "barge"]);
  service.unsupervise("c1", "sup");
  assert.ok(caller.emitted.some((e) => e.type === "supervisor.left"));
  assert.throws(() => service.unsupervise("c1"), (error: RoutingError) => error.code === "unknown_leg");
  // The call goes on as a conference: hold still works, and the caller hanging up completes the agent's part.
  await service.hold("ann");
  assert.ok(caller.emitted.some((e) => e.type === "conference.held"));
  await caller.hangup();
  await flush();
  assert.is((await service.router.store.getAgent("ann"))?.state, "wrap_up");
  assert.ok(caller.emitted.some((e) => e.type === "call.completed"));
});

test("consult and warm transfer: the caller on hold, the second agent offered the consult with the context, joins, then the first agent leaves and wraps up", async () => {
  const { service, notices, flush } = await setup();
  await agentWithLeg(service, "ann");
  const caller = await connectedCall(service, notices, flush);
  const bob = await agentWithLeg(service, "bob");
  assert.is(await refusal(service.completeTransfer("ann")), "consult_state");
  assert.is(await refusal(service.consult("ann", "ann")), "invalid_agent");
  const { offerId } = await service.consult("ann", "bob");
  assert.ok(caller.emitted.some((e) => e.type === "bridge.held"), "the caller is on hold");
  const briefing = notices.find((n) => n.agentId === "bob" && n.notice.type === "offer")?.notice as Extract<AgentNotice, { type: "offer" }>;
  assert.equal([briefing.offerId, briefing.consultFrom], [offerId, "ann"]);
  assert.match(briefing.context.summary, /account 12345 wants billing/);
  assert.is((await service.router.store.getAgent("bob"))?.state, "reserved");
  await service.accept(offerId, "bob");
  assert.ok(bob.emitted.some((e) => e.type === "conference.joined"), "Bob's leg joined the call");
  assert.is(caller.emitted.filter((e) => e.type === "conference.held").length, 1, "the caller is still on hold in the conference");
  await service.completeTransfer("ann");
  await flush();
  assert.ok(caller.emitted.some((e) => e.type === "conference.unheld"), "the caller is off hold");
  assert.equal([(await service.router.store.getAgent("ann"))?.state, (await service.router.store.getAgent("bob"))?.state], ["wrap_up", "on_call"]);
  assert.equal(caller.emitted.filter((e) => e.type === "call.completed").map((e) => e.type === "call.completed" && e.agentId), ["ann"]);
  await caller.hangup();
  await flush();
  assert.equal(caller.emitted.filter((e) => e.type === "call.completed").map((e) => e.type === "call.completed" && e.agentId), ["ann", "bob"]);
});

test("a consult declined or cancelled: the consulted agent is freed and the caller comes off hold", async () => {
  const { service, notices, flush } = await setup();
  await agentWithLeg(service, "ann");
  const caller = await connectedCall(service, notices, flush);
  await agentWithLeg(service, "bob");
  const first = await service.consult("ann", "bob");
  assert.is(await refusal(service.consult("ann", "bob")), "consult_state");
  await service.decline(first.offerId, "bob");
  assert.is((await service.router.store.getAgent("bob"))?.state, "idle");
  assert.ok(caller.emitted.some((e) => e.type === "bridge.unheld"));
  const second = await service.consult("ann", "bob");
  await service.accept(second.offerId, "bob");
  await service.cancelConsult("ann");
  await flush();
  assert.is((await service.router.store.getAgent("bob"))?.state, "wrap_up");
  assert.equal(caller.emitted.filter((e) => e.type === "consult.ended").map((e) => e.type === "consult.ended" && e.reason), ["declined", "cancelled"]);
  await service.unhold("ann");
});

test("an agent whose leg is lost mid-call: the caller hears why and is first in line again", async () => {
  const { service, notices, flush } = await setup();
  const leg = await agentWithLeg(service, "ann");
  const caller = new FakeLeg("c1");
  service.attach(caller.asSession());
  handOver(caller);
  await flush();
  const offer = notices.find((n) => n.notice.type === "offer")!.notice as Extract<AgentNotice, { type: "offer" }>;
  await service.accept(offer.offerId, "ann");
  const other = new FakeLeg("c2");
  service.attach(other.asSession());
  handOver(other);
  await leg.hangup();
  await flush();
  assert.ok(caller.emitted.some((e) => e.type === "tts.say" && /lost the connection/.test((e as { text: string }).text)));
  assert.equal([await service.router.position("c1"), await service.router.position("c2")], [1, 2]);
  assert.is((await service.router.store.getAgent("ann"))?.status, "offline");
});

test("waiting callers: star asks for a callback (not an abandon), escalation moves ahead, a synthetic voice goes to fraud review, a hang-up is reported abandoned", async () => {
  const { service, flush } = await setup();
  const [first, angry, cloned] = [new FakeLeg("first"), new FakeLeg("angry"), new FakeLeg("cloned")];
  for (const caller of [first, angry, cloned]) service.attach(caller.asSession());
  handOver(first, "other");
  handOver(angry, "other");
  cloned.emit({ type: "deepfake", status: "ok", verdict: "synthetic", score: 0.97, reliable: true, source: "deepfake" } as unknown as EventInput);
  handOver(cloned, "other");
  await flush();
  assert.is((await service.router.store.getCall("cloned"))?.queueId, "fraud");
  angry.emit({ type: "emotion.escalation", label: "angry", score: 0.9, threshold: 0.6, sinceMs: 0, durationMs: 5000, source: "emotion" } as EventInput);
  await flush();
  assert.equal([await service.router.position("angry"), await service.router.position("first")], [1, 2]);
  first.emit({ type: "dtmf", digit: "*", durationMs: 100, source: "rtp" });
  await flush();
  assert.ok(first.emitted.some((e) => e.type === "queue.callback_requested"));
  assert.is((await service.router.stats("support")).abandoned, 0);
  await angry.hangup();
  await flush();
  assert.is((await service.router.stats("support")).abandoned, 1);
  assert.ok(angry.emitted.some((e) => e.type === "queue.abandoned"), "queue.abandoned goes out on the caller's session before it closes");
});

test("a leg is an agent's only when opened with the mark the plugin gave: metadata naming an agent proves nothing", async () => {
  const { service } = await setup();
  await service.router.addAgent({ id: "ann" });
  service.attach(new FakeLeg("forged", { agentLeg: "ann", agentId: "ann" }).asSession());
  assert.is(service.leg("ann"), undefined);
  const real = new FakeLeg("real", { agentLeg: service.expectLeg("ann") });
  service.attach(real.asSession());
  assert.is(service.leg("ann")?.id, "real");
});

test("an agent without its audio leg cannot go available", async () => {
  const { service } = await setup();
  await service.router.addAgent({ id: "bob" });
  await service.setStatus("bob", "available").then(() => assert.unreachable("refused"), (error) => assert.match(String(error), /no audio/));
});

test.run();
