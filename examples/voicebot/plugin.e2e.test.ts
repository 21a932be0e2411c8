import { test } from "uvu";
import * as assert from "uvu/assert";
import { createServer, type Logger, type ParleyServer, type SessionEvent } from "../../core/mod.ts";
import { concatFrames, metricTotal, recordingLogger, requireTool, sleep, waitFor } from "../../core/testing.ts";
import { rms } from "../../media/signal-test-utils.ts";
import { asr, type AsrEngine, createAsrPlugin, missingPocketsphinx } from "../../plugins/asr/mod.ts";
import { pocketsphinxInstalled } from "../../plugins/asr/test-calls.ts";
import { RtpTestPeer } from "../../plugins/testing.ts";
import { createEspeakEngine, createFliteEngine, createTtsPlugin, tts, type TtsEngine } from "../../plugins/tts/mod.ts";
import { synthesizeAll } from "../../plugins/tts/testing.ts";
import { vad } from "../../plugins/vad/mod.ts";
import { DEFAULT_INTENTS, voicebot } from "./mod.ts";

const PORTS = "46800-46899";

/** A call to a server with the given plugins: the session's events, and the caller's RTP peer (which also hears the bot). */
async function withCall(plugins: (server: ParleyServer) => void, run: (peer: RtpTestPeer, events: SessionEvent[], server: ParleyServer) => Promise<void>, logger?: Logger): Promise<void> {
  const server = createServer({ http: { port: 0, host: "127.0.0.1" }, rtp: { ports: PORTS }, logger });
  plugins(server);
  try {
    await server.listen();
    const { session, port } = await server.rtp.open({ codec: "pcmu" });
    const events: SessionEvent[] = [];
    session.events$.subscribe((event) => events.push(event));
    const peer = new RtpTestPeer(port);
    try {
      await run(peer, events, server);
    } finally {
      await peer.close();
    }
  } finally {
    await server.close();
  }
}

const ofType = <T extends SessionEvent["type"]>(events: SessionEvent[], type: T) => events.filter((e): e is Extract<SessionEvent, { type: T }> => e.type === type);

/** Waits for the first event of `type` that satisfies `match`, and returns it. */
async function next<T extends SessionEvent["type"]>(events: SessionEvent[], type: T, match: (event: Extract<SessionEvent, { type: T }>) => boolean = () => true, timeoutMs = 10000) {
  await waitFor(() => ofType(events, type).some(match), timeoutMs, type);
  return ofType(events, type).find(match)!;
}

/** Presses keys one after the other. */
async function press(peer: RtpTestPeer, keys: string): Promise<void> {
  for (const key of keys) await peer.sendDtmf(key);
}

/** Waits until the caller has heard at least `ms` of the bot, and returns all of it (8 kHz). */
async function heard(peer: RtpTestPeer, ms: number): Promise<Int16Array> {
  await waitFor(() => peer.received.length * 20 >= ms, 5000, `${ms} ms of the bot's audio at the caller`);
  return concatFrames(peer.received.map((samples) => ({ samples })));
}

/** Speaks `text` as the caller (flite, any rate), in real time, followed by the silence that ends the turn. */
async function speak(peer: RtpTestPeer, flite: TtsEngine, text: string): Promise<void> {
  const { frames } = await synthesizeAll(flite, text);
  await peer.send(concatFrames(frames), frames[0]!.sampleRate, 20);
  await peer.sendSilence(800, 20);
}

