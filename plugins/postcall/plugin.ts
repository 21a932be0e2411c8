// The `postcall` plugin: when a call ends, a post-call record (transcript, extractive summary with
// the call's facts, quality scorecard) is built from its events and delivered by a signed webhook
// through a durable outbox; the newest records are kept to be read back (`GET /v1/postcall/:id`,
// routes.ts). It reads other plugins' events and emits none.
import { definePlugin, type Plugin, type PluginContext, type Static, Type } from "../../core/mod.ts";
import { buildRecord } from "./build.ts";
import { CallTracker } from "./CallTracker.ts";
import type { ObservedEvent } from "./call-events.ts";
import { WebhookOutbox } from "./outbox.ts";
import { RecordStore } from "./records.ts";
import { registerPostcallRoutes } from "./routes.ts";
import { ScorecardOptions } from "./scorecard.ts";

/** Options of the `postcall` plugin. */
export const PostcallOptions = Type.Object({
  /** Folder of the outbox (`outbox/`, `dead-letter/`) and of the kept records (`records/`); created if missing. */
  directory: Type.String({ minLength: 1 }),
  /** Where records are POSTed (http or https); none: records are only kept for `GET /v1/postcall` (and the call history page). */
  webhookUrl: Type.Optional(Type.String({ pattern: "^https?://" })),
  /** Shared secret of the `Parley-Signature` HMAC; needed with `webhookUrl`. */
  webhookSecret: Type.Optional(Type.String({ minLength: 16 })),
  /** Delivery attempts before a record moves to `dead-letter/`. */
  maxAttempts: Type.Integer({ minimum: 1, maximum: 100, default: 8 }),
  /** Wait before the first retry, ms; doubled for each next one (with jitter) up to `maxRetryDelayMs`. */
  retryDelayMs: Type.Integer({ minimum: 1, default: 1000 }),
  maxRetryDelayMs: Type.Integer({ minimum: 1, default: 300000 }),
  /** An attempt unanswered within this many ms failed. */
  timeoutMs: Type.Integer({ minimum: 100, default: 10000 }),
  /** Deliveries in flight at once. */
  concurrency: Type.Integer({ minimum: 1, maximum: 64, default: 4 }),
  /** Wait after a call ends before its record is built, ms: results still on their way (an agent's last words) get in. */
  settleMs: Type.Integer({ minimum: 0, maximum: 60000, default: 2000 }),
  /** Records kept in `records/` for `GET /v1/postcall` (the newest; a record is a few to some tens of kB); 0 keeps none. */
  keepRecords: Type.Integer({ minimum: 0, maximum: 1000000, default: 10000 }),
  /** Turns of the caller and agents quoted in the summary. */
  highlights: Type.Integer({ minimum: 0, maximum: 20, default: 3 }),
  /** Session metadata key that marks an agent's leg (the routing plugin's); such legs get no record of their own. */
  agentLegKey: Type.String({ minLength: 1, default: "agentLeg" }),
  /** The scorecard's rules (in TypeScript, `scorecardRules({ ... })` fills in the defaults of what it leaves out). */
  scorecard: ScorecardOptions,
}, { additionalProperties: false });

/** Options of the `postcall` plugin. */
export type PostcallOptions = Static<typeof PostcallOptions>;

/** Quality scores: 0 to 100 in tens. */
const SCORE_BUCKETS = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100];

/** The signed webhook's durable outbox, with its metrics. */
function webhookOutbox(context: PluginContext, options: PostcallOptions, url: string, secret: string): WebhookOutbox {
  const attempts = context.metrics.counter("parley_postcall_webhook_attempts_total", "Webhook delivery attempts, by result: delivered (2xx), rejected (another status), unreachable", ["result"]);
  const attemptSeconds = context.metrics.histogram("parley_postcall_webhook_attempt_seconds", "Time of one webhook delivery attempt", []);
  const deadLetters = context.metrics.counter("parley_postcall_webhook_dead_letters_total", "Post-call records moved to the dead-letter folder after their last attempt", []);
  const outbox = new WebhookOutbox({
    directory: options.directory,
    url,
    secret,
    maxAttempts: options.maxAttempts,
    initialDelayMs: options.retryDelayMs,
    maxDelayMs: options.maxRetryDelayMs,
    timeoutMs: options.timeoutMs,
    concurrency: options.concurrency,
  }, context.log, {
    attempted: (result, seconds) => {
      attempts.inc({ result });
      attemptSeconds.observe(seconds);
    },
    deadLettered: () => deadLetters.inc(),
  });
  context.metrics.gauge("parley_postcall_outbox_records", "Post-call records waiting for delivery", [], (gauge) => gauge.set(outbox.size));
  return outbox;
}

