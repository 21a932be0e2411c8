// A recorded call over real RTP: the caller speaks while the bot plays a prompt, then an agent's
// leg is bridged in and speaks. The caller's words must be on the left channel, the prompt and
// the agent's words on the right, both where they were heard, and the metadata must name both.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { AudioClip, bridge, createServer } from "../../core/mod.ts";
import { concatFrames, findAlignment, secondBySecond, waitFor } from "../../core/testing.ts";
import { readWav } from "../../media/wav.ts";
import { RtpTestPeer, resample, speechClip } from "../testing.ts";
import type { RecordingDocument } from "./document.ts";
import { recording } from "./plugin.ts";
import { channels, telephone } from "./testing.ts";

const PORTS = "46700-46719";

/** Received packets laid out at their RTP timestamps (8 kHz), silence where nothing was sent. */
function placed(packets: Int16Array[], timestamps: number[]): Int16Array {
  const first = timestamps[0] ?? 0;
  const out = new Int16Array(packets.length === 0 ? 0 : timestamps.at(-1)! - first + packets.at(-1)!.length);
  packets.forEach((samples, i) => out.set(samples, timestamps[i]! - first));
  return out;
}

test("a call with a prompt and a bridged agent is recorded: the caller left, the prompt and the agent right, aligned, with both participants in the metadata", async () => {
  const callerClip = speechClip("goforward.wav");
  const promptClip = speechClip("cards-002.wav");
  const agentClip = speechClip("cards-003.wav");
  if (!callerClip || !promptClip || !agentClip) return;
  const directory = mkdtempSync(join(tmpdir(), "parley-recording-"));
  const server = createServer({ http: { port: 0, host: "127.0.0.1" }, rtp: { ports: PORTS, symmetric: false } }).use(recording, { directory });
  try {
    await server.listen();
    const caller = await server.rtp.open({ codec: "pcmu" });
    const callerPeer = new RtpTestPeer(caller.port);
    // What the server decoded of the caller: what the left channel must hold (a stall of this
    // process, which is also the sender, can lose packets before they reach the recorder).
    const decoded: Int16Array[] = [];
    caller.session.audio(16000).subscribe((frame) => decoded.push(frame.samples.slice()));
    const agent = await server.rtp.open({ codec: "pcmu" });
    const agentPeer = new RtpTestPeer(agent.port, 0x7a11);
    try {
      // The caller talks over the prompt, both from the start of the call.
      const talking = callerPeer.sendRealTime(callerClip.samples, callerClip.sampleRate);
      await caller.session.play(new AudioClip(promptClip.samples, promptClip.sampleRate)).done;
      await talking;
      await agentPeer.sendRealTime(new Int16Array(1600), 8000);
      const joined = bridge(caller.session, agent.session);
      await agentPeer.sendRealTime(agentClip.samples, agentClip.sampleRate);
      await agentPeer.sendRealTime(new Int16Array(2400), 8000);
      joined.unbridge();
      await caller.session.hangup();
      await agent.session.hangup();
    } finally {
      await callerPeer.close();
      await agentPeer.close();
    }
    const documentPath = join(directory, `${caller.session.id}.json`);
    await waitFor(() => existsSync(documentPath), 5000, "the recording's document");
    const document = JSON.parse(readFileSync(documentPath, "utf8")) as RecordingDocument;
    assert.is(document.complete, true);
    assert.is(document.endReason, "hangup");
    assert.equal(document.participants.map((p) => [p.id, p.role]), [[caller.session.id, "caller"], [agent.session.id, "peer"]]);
    const agentPresence = document.participants[1]!.presence[0]!;
    assert.ok(agentPresence.leftAt > agentPresence.joinedAt && agentPresence.leftAt <= document.end, JSON.stringify(agentPresence));
    assert.ok(document.events.some((event) => event.type === "bridge.started"), "the bridge is among the events");
    assert.is(existsSync(join(directory, `${caller.session.id}.journal`)), false, "the journal is gone once the document is written");

    const wav = readWav(new Uint8Array(readFileSync(join(directory, document.audio.file))));
    assert.is(wav.sampleRate, 16000);
    assert.is(wav.channels, 2);
    const [left, right] = channels(wav.samples);
    assert.ok(Math.abs(left.length / 16 - document.audio.durationMs) <= 1);
    const max = left.length;
    const callerSaid = concatFrames(decoded.map((samples) => ({ samples }))).subarray(0, telephone(callerClip.samples).length);
    const said = findAlignment(callerSaid, left, 0, max - 16000);
    const prompt = findAlignment(telephone(promptClip.samples), right, 0, max - 16000);
    // The bridge drops the agent's audio that waits too long and sends nothing when none came in
    // time, so the reference for the agent is what the caller heard of them, placed by RTP time.
    const promptPackets = Math.ceil(resample(promptClip.samples, 16000, 8000).length / 160);
    const heardAgent = resample(placed(callerPeer.received.slice(promptPackets), callerPeer.receivedTimestamps.slice(promptPackets)), 8000, 16000);
    const answered = findAlignment(heardAgent, right, 0, max - 16000);
    console.log(`recording: caller ${said.correlation.toFixed(3)} at ${(said.lag / 16).toFixed(0)} ms, prompt ${prompt.correlation.toFixed(3)} at ${(prompt.lag / 16).toFixed(0)} ms, agent ${answered.correlation.toFixed(3)} at ${(answered.lag / 16).toFixed(0)} ms`);
    assert.ok(prompt.correlation >= 0.8, `the prompt on the right: ${prompt.correlation}`);
    if (answered.correlation < 0.8) {
      // The same stall can shift the agent's later words on the right: each second of them must be there.
      const windows = secondBySecond(heardAgent, right, 16000).map((second) => second.correlation);
      console.log(`recording: the agent's words as heard, second by second: ${windows.map((c) => c.toFixed(2)).join(" ")}`);
      assert.ok(windows.length > 0 && windows.every((c) => c >= 0.8), `the agent as heard on the right, second by second: ${windows.map((c) => c.toFixed(2)).join(" ")}`);
    }
    if (said.correlation >= 0.8) {
      // Prompt and caller both began at the start of the call: the channels agree on when that was.
      assert.ok(Math.abs(said.lag - prompt.lag) <= 0.1 * 16000, `caller at ${said.lag}, prompt at ${prompt.lag} samples`);
    } else {
      // A stall of the machine longer than the pacer catches up on shifts the caller's words
      // against the timeline (the left channel gets silence, then the late words): each second of
      // them must still be on the left, whole.
      const windows = secondBySecond(callerSaid, left, 16000).map((second) => second.correlation);
      console.log(`recording: the caller's words, second by second: ${windows.map((c) => c.toFixed(2)).join(" ")}`);
      assert.ok(windows.every((c) => c >= 0.8), `the caller on the left, second by second: ${windows.map((c) => c.toFixed(2)).join(" ")}`);
    }
    assert.ok(answered.lag > said.lag + callerClip.samples.length, "the agent speaks after the caller's words");
  } finally {
    await server.close();
    rmSync(directory, { recursive: true, force: true });
  }
});

test.run();
