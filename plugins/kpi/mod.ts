// The KPI plugin: call-center KPIs from session events, as metrics and as GET /v1/kpis.
export { kpi, KpiOptions } from "./plugin.ts";
export { CallerHistory, type CallerHistoryOptions } from "./caller-history.ts";
export { type CallRecord, type HandledPart, KpiLedger, type KpiReport, type LedgerListener, type LedgerOptions, type Outcome, OUTCOMES, outcomeOf } from "./ledger.ts";
export { KPI_EVENTS } from "./events.ts";