/** The postcall plugin: `server.use(postcall, { directory, webhookUrl, webhookSecret })`, or without the webhook to keep records for reading only. */
export const postcall: Plugin<PostcallOptions> = definePlugin({
  name: "postcall",
  version: "1.0.0",
  options: PostcallOptions,
  async setup(context, options) {
    const records = context.metrics.counter("parley_postcall_records_total", "Post-call records built, by the call's disposition", ["disposition"]);
    const scores = context.metrics.histogram("parley_postcall_quality_score", "Quality scorecard score of each call, 0 to 100", [], SCORE_BUCKETS);
    const unusableFolder = context.errors.register("PARLEY_ERR_POSTCALL_DIRECTORY", "The post-call folder %s cannot be used: %s");
    const badWebhook = context.errors.register("PARLEY_ERR_POSTCALL_WEBHOOK", "The post-call webhook needs %s");
    if ((options.webhookUrl === undefined) !== (options.webhookSecret === undefined)) throw badWebhook(options.webhookUrl === undefined ? "a webhookUrl beside its webhookSecret" : "a webhookSecret to sign what it sends");
    const outbox = options.webhookUrl === undefined || options.webhookSecret === undefined ? undefined : webhookOutbox(context, options, options.webhookUrl, options.webhookSecret);
    const adding = new Set<Promise<void>>();
    const store = new RecordStore(options.directory, options.keepRecords);
    const buildErrors = context.metrics.counter("parley_postcall_build_errors_total", "Calls whose post-call record could not be built", []);
    const tracker = new CallTracker({ settleMs: options.settleMs, agentLegKey: options.agentLegKey }, (call) => {
      let record;
      try {
        record = buildRecord(call, { scorecard: options.scorecard, highlights: options.highlights });
      } catch (error) {
        // Runs from a timer: an error here must not become an unhandled one.
        buildErrors.inc();
        context.log.error({ err: error, callId: call.caller.legId }, "post-call record could not be built");
        return;
      }
      records.inc({ disposition: record.summary.facts.disposition });
      if (record.scorecard.score !== null) scores.observe(record.scorecard.score);
      const callId = record.callId;
      const kept = store.add(record).catch((error) => context.log.error({ err: error, callId }, "post-call record could not be kept for reading"));
      const delivered = outbox?.add(callId, JSON.stringify(record)).catch((error) => context.log.error({ err: error, callId }, "post-call record could not be kept for delivery"));
      const added = Promise.all([delivered, kept]).then(() => {}).finally(() => adding.delete(added));
      adding.add(added);
    });
    context.onClose(async () => {
      tracker.flush();
      await Promise.all(adding);
      await outbox?.close();
    });
    const resumed = await (outbox?.start() ?? Promise.resolve([])).catch((error: Error) => {
      throw unusableFolder(options.directory, error.message);
    });
    await store.start().catch((error: Error) => {
      throw unusableFolder(options.directory, error.message);
    });
    registerPostcallRoutes(context, store);
    if (resumed.length > 0) context.log.info({ records: resumed.length }, "resuming post-call deliveries left by an earlier run");
    return (session) => {
      tracker.open(session);
      const subscription = session.events$.subscribe({
        next: (event) => tracker.event(session.id, event as unknown as ObservedEvent),
        complete: () => tracker.ended(session.id),
      });
      return () => {
        subscription.unsubscribe();
        tracker.ended(session.id);
      };
    };
  },
});