test("without pocketsphinx the bot says so at start and serves the caller by keypad: intent, account number ended by '#', a person", async () => {
  const warnings: string[] = [];
  const modelDir = process.env.PARLEY_POCKETSPHINX_MODEL;
  process.env.PARLEY_POCKETSPHINX_MODEL = "/nonexistent/pocketsphinx-model";
  try {
    await withCall((server) => server.use(vad).use(asr).use(tts).use(voicebot()), async (peer, events) => {
      // Where the library itself is missing (a machine without pocketsphinx, or PARLEY_POCKETSPHINX_LIBRARY
      // pointing elsewhere) the bot names the library; where only the model is missing, the model file.
      const why = missingPocketsphinx()!.startsWith("the pocketsphinx library") ? "library libpocketsphinx\\.so\\.3 is not installed(?: in \\S+)?" : "model file /nonexistent/pocketsphinx-model/\\S+ is missing";
      const expected = new RegExp(`voicebot: speech recognition is unavailable \\(the pocketsphinx ${why}; install it with: apt-get install -y pocketsphinx pocketsphinx-en-us\\); callers use the keypad`);
      assert.ok(warnings.some((w) => expected.test(w)), JSON.stringify(warnings));
      await peer.sendSilence(200, 20);
      const greeting = await heard(peer, 1000);
      assert.ok(rms(greeting) > 500, "the caller hears the greeting");
      const [first, menu] = [await next(events, "tts.started"), await next(events, "tts.started", (e) => e.text.startsWith("Press"))];
      assert.match(first.text, /^Thank you for calling Parley support\. Speech recognition is not available/);
      assert.is(menu.text, "Press 1 for billing, 2 for a refund, 3 for order status, or 0 for a person.");

      await press(peer, "2");
      assert.equal((({ intent, via, text }) => ({ intent, via, text }))(await next(events, "voicebot.intent")), { intent: "refund", via: "dtmf", text: "2" });
      const collecting = await next(events, "voicebot.collect.started");
      assert.is(collecting.kind, "account");
      const accountPrompt = await next(events, "tts.started", (e) => /account number/.test(e.text));
      assert.ok(events.indexOf(collecting) < events.indexOf(accountPrompt), "the collection begins before the bot asks for the number");
      await press(peer, "1234#");
      const account = await next(events, "voicebot.account");
      assert.equal([account.account, account.via, account.source], ["1234", "dtmf", "voicebot"]);
      const readBack = await next(events, "tts.started", (e) => /refund request for account 1 2 3 4\./.test(e.text));
      // The answer reads the number back: the collection ends once it has played.
      const collected = await next(events, "voicebot.collect.ended");
      const played = ofType(events, "tts.finished").find((e) => e.playbackId === readBack.playbackId);
      assert.ok(played && events.indexOf(played) < events.indexOf(collected), "the collection ends after the answer that reads the number back");

      await press(peer, "0");
      const route = await next(events, "route.request");
      assert.equal([route.intent, route.reason, route.account, route.transcript], ["agent", "caller_request", "1234", []]);
    }, recordingLogger(warnings));
  } finally {
    if (modelDir === undefined) delete process.env.PARLEY_POCKETSPHINX_MODEL;
    else process.env.PARLEY_POCKETSPHINX_MODEL = modelDir;
  }
});

test("a real call: the greeting comes back over RTP; \"billing\" and \"I want to talk to a person\" (flite) are understood and route.request is emitted", async () => {
  if (!requireTool("flite") || !pocketsphinxInstalled()) return;
  const flite = await createFliteEngine();
  try {
    await withCall((server) => server.use(vad, { minSilenceMs: 500 }).use(asr).use(tts).use(voicebot(), { noInputMs: 30000 }), async (peer, events) => {
      await peer.sendSilence(600, 20);
      const greeting = await heard(peer, 400);
      assert.ok(rms(greeting) > 500, "the caller hears the greeting");
      const spoken = await next(events, "tts.started");
      assert.is(spoken.text, "Thank you for calling Parley support.");
      assert.is(ofType(events, "asr.search").at(-1)!.source, "voicebot", "the bot set the recogniser's grammar");

      await speak(peer, flite, "billing");
      const billing = await next(events, "voicebot.intent");
      assert.equal([billing.intent, billing.via, billing.text], ["billing", "speech", "billing"]);
      await press(peer, "5551234#");
      assert.is((await next(events, "voicebot.account")).account, "5551234");

      await speak(peer, flite, "I want to talk to a person");
      const route = await next(events, "route.request");
      assert.equal([route.intent, route.reason, route.account, route.transcript], ["agent", "caller_request", "5551234", ["billing", "i want to talk to a person"]]);
      assert.ok(ofType(events, "voicebot.intent").some((e) => e.intent === "agent" && e.via === "speech"));
      await next(events, "tts.started", (e) => e.text === DEFAULT_INTENTS.find((intent) => intent.routes)!.answer);
      assert.equal(ofType(events, "asr.search").at(-1)!.search, { type: "dictation" }, "handed over, the caller is recognised in free dictation again");
    });
  } finally {
    await flite.close();
  }
});

