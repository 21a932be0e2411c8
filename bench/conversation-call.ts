// A scripted call against a Parley server running vad + asr + tts + latency + barge-in and a
// minimal answering plugin: a real-time RTP caller asks questions (WAV clips of the speech set)
// and waits for each answer, then talks over long prompts. Used by `npm run bench:conversation`
// (20+ turns) and by the end-to-end test (a few turns).
import { filter, ignoreElements, tap } from "rxjs";
import { createServer, definePlugin, type Plugin, type Session, type SessionEvent } from "../core/mod.ts";
import { waitFor } from "../core/testing.ts";
import type { SpeechClip } from "../plugins/testing.ts";
import { asr } from "../plugins/asr/mod.ts";
import { bargeIn } from "../plugins/barge-in/mod.ts";
import { latency } from "../plugins/latency/mod.ts";
import { say, tts } from "../plugins/tts/mod.ts";
import { vad } from "../plugins/vad/mod.ts";
import { RealtimeCaller } from "./realtime-caller.ts";

/** Audio per packet, ms. */
const FRAME_MS = 20;

/** The `barge-in` event's fields the bench reads. */
type BargeInEvent = { reactionMs: number; speechStartMs: number; label?: string; spokenText?: string };

/** The bot's answer to every question: short, as a turn-taking answer is. */
export const ANSWER = "Sure, I can help with that.";
/** What the bot says when it heard speech but no words. */
export const RETRY = "Sorry, could you say that again?";
/** A prompt long enough for the caller to talk over. */
export const LONG_PROMPT = "Thank you for calling. Your call is important to us. Please listen carefully, as our menu options have recently changed. For billing, say billing. For an order, say order status.";

/** How the call is run. */
export interface ConversationOptions {
  /** Question clips, asked in turn. */
  questions: SpeechClip[];
  /** Clips the caller interrupts long prompts with. */
  interruptions: SpeechClip[];
  turns: number;
  bargeIns: number;
  /** The vad endpointer's minimum silence (end of turn), ms. */
  minSilenceMs: number;
  /** RTP port range of the server. */
  ports: string;
  /** Progress lines. */
  log?(line: string): void;
}

/** One question and its answer (ms). */
export interface TurnFigures {
  /** At the client: the packet with the question's last voiced frame (by energy) sent → the answer's first packet received (negative when the answer began over the clip's quiet tail). */
  clientMs: number;
  /** At the client, from the packet where the VAD placed the end of speech. */
  clientVadMs: number;
  /** At the server (latency plugin): the end of speech → the answer's first frame sent. */
  serverMs: number;
  /** Of it, the endpointing silence, the recogniser's time after the turn ended, and the synthesiser's time to first audio. */
  endpointMs: number;
  asrMs: number;
  ttsMs: number;
  /** What is left: Parley's own share. */
  parleyMs: number;
}

/** One interruption of a long prompt (ms). */
export interface BargeInFigures {
  /** At the client: the packet with the interruption's first voiced frame (by energy) sent → the end of the prompt's last packet received. */
  clientMs: number;
  /** At the client, from the packet where the VAD placed the onset of speech. */
  clientVadMs: number;
  /** At the server (`barge-in` event): the onset of speech → the playback held. */
  serverMs: number;
  /** What the event said was cut off. */
  label?: string;
  spokenText?: string;
}

/** Everything a scripted call measured. */
export interface ConversationResult {
  turns: TurnFigures[];
  bargeIns: BargeInFigures[];
  /** Text of each `/metrics` histogram the call fed. */
  metrics: string;
}

/** Answers every final transcript at once (interrupting whatever plays), noting each answer's ASR latency by playback. */
function answering(asrLatency: Map<string, number>): Plugin {
  return definePlugin({
    name: "answering",
    version: "1.0.0",
    dependencies: { asr: "^1.0.0", tts: "^1.0.0" },
    setup: () => (session) =>
      session.events$.pipe(
        filter((event) => event.type === "transcript"),
        tap((event) => {
          const playback = say(session, event.text.trim() ? ANSWER : RETRY, { interrupt: true });
          asrLatency.set(playback.id, event.latencyMs);
        }),
        ignoreElements(),
      ),
  });
}

const METRICS = ["parley_voice_to_voice_seconds", "parley_asr_final_latency_seconds", "parley_tts_first_audio_seconds", "parley_barge_in_reaction_seconds"];

/** What the server reported during the call, gathered from its events. */
class ServerReports {
  /** ASR latency of the transcript each answer replied to, by the answer's playback. */
  readonly asrLatency = new Map<string, number>();
  readonly ttsFirstAudio = new Map<string, number>();
  readonly voiceToVoice: { playbackId: string; voiceToVoiceMs: number; endpointMs: number; speechEndMs: number }[] = [];
  readonly bargeIns: BargeInEvent[] = [];

  observe(event: SessionEvent): void {
    if (event.type === "tts.started") this.ttsFirstAudio.set(event.playbackId, event.firstAudioMs);
    else if (event.type === "latency.voice_to_voice") this.voiceToVoice.push(event);
    else if (event.type === "barge-in") this.bargeIns.push(event);
  }
}

