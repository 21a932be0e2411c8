import { test } from "uvu";
import * as assert from "uvu/assert";
import { rms, toneAmplitude } from "../media/signal-test-utils.ts";
import { bridge } from "./Bridge.ts";
import type { SessionEvent } from "./events.ts";
import { createServer, type ParleyServer } from "./server.ts";
import { TonePhone as Phone } from "./tone-phone.ts";
import { sleep, waitFor } from "./testing.ts";

const PORTS = "46400-46499";
const CALLER_HZ = 600;
const AGENT_HZ = 1400;

async function withCallerAndAgent(run: (caller: Phone, agent: Phone, server: ParleyServer, events: SessionEvent[]) => Promise<void>): Promise<void> {
  const server = createServer({ http: { port: 0, host: "127.0.0.1" }, rtp: { ports: PORTS, symmetric: false } });
  const caller = new Phone("pcmu", CALLER_HZ);
  const agent = new Phone("opus", AGENT_HZ);
  const events: SessionEvent[] = [];
  server.events$.subscribe((event) => events.push(event));
  try {
    await server.listen();
    await caller.call(server);
    await agent.call(server);
    await sleep(200);
    await run(caller, agent, server, events);
  } finally {
    await Promise.all([caller.close(), agent.close()]);
    await server.close();
  }
}

test("bridged legs hear each other across codecs (PCMU caller, Opus agent), each after at most a frame beyond its jitter buffer", async () => {
  await withCallerAndAgent(async (caller, agent, _server, events) => {
    const connected = bridge(caller.session, agent.session);
    await sleep(200);
    caller.startTone();
    agent.startTone();
    await sleep(1500);
    const callerHears = caller.heardSince(caller.toneFrom + 300);
    const agentHears = agent.heardSince(agent.toneFrom + 300);
    assert.ok(toneAmplitude(callerHears, AGENT_HZ, caller.rate) > 4000, `the caller hears the agent: ${toneAmplitude(callerHears, AGENT_HZ, caller.rate)}`);
    assert.ok(toneAmplitude(agentHears, CALLER_HZ, agent.rate) > 4000, `the agent hears the caller: ${toneAmplitude(agentHears, CALLER_HZ, agent.rate)}`);
    assert.ok(toneAmplitude(callerHears, CALLER_HZ, caller.rate) < 200, "the caller does not hear itself");
    // The jitter buffer holds at most 40 ms; the bridge adds at most one 20 ms frame; 40 ms more for timers on a busy machine.
    for (const [phone, frequency, name] of [[agent, CALLER_HZ, "caller to agent"], [caller, AGENT_HZ, "agent to caller"]] as const) {
      const delay = phone.firstHeard(frequency, frequency === CALLER_HZ ? caller.toneFrom : agent.toneFrom);
      assert.ok(delay !== undefined && delay < 100, `${name}: ${delay?.toFixed(1)} ms`);
    }
    assert.is(events.filter((e) => e.type === "bridge.started").length, 2);
    connected.unbridge();
    assert.equal((await connected.ended).reason, "unbridged");
  });
});

test("hold: the held caller hears hold music and the agent nothing of the caller; unhold joins them again", async () => {
  await withCallerAndAgent(async (caller, agent, _server, events) => {
    const connected = bridge(caller.session, agent.session);
    caller.startTone();
    agent.startTone();
    await sleep(300);
    connected.hold(caller.session);
    const heldAt = performance.now();
    await sleep(1200);
    const callerHears = caller.heardSince(heldAt + 200);
    assert.ok(rms(callerHears) > 300, `hold music, rms ${rms(callerHears)}`);
    assert.ok(toneAmplitude(callerHears, AGENT_HZ, caller.rate) < 300, "not the agent");
    const agentHears = agent.heardSince(heldAt + 200);
    assert.ok(toneAmplitude(agentHears, CALLER_HZ, agent.rate) < 200, "the agent does not hear the held caller");
    assert.equal(connected.held.map((leg) => leg.id), [caller.session.id]);
    connected.unhold(caller.session);
    const unheldAt = performance.now();
    await sleep(800);
    assert.ok(toneAmplitude(caller.heardSince(unheldAt + 200), AGENT_HZ, caller.rate) > 4000, "the caller hears the agent again");
    assert.ok(toneAmplitude(agent.heardSince(unheldAt + 200), CALLER_HZ, agent.rate) > 4000, "the agent hears the caller again");
    assert.equal(events.filter((e) => e.type === "bridge.held" || e.type === "bridge.unheld").map((e) => `${e.type} ${e.sessionId === caller.session.id ? "caller" : "agent"}`).sort(), [
      "bridge.held agent", "bridge.held caller", "bridge.unheld agent", "bridge.unheld caller",
    ]);
    connected.unbridge();
    assert.ok((await connected.ended).heldMs >= 1100);
  });
});

test("a leg that hangs up ends the bridge at once; the other leg stays up and hears nothing more", async () => {
  await withCallerAndAgent(async (caller, agent, server, events) => {
    const connected = bridge(caller.session, agent.session);
    agent.startTone();
    await sleep(300);
    void agent.session.hangup("agent_left");
    const end = await connected.ended;
    assert.equal([end.reason, end.endedLeg], ["leg_ended", agent.session.id]);
    const ended = events.find((e): e is Extract<SessionEvent, { type: "bridge.ended" }> => e.type === "bridge.ended" && e.sessionId === caller.session.id);
    assert.equal([ended?.reason, ended?.peer], ["leg_ended", agent.session.id]);
    await waitFor(() => !server.session(agent.session.id), 2000, "the agent's leg gone");
    assert.ok(server.session(caller.session.id), "the caller's leg is still up");
    // The phone shares this event loop: a frame sent before the end may still wait in its socket
    // behind a busy loop (Deno, two test lanes), so what arrives in the next 60 ms is not judged.
    const after = performance.now() + 60;
    await sleep(460);
    assert.ok(toneAmplitude(caller.heardSince(after), AGENT_HZ, caller.rate) < 200, "nothing of the agent after the bridge ended");
  });
});

test("a bridge refuses a session bridged to itself and a stranger put on hold", async () => {
  await withCallerAndAgent(async (caller, agent, server) => {
    assert.throws(() => bridge(caller.session, caller.session), /itself/);
    const third = await server.rtp.open({ codec: "pcmu", remote: "127.0.0.1:9", symmetric: false });
    const connected = bridge(caller.session, agent.session);
    assert.throws(() => connected.hold(third.session), /not a leg/);
    connected.unbridge();
  });
});

test.run();