/** A tiny line (one choice: a person) so that prompts are short. */
const TINY = { greeting: "Hi.", intents: [DEFAULT_INTENTS.find((intent) => intent.routes)!], speech: false };

test("a caller who says nothing is handed to a person once the prompts have played and the wait is over", async () => {
  await withCall((server) => server.use(tts).use(voicebot(), { ...TINY, retries: 0, noInputMs: 600 }), async (peer, events) => {
    await peer.sendSilence(100, 20);
    const route = await next(events, "route.request");
    assert.equal([route.reason, route.intent], ["no_input", "agent"]);
    const lastPrompt = ofType(events, "playback.finished").filter((e) => e.ts <= route.ts).at(-1)!;
    assert.ok(route.ts - lastPrompt.ts >= 550, `${route.ts - lastPrompt.ts} ms after the menu ended`);
  });
});

test("a caller whose speech the recogniser never answers is not left in silence: the turn counts as not understood", async () => {
  const silent: AsrEngine = {
    name: "silent",
    sampleRate: 16000,
    open: () => Promise.resolve({ write() {}, finish: () => new Promise<never>(() => {}), cancel() {} }),
    close: () => Promise.resolve(),
  };
  const espeak = await createEspeakEngine();
  try {
    const plugins = (server: ParleyServer) =>
      server.use(vad).use(createAsrPlugin(silent)).use(tts).use(voicebot(), { ...TINY, speech: true, noInputMs: 30000, resultTimeoutMs: 800 });
    await withCall(plugins, async (peer, events) => {
      await peer.sendSilence(100, 20);
      await next(events, "tts.started");
      const { frames } = await synthesizeAll(espeak, "a person please");
      await peer.send(concatFrames(frames), frames[0]!.sampleRate, 20);
      await peer.sendSilence(800, 20);
      const ended = await next(events, "vad.speech_end");
      const reprompt = await next(events, "tts.started", (e) => e.text.startsWith("Sorry, I did not get that."));
      assert.ok(reprompt.ts - ended.ts >= 700, `${reprompt.ts - ended.ts} ms after the speech ended`);
      assert.equal(ofType(events, "transcript"), []);
    });
  } finally {
    await espeak.close();
  }
});

test("a hangup mid-dialog stops the bot: no prompt after it, no plugin error, no unhandled error", async () => {
  const espeak = await createEspeakEngine();
  let hungUp = false;
  let spokenAfter = 0;
  const counting: TtsEngine = {
    name: "counting",
    synthesize(text, options) {
      if (hungUp) spokenAfter++;
      return espeak.synthesize(text, options);
    },
    close: () => Promise.resolve(),
  };
  const rejections: unknown[] = [];
  const onRejection = (reason: unknown) => rejections.push(reason);
  process.on("unhandledRejection", onRejection);
  try {
    await withCall((server) => server.use(createTtsPlugin(counting)).use(voicebot(), { ...TINY, noInputMs: 500 }), async (peer, events, server) => {
      await peer.sendSilence(100, 20);
      await next(events, "tts.started");
      await press(peer, "7");
      const [session] = server.sessions();
      hungUp = true;
      await session!.hangup("remote_bye");
      await sleep(1500);
      assert.is(spokenAfter, 0);
      assert.is(ofType(events, "plugin.error").length, 0);
      assert.is(await metricTotal(server.metrics.registry, "parley_unhandled_errors_total"), 0);
    });
    assert.equal(rejections, []);
  } finally {
    process.off("unhandledRejection", onRejection);
    await espeak.close();
  }
});

test.run();
