// The KPI plugin's metrics: what the ledger reports as calls end and agents finish their wrap-up.
// Queue KPIs the routing plugin already exports (service level, waits, abandonment) are not repeated.
import type { PluginMetrics } from "../../core/mod.ts";
import { type LedgerListener, OUTCOMES } from "./ledger.ts";

/** Handle times: ten seconds to an hour. */
const HANDLE_SECONDS = [10, 30, 60, 120, 180, 300, 600, 900, 1800, 3600];

/** Survey scores, as label values. */
const SCORES = ["1", "2", "3", "4", "5"];

/** Registers the KPI metrics (every label value at 0, so each series exists before the first call) and returns the ledger listener that counts into them. */
export function kpiMetrics(metrics: PluginMetrics): LedgerListener {
  const calls = metrics.counter("parley_kpi_calls_total", "Callers' calls ended, by outcome: contained (bot only, nobody asked for), transferred (an agent answered), abandoned, callback, unanswered", ["outcome"]);
  const identified = metrics.counter("parley_kpi_identified_calls_total", "Ended calls of callers with a known number, by whether they called within the repeat window before (repeat=\"true\")", ["repeat"]);
  const answers = metrics.counter("parley_kpi_survey_answers_total", "Post-call survey answers of ended calls, by score (1 to 5)", ["score"]);
  const handle = metrics.histogram("parley_kpi_handle_seconds", "Handle time of agents' calls: talk, hold and wrap-up, counted when the wrap-up ends", ["queue"], HANDLE_SECONDS);
  for (const outcome of OUTCOMES) calls.inc({ outcome }, 0);
  for (const repeat of ["true", "false"]) identified.inc({ repeat }, 0);
  for (const score of SCORES) answers.inc({ score }, 0);
  return {
    callEnded(call, outcome) {
      calls.inc({ outcome });
      if (call.repeat !== undefined) identified.inc({ repeat: String(call.repeat) });
      if (call.score !== undefined) answers.inc({ score: String(call.score) });
    },
    handled(part) {
      handle.observe({ queue: part.queueId }, (part.talkMs + part.wrapUpMs) / 1000);
    },
  };
}
