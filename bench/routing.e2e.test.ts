// test: alone (latency measured)
import { test } from "uvu";
import * as assert from "uvu/assert";
import { routingLoadOptions, runRoutingLoad } from "./routing-run.ts";

test("a short routing load loses no call, times its routing decisions and leaves no session, port or handle behind", async () => {
  const result = await runRoutingLoad({ ...routingLoadOptions(30, 6, 10), ports: "62000-62099", abandonShare: 0.3 });
  const { calls, server } = result;
  assert.is(calls.placed, 30);
  assert.equal(calls.lostDetails, [], "every caller was answered, abandoned or overflowed, and hung up");
  assert.is(calls.answered + calls.abandoned + calls.overflowed, 30);
  assert.is(server.answered + server.abandoned + server.overflowedOut, 30, "the router counted each call once");
  assert.ok(calls.answered > 0, "some calls were answered");
  assert.ok(result.audio.bothWays > 0 && result.audio.bothWays === result.audio.checked, `audio crossed ${result.audio.bothWays} of ${result.audio.checked} bridges both ways`);
  assert.ok(result.decisionMs.count > 0, "routing decisions were timed");
  // Decision times are reported, not gated here (a busy machine makes timed tests fail): the
  // 2-minute bench (`npm run bench:routing`, about 950 decisions) gates their p99 at 5 ms.
  assert.equal(result.agents.unexpected, [], "no API call failed");
  assert.is(result.leftBehind.sessionsBeforeClose, 0, "no session left once callers and agents hung up");
  assert.is(result.leftBehind.sessionsAfterClose, 0);
  assert.equal(result.leftBehind.portsStillBound, [], "every RTP port can be bound again");
  assert.equal(result.leftBehind.handlesLeft, {}, "no timer, socket or other handle left");
  console.log(`  ${calls.answered} answered, ${calls.abandoned} abandoned, ${calls.overflowed} overflowed; decision p50 ${result.decisionMs.p50} p99 ${result.decisionMs.p99} ms; ${result.wallSeconds.toFixed(1)} s`);
});

test.run();
