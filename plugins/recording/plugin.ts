// The `recording` plugin: every call recorded in stereo (the caller on the left, what they hear on
// the right) as a WAV that a crash leaves playable (then Ogg Opus if asked: ogg-opus.ts), or encrypted for a public key, with a metadata
// document beside it. Files and their life cycle: files.ts; what a crash leaves and how it is put
// right: recover.ts; encryption: envelope.ts and encrypted-format.ts; PCI masking: masker.ts (the
// audio) and recorder.ts (what masks, and when); the API: routes.ts (the recordings) and
// pause-routes.ts (pause and resume). The recorders run in a thread of their own
// (recorder-thread.ts): the event loop that carries the calls only copies their audio.
import { mkdir } from "node:fs/promises";
import { definePlugin, type Plugin, type Static, Type } from "../../core/mod.ts";
import "./events.ts";
import { recordingPublicKey } from "./envelope.ts";
import { RECORDING_ERRORS, recordingError } from "./errors.ts";
import { recordingFiles } from "./files.ts";
import { requireOggOpusEncoder } from "./ogg-opus.ts";
import { recoverRecordings } from "./recover.ts";
import { type RecordedCall, registerPauseRoutes } from "./pause-routes.ts";
import { RecorderThread } from "./recorder-thread.ts";
import { sweepExpired } from "./retention.ts";
import { registerRecordingRoutes } from "./routes.ts";

/** Event types kept in a recording's metadata by default ("queue.*": every type that starts with "queue."). */
export const DEFAULT_KEPT_EVENTS = [
  "session.started",
  "voicebot.intent",
  "route.request",
  "queue.*",
  "call.completed",
  "bridge.*",
  "conference.joined",
  "conference.left",
  "consult.*",
  "supervisor.*",
  "emotion",
  "emotion.escalation",
  "deepfake",
  "biometrics",
  "transcript",
];

/** Options of the `recording` plugin. */
export const RecordingOptions = Type.Object({
  /** Folder of the recordings (created if missing). */
  directory: Type.String({ minLength: 1 }),
  /** Rate of the recorded WAV, Hz. */
  sampleRate: Type.Union([Type.Literal(8000), Type.Literal(16000)], { default: 16000 }),
  /** How often what is recorded is written and synced to disk, ms: a `kill -9` loses at most about this much. */
  flushIntervalMs: Type.Integer({ minimum: 20, maximum: 500, default: 250 }),
  /**
   * How long the audio waits before it is written, ms: a keypad tone is reported when it ends, and
   * is masked from its start only if that is no further back than this. A `kill -9` loses this much more.
   */
  maskLookbackMs: Type.Integer({ minimum: 0, maximum: 2000, default: 400 }),
  /** Event types kept in the metadata; a trailing `*` matches a prefix. */
  events: Type.Array(Type.String(), { default: DEFAULT_KEPT_EVENTS }),
  /** Days a finished recording is kept: older ones are deleted at start and every hour. Absent: kept until deleted through the API. */
  retentionDays: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
  /**
   * The audio file: "wav" (16-bit PCM), or "ogg-opus" (the WAV encoded by ffmpeg when the call
   * ends, 32 kbit/s stereo, about a sixteenth of the size; needs ffmpeg with libopus, and no `publicKey`).
   */
  format: Type.Union([Type.Literal("wav"), Type.Literal("ogg-opus")], { default: "wav" }),
  /** PEM public key (RSA of 2048 bits or more, or X25519) the audio is encrypted for; without it, recordings are plain WAV. */
  publicKey: Type.Optional(Type.String({ minLength: 1 })),
}, { additionalProperties: false });

/** How often expired recordings are looked for, ms. */
const RETENTION_SWEEP_MS = 60 * 60 * 1000;

/** Options of the `recording` plugin. */
export type RecordingOptions = Static<typeof RecordingOptions>;

