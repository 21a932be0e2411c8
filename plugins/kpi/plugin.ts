// The `kpi` plugin: the call center's KPIs from session events alone (the voice bot's handover,
// the routing plugin's queue and agent events, survey answers), as Prometheus metrics and as
// `GET /v1/kpis` for any period of the last days.
import { definePlugin, jsonResponse, type Plugin, type Static, Type } from "../../core/mod.ts";
import { CallerHistory } from "./caller-history.ts";
import "./events.ts";
import { KpiLedger, OBSERVED_TYPES, type ObservedEvent } from "./ledger.ts";
import { kpiMetrics } from "./metrics.ts";

const DAY_MS = 86_400_000;

/** Options of the `kpi` plugin. */
export const KpiOptions = Type.Object({
  /** Answered within this wait counts towards the service level of `GET /v1/kpis`, s (the routing plugin's default). */
  serviceLevelSeconds: Type.Number({ minimum: 1, maximum: 3600, default: 20 }),
  /** A call from a number that called within this many days before is a repeat call. */
  repeatWindowDays: Type.Number({ minimum: 1, maximum: 90, default: 7 }),
  /** How many days of ended calls `GET /v1/kpis` can report on (kept in memory). */
  keepDays: Type.Number({ minimum: 1, maximum: 90, default: 7 }),
  /** JSON file that keeps callers' recent calls (salted digests of their numbers) across restarts; none: memory only. */
  historyFile: Type.Optional(Type.String({ minLength: 1 })),
  /** Salt of the callers' digests; empty: a random one, kept in `historyFile`. */
  historySalt: Type.String({ default: "" }),
  /** Session metadata key of the caller's number. */
  callerIdKey: Type.String({ minLength: 1, default: "callerId" }),
  /** Sessions whose metadata has one of these keys are not callers' calls (an agent's or a supervisor's audio leg); their events still count (`call.handled`). */
  notCalls: Type.Array(Type.String(), { default: ["agentLeg", "supervisorLeg"] }),
}, { additionalProperties: false });

/** Options of the `kpi` plugin. */
export type KpiOptions = Static<typeof KpiOptions>;

/** A period bound of the query: ms since the epoch or an ISO 8601 date; undefined when absent, NaN when unreadable. */
function instant(value: string | null): number | undefined {
  if (value === null || value === "") return undefined;
  return /^\d+$/.test(value) ? Number(value) : Date.parse(value);
}

/** The KPI plugin: `server.use(kpi, { historyFile: "var/callers.json" })`. */
export const kpi: Plugin<KpiOptions> = definePlugin({
  name: "kpi",
  version: "1.0.0",
  options: KpiOptions,
  setup(context, options) {
    const history = new CallerHistory({ windowMs: options.repeatWindowDays * DAY_MS, file: options.historyFile, salt: options.historySalt });
    const ledger = new KpiLedger({ serviceLevelSeconds: options.serviceLevelSeconds, keepMs: options.keepDays * DAY_MS, history }, kpiMetrics(context.metrics));
    const badPeriod = context.errors.register("PARLEY_ERR_KPI_PERIOD", "Bad KPI period: %s", 400);
    context.route("GET", "/v1/kpis", (request) => {
      const query = new URL(request.url).searchParams;
      const now = Date.now();
      const since = instant(query.get("since")) ?? now - options.keepDays * DAY_MS;
      const until = instant(query.get("until")) ?? now;
      if (!Number.isFinite(since) || !Number.isFinite(until)) throw badPeriod("since and until are ms since the epoch or ISO 8601 dates");
      if (since > until) throw badPeriod("since is after until");
      return jsonResponse(ledger.report(since, until));
    }, {
      access: "api",
      doc: {
        summary: "Call-center KPIs of the calls that ended in a period: containment, transfer, abandonment, service level, speed of answer, handle time, repeat callers, CSAT",
        query: {
          since: { description: "Start of the period: ms since the epoch or an ISO 8601 date; default the oldest kept (keepDays)" },
          until: { description: "End of the period; default now" },
        },
      },
    });
    return (session) => {
      const isCall = !options.notCalls.some((key) => key in session.info.metadata);
      if (isCall) ledger.start(session.id, session.info.startedAt, session.info.metadata[options.callerIdKey] || undefined);
      return session.events$.subscribe((event) => {
        if (OBSERVED_TYPES.has(event.type)) ledger.observe(session.id, event as unknown as ObservedEvent, Date.now());
        else if (event.type === "session.ended") ledger.end(session.id, Date.now());
      });
    };
  },
});
