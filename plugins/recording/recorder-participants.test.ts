// Who took part in a recorded call, as the caller's session tells it: the agent bridged to the
// caller, then a consulted agent and a listening supervisor in the conference the call became.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { SessionEvent, SessionInfo } from "../../core/mod.ts";
import { recordingFiles } from "./files.ts";
import { Recorder } from "./recorder.ts";

const folder = mkdtempSync(join(tmpdir(), "parley-participants-"));
test.after(() => rmSync(folder, { recursive: true, force: true }));

const T0 = 1_000_000;
const info: SessionInfo = { id: "caller", transport: "rtp", codec: "pcmu", sampleRate: 8000, startedAt: T0, metadata: {} };
const event = (type: string, ts: number, fields: Record<string, unknown>) => ({ type, sessionId: info.id, ts, source: "test", ...fields }) as unknown as SessionEvent;

test("the bridged agent, then the consulted agent and the supervisor who joined the call's conference, are participants with their times; the caller's own joins are not", async () => {
  const recorder = new Recorder(recordingFiles(folder, info.id), info, 8000, () => true);
  recorder.event(event("bridge.started", T0 + 1000, { peer: "agent-ann", bridgeId: "b1" }));
  recorder.event(event("bridge.ended", T0 + 2000, { peer: "agent-ann", bridgeId: "b1", reason: "conference" }));
  for (const leg of ["caller", "agent-ann", "agent-bob", "supervisor-sue"]) recorder.event(event("conference.joined", T0 + 2000 + (leg === "supervisor-sue" ? 1000 : 0), { conferenceId: "c1", leg }));
  recorder.event(event("conference.left", T0 + 4000, { conferenceId: "c1", leg: "agent-bob", reason: "hangup" }));
  const document = await recorder.finish({ at: T0 + 5000, reason: "hangup", durationMs: 5000 });
  const presence = Object.fromEntries(document.participants.map((p) => [p.id, p.presence.map((stretch) => [stretch.joinedAt - T0, stretch.leftAt - T0, stretch.bridgeId ?? stretch.conferenceId])]));
  assert.equal(presence, {
    caller: [[0, 5000, undefined]],
    "agent-ann": [[1000, 2000, "b1"], [2000, 5000, "c1"]],
    "agent-bob": [[2000, 4000, "c1"]],
    "supervisor-sue": [[3000, 5000, "c1"]],
  });
  assert.equal(document.channels[1]!.participants, ["agent-ann", "agent-bob", "supervisor-sue"]);
});

test.run();