/** The recording plugin: `server.use(recording, { directory: "/var/lib/parley/recordings" })`. */
export const recording: Plugin<RecordingOptions> = definePlugin({
  name: "recording",
  version: "1.0.0",
  options: RecordingOptions,
  errors: RECORDING_ERRORS,
  async setup(context, options) {
    const publicKey = options.publicKey === undefined ? undefined : recordingPublicKey(options.publicKey);
    const oggOpus = options.format === "ogg-opus" ? { onError: (error: unknown, recording: string) => context.log.warn({ err: error, recording }, `kept ${recording} as a WAV`) } : undefined;
    // Encoding needs the plain WAV, which the server of an encrypted recording never has.
    if (oggOpus && publicKey) throw recordingError.PARLEY_ERR_RECORDING_FORMAT("ogg-opus", "an encrypted recording is a WAV the server cannot read; leave out the public key or record WAV");
    if (oggOpus) requireOggOpusEncoder();
    await mkdir(options.directory, { recursive: true });
    const recovered = await recoverRecordings(options.directory, context.log, { oggOpus });
    if (recovered.length > 0) context.log.warn({ recordings: recovered }, `finalised ${recovered.length} recording(s) interrupted by a stop of the server`);
    const recorders = new RecorderThread(
      { directory: options.directory, sampleRate: options.sampleRate, flushIntervalMs: options.flushIntervalMs, maskLookbackMs: options.maskLookbackMs, events: options.events, format: options.format, ...(options.publicKey === undefined ? {} : { publicKey: options.publicKey }) },
      { error: (message) => context.log.error(message), keptWav: (recording, message) => context.log.warn({ recording }, `kept ${recording} as a WAV: ${message}`) },
    );
    recorders.start();
    /** Recordings in progress, by session id. */
    const calls = new Map<string, RecordedCall>();
    registerPauseRoutes(context, calls);
    const finishing = new Set<Promise<unknown>>();
    const failed = (error: unknown) => context.log.error({ err: error }, "recording failed");
    const retentionDays = options.retentionDays;
    const sweep = retentionDays === undefined ? undefined : () => {
      sweepExpired(options.directory, retentionDays).then(
        (deleted) => deleted.length > 0 && context.log.info({ recordings: deleted }, `deleted ${deleted.length} recording(s) older than ${retentionDays} days`),
        (error) => context.log.error({ err: error }, "recording retention sweep failed"),
      );
    };
    sweep?.();
    const sweeper = sweep && setInterval(sweep, RETENTION_SWEEP_MS);
    registerRecordingRoutes(context, options.directory);
    context.onClose(async () => {
      clearInterval(sweeper);
      await Promise.all(finishing);
      await recorders.close();
    });
    return (session) => {
      const files = recordingFiles(options.directory, session.id);
      const recorder = recorders.open(session.info, files);
      const call: RecordedCall = { recorder };
      calls.set(session.id, call);
      const finish = (end: { at: number; reason: string; durationMs: number }) => {
        if (calls.get(session.id) !== call) return;
        calls.delete(session.id);
        const done = recorder.finish(end).catch(failed).finally(() => finishing.delete(done));
        finishing.add(done);
      };
      const ended = (reason: string) => finish({ at: Date.now(), reason, durationMs: Date.now() - session.info.startedAt });
      const subscriptions = [
        session.audio(options.sampleRate).subscribe((frame) => recorder.caller(frame.samples)),
        session.sent(options.sampleRate).subscribe((frame) => recorder.heard(frame.samples)),
        session.events$.subscribe({
          next: (event) => {
            recorder.event(event);
            // The agent who may pause this call's recording: the routing plugin's answer, until the call is completed.
            const type: string = event.type;
            if (type === "queue.answered") call.agentId = String((event as unknown as Record<string, unknown>).agentId);
            else if (type === "call.completed") delete call.agentId;
            // The call ended at its hang-up: session.ended comes later when plugins still finish work on the last words (Session.finishing).
            if (event.type === "session.ended") finish({ at: session.info.startedAt + event.durationMs, reason: event.reason, durationMs: event.durationMs });
          },
          complete: () => ended("ended"),
        }),
      ];
      session.emit({ type: "recording.started", recordingId: files.base, sampleRate: options.sampleRate });
      return () => {
        for (const subscription of subscriptions) subscription.unsubscribe();
        ended("recording_stopped");
      };
    };
  },
});
