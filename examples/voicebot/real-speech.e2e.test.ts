// test: alone (real speech, what the caller heard before the cut judged in real time)
// The voice bot with real speech through the stack `npm start` runs (vad with 350 ms endpointing,
// pocketsphinx, barge-in, espeak-ng): a caller sending PCMU RTP in real time talks over the menu
// with a backchannel and with an interruption, and says an account number in a real human voice
// (the digits set, 8 kHz).
import { firstValueFrom } from "rxjs";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { RealtimeCaller } from "../../bench/realtime-caller.ts";
import { createServer, type SessionEvent } from "../../core/mod.ts";
import { requireTool, sleep, waitFor } from "../../core/testing.ts";
import { asr } from "../../plugins/asr/mod.ts";
import { digitStrings } from "../../plugins/asr/conformance.ts";
import { pocketsphinxInstalled } from "../../plugins/asr/test-calls.ts";
import { bargeIn } from "../../plugins/barge-in/mod.ts";
import { fliteVoice } from "../../plugins/barge-in/testing.ts";
import { tts } from "../../plugins/tts/mod.ts";
import { vad } from "../../plugins/vad/mod.ts";
import { voicebot } from "./mod.ts";

const PORTS = "46900-46949";

const ofType = <T extends SessionEvent["type"]>(events: SessionEvent[], type: T) => events.filter((e): e is Extract<SessionEvent, { type: T }> => e.type === type);

/** Waits for the first event of `type` that satisfies `match`, and returns it. */
async function next<T extends SessionEvent["type"]>(events: SessionEvent[], type: T, match: (event: Extract<SessionEvent, { type: T }>) => boolean = () => true, timeoutMs = 10000) {
  await waitFor(() => ofType(events, type).some(match), timeoutMs, type);
  return ofType(events, type).find(match)!;
}

/** A call to the bot, from its first packet; `run` gets the caller and the session's events. */
async function withBot(run: (caller: RealtimeCaller, events: SessionEvent[]) => Promise<void>): Promise<void> {
  const server = createServer({ http: { port: 0, host: "127.0.0.1" }, rtp: { ports: PORTS } });
  // The silence timer is out of the way: these calls are about what the caller says.
  server.use(vad, { minSilenceMs: 350 }).use(asr).use(bargeIn).use(tts).use(voicebot(), { noInputMs: 30000 });
  await server.listen();
  const { session, port } = await server.rtp.open({ codec: "pcmu" });
  const caller = new RealtimeCaller(port);
  try {
    const events: SessionEvent[] = [];
    session.events$.subscribe((event) => events.push(event));
    caller.start();
    await firstValueFrom(session.audio$);
    await run(caller, events);
  } finally {
    await caller.close();
    await server.close();
  }
}

const isMenu = (e: { text: string }) => e.text.startsWith("How can I help");

/** Waits until the menu has been playing for a second at the caller. */
async function intoTheMenu(caller: RealtimeCaller, events: SessionEvent[]): Promise<void> {
  await next(events, "tts.started", isMenu);
  const at = caller.received.length;
  await waitFor(() => caller.received.length >= at + 50, 10000, "a second of the menu at the caller");
}


test("an \"uh-huh\" over the menu is let pass as a backchannel: the menu plays to its end and the bot does not answer it", async () => {
  if (!requireTool("flite") || !pocketsphinxInstalled()) return;
  const clip = await fliteVoice("uh-huh");
  await withBot(async (caller, events) => {
    await intoTheMenu(caller, events);
    await caller.say(clip, 8000);
    const ignored = await next(events, "barge-in.ignored");
    assert.is(ignored.reason, "backchannel", `heard "${ignored.callerText}"`);
    const menu = await next(events, "tts.finished", isMenu, 20000);
    assert.not.ok(menu.cancelled, "the menu played to its end");
    await next(events, "transcript");
    // A reply, had there been one, would have begun within a second of the transcript.
    await sleep(1000);
    assert.equal(ofType(events, "tts.started").filter((e) => e.ts > ignored.ts).map((e) => e.text), [], "no reply to the uh-huh");
    assert.equal(ofType(events, "voicebot.intent"), []);
    assert.equal(ofType(events, "barge-in"), []);
  });
});

test("\"stop, I want billing\" over the menu cuts it off and leads to billing; the account number said by a real voice is read back, taken on a yes, sent to the keypad on a no", async () => {
  if (!requireTool("flite") || !pocketsphinxInstalled()) return;
  const interruption = await fliteVoice("stop, I want billing");
  const [yes, no] = [await fliteVoice("yes"), await fliteVoice("no")];
  // Spoken digits over the phone are often misheard (a quarter of these strings came back right through the bot), so the test follows whichever way it goes.
  const [account] = (await digitStrings(1, 4, 11, ["lucas"])) ?? [];
  if (!account) return;
  await withBot(async (caller, events) => {
    await intoTheMenu(caller, events);
    await caller.say(interruption, 8000);
    const cut = await next(events, "barge-in");
    assert.is(cut.label, "voicebot:menu");
    assert.ok(cut.spokenText && cut.spokenText.startsWith("How can I help"), `heard of the menu: ${cut.spokenText}`);
    const intent = await next(events, "voicebot.intent");
    assert.equal([intent.intent, intent.via], ["billing", "speech"], intent.text);

    await next(events, "tts.finished", (e) => /account number/.test(e.text), 15000);
    await caller.say(account.samples, account.sampleRate);
    const readBack = await next(events, "tts.started", (e) => e.text.startsWith("I heard"));
    const heard = readBack.text.match(/^I heard ([0-9 ]+)\./)![1]!.replaceAll(" ", "");
    // A spoken number is only taken once confirmed; the caller says yes if it was heard right, else no.
    assert.equal(ofType(events, "voicebot.account"), []);
    if (heard === account.digits) {
      await caller.say(yes, 8000);
      const taken = await next(events, "voicebot.account");
      assert.equal([taken.account, taken.via], [account.digits, "speech"]);
      await next(events, "tts.started", (e) => e.text.includes(`account ${[...account.digits].join(" ")}`));
    } else {
      await caller.say(no, 8000);
      await next(events, "tts.started", (e) => e.text === "Please key in your account number, then press pound.");
      assert.equal(ofType(events, "voicebot.account"), []);
    }
  });
});

test.run();