/** Runs the scripted call and returns its figures. */
export async function runConversation(options: ConversationOptions): Promise<ConversationResult> {
  const log = options.log ?? (() => {});
  const reports = new ServerReports();
  const server = createServer({ http: { port: 0, host: "127.0.0.1" }, rtp: { ports: options.ports } })
    .use(vad, { minSilenceMs: options.minSilenceMs })
    .use(asr)
    .use(tts)
    .use(latency)
    .use(bargeIn)
    .use(answering(reports.asrLatency));
  await server.listen();
  const events = server.events$.subscribe((event) => reports.observe(event));
  try {
    const { session, port } = await server.rtp.open({ codec: "pcmu" });
    const caller = new RealtimeCaller(port);
    try {
      caller.start();
      await caller.say(new Int16Array(8000), 8000);
      // One question first, not counted: the engines' first utterance pays for their warm-up.
      await ask(caller, reports, options.questions[0]);
      const turns: TurnFigures[] = [];
      for (let i = 0; i < options.turns; i++) {
        const clip = options.questions[i % options.questions.length];
        const turn = await ask(caller, reports, clip);
        turns.push(turn);
        log(`turn ${i + 1} ${clip.file}: client ${turn.clientMs.toFixed(0)} ms (from the VAD's end ${turn.clientVadMs.toFixed(0)}), server ${turn.serverMs} ms (endpoint ${turn.endpointMs}, asr ${turn.asrMs}, tts ${turn.ttsMs}, parley ${turn.parleyMs.toFixed(1)})`);
      }
      const bargeIns: BargeInFigures[] = [];
      for (let i = 0; i < options.bargeIns; i++) {
        const clip = options.interruptions[i % options.interruptions.length];
        const bargeIn = await interrupt(session, caller, reports, clip);
        bargeIns.push(bargeIn);
        log(`barge-in ${i + 1} ${clip.file}: client ${bargeIn.clientMs.toFixed(0)} ms (from the VAD's onset ${bargeIn.clientVadMs.toFixed(0)}), server ${bargeIn.serverMs} ms`);
      }
      const metrics = (await server.metrics.registry.metrics()).split("\n").filter((line) => METRICS.some((name) => line.startsWith(name) && !line.includes("_bucket"))).join("\n");
      return { turns, bargeIns, metrics };
    } finally {
      await caller.close();
    }
  } finally {
    events.unsubscribe();
    await server.close();
  }
}

/** Asks one question and waits for the whole answer. */
async function ask(caller: RealtimeCaller, reports: ServerReports, clip: SpeechClip): Promise<TurnFigures> {
  const answered = reports.voiceToVoice.length;
  const sent = await caller.say(clip.samples, clip.sampleRate);
  await waitFor(() => reports.voiceToVoice.length > answered, 15000, `the answer to ${clip.file}`);
  const measured = reports.voiceToVoice[reports.voiceToVoice.length - 1];
  const vadEndAt = caller.sentAtMediaMs(measured.speechEndMs - 1);
  // The answer may begin before the clip's quiet tail has been sent, so it is looked for from the earlier end.
  await waitFor(() => caller.firstAfter(Math.min(sent.endAt, vadEndAt)) !== undefined, 15000, `the answer's audio`);
  const answeredAt = caller.firstAfter(Math.min(sent.endAt, vadEndAt))!;
  await caller.waitForQuiet(400, 15000);
  const asrMs = reports.asrLatency.get(measured.playbackId) ?? Number.NaN;
  const ttsMs = reports.ttsFirstAudio.get(measured.playbackId) ?? Number.NaN;
  return {
    clientMs: answeredAt - sent.endAt,
    clientVadMs: answeredAt - vadEndAt,
    serverMs: measured.voiceToVoiceMs,
    endpointMs: measured.endpointMs,
    asrMs,
    ttsMs,
    parleyMs: measured.voiceToVoiceMs - measured.endpointMs - asrMs - ttsMs,
  };
}

/** Starts a long prompt, lets the caller hear some of it, then talks over it. */
async function interrupt(session: Session, caller: RealtimeCaller, reports: ServerReports, clip: SpeechClip): Promise<BargeInFigures> {
  const heard = caller.received.length;
  const reacted = reports.bargeIns.length;
  say(session, LONG_PROMPT, { interrupt: true });
  await waitFor(() => caller.received.length >= heard + 30, 5000, "the long prompt");
  const sent = await caller.say(clip.samples, clip.sampleRate);
  await waitFor(() => reports.bargeIns.length > reacted, 5000, "the barge-in event");
  await waitFor(() => caller.firstAfter(sent.endAt) !== undefined, 15000, "the answer to the interruption");
  await caller.waitForQuiet(400, 15000);
  const event = reports.bargeIns[reports.bargeIns.length - 1];
  const vadOnsetAt = caller.sentAtMediaMs(event.speechStartMs);
  // The prompt's audio stops at the end of its last packet, a frame after that packet arrives.
  const stopped = (caller.lastOfRunAt(Math.min(sent.onsetAt, vadOnsetAt)) ?? sent.onsetAt) + FRAME_MS;
  return { clientMs: stopped - sent.onsetAt, clientVadMs: stopped - vadOnsetAt, serverMs: event.reactionMs, label: event.label, spokenText: event.spokenText };
}

/** Nearest-rank percentile of `values` (p in 0-1). */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? Number.NaN;
}
