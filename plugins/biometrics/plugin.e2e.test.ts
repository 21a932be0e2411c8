import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { firstValueFrom, of, toArray } from "rxjs";
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { EventInput } from "../../core/mod.ts";
import { analyticsStreams, concat, pause, syntheticSpeaker as voice } from "../../media/dsp/voice-test-utils.ts";
import { biometricsEvents, createBiometricsService } from "./plugin.ts";
import type { BiometricsService } from "./service.ts";

type BiometricsEvent = Extract<EventInput, { type: "biometrics" }>;

async function withService(work: (service: BiometricsService) => Promise<void>): Promise<void> {
  const directory = await mkdtemp(join(tmpdir(), "parley-biometrics-plugin-"));
  try {
    await work(createBiometricsService({ directory, claimKeys: ["claimedSpeaker"], enrollKey: "enrollSpeaker", minUtteranceVoicedMs: 500, minVoicedMs: 1500, minEnrollMs: 8000, maxEnrollMs: 30000, routes: false, maxWavBytes: 1 << 20 }));
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

async function call(service: BiometricsService, samples: Int16Array, metadata: { claimedSpeaker?: string; enrollSpeaker?: string }, sessionId = "s1"): Promise<EventInput[]> {
  const streams = analyticsStreams(samples);
  // The claimed voiceprint is read before the call's audio starts (the segments are a hot stream:
  // a fixed wait for the plugin's own disk read lost the race on a loaded machine).
  const voiceprint$ = metadata.claimedSpeaker ? of(await service.voiceprint(metadata.claimedSpeaker).catch(() => undefined)) : undefined;
  const collected = firstValueFrom(biometricsEvents({ sessionId, segments$: streams.segments$, ...metadata, ...(voiceprint$ ? { voiceprint$ } : {}) }, service).pipe(toArray()));
  streams.run();
  return collected;
}

test("a session asked to enroll its caller saves a voiceprint when the call ends", () => withService(async (service) => {
  const events = await call(service, voice(110, 1, 1, 6), { enrollSpeaker: "alice" });
  const enrolled = events.find((e) => e.type === "biometrics.enrolled");
  assert.ok(enrolled, JSON.stringify(events));
  assert.ok((await service.voiceprint("alice"))!.speechMs >= 8000);
}));

test("a caller claiming an enrolled identity gets utterance and call verdicts; an impostor gets no_match", () => withService(async (service) => {
  await service.enroll("alice", service.utterancesOf(voice(110, 1, 1, 6)), true);
  const genuine = (await call(service, voice(112, 1, 40, 2), { claimedSpeaker: "alice" })) as BiometricsEvent[];
  const impostor = (await call(service, voice(210, 1.2, 80, 2), { claimedSpeaker: "alice" })) as BiometricsEvent[];
  assert.ok(genuine.some((e) => e.scope === "utterance" && e.status === "ok"));
  assert.is(genuine.filter((e) => e.scope === "call").at(-1)!.verdict, "match");
  assert.is(impostor.filter((e) => e.scope === "call").at(-1)!.verdict, "no_match");
  assert.ok(genuine.every((e) => e.claimedSpeaker === "alice"));
}));

test("an unknown claimed identity is reported not_enrolled, and silence never yields a verdict", () => withService(async (service) => {
  const unknown = (await call(service, voice(110, 1, 1, 1), { claimedSpeaker: "nobody" })) as BiometricsEvent[];
  assert.is(unknown[0]!.verdict, "not_enrolled");
  await service.enroll("alice", service.utterancesOf(voice(110, 1, 1, 6)), true);
  const silent = (await call(service, concat(pause(5)), { claimedSpeaker: "alice" })) as BiometricsEvent[];
  assert.ok(silent.every((e) => e.verdict !== "match" && e.verdict !== "no_match"));
}));

test("the API can ask a live session to enroll while it runs", () => withService(async (service) => {
  const streams = analyticsStreams(voice(110, 1, 1, 6));
  const collected = firstValueFrom(biometricsEvents({ sessionId: "live", segments$: streams.segments$ }, service).pipe(toArray()));
  service.sessions.get("live")!.enroll("bob");
  streams.run();
  assert.ok((await collected).some((e) => e.type === "biometrics.enrolled"));
  assert.not.ok(service.sessions.has("live"), "forgotten when the session ends");
}));

test.run();
