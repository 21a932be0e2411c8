// The post-call records API: the kept records listed (as summaries) and read back whole. Admins
// and supervisors see every call's; an agent only those of the calls they answered, and a 404 for
// the others, so an agent learns nothing of calls that are not theirs.
import { jsonResponse, ParleyError, type PluginContext, type Principal, queryTime, requestPrincipal } from "../../core/mod.ts";
import type { RecordStore, RecordSummary } from "./records.ts";

const READERS = { roles: ["admin", "supervisor", "agent"] } as const;

/** Whether `principal` may read the record summarised by `summary`. */
function mayRead(principal: Principal, summary: RecordSummary): boolean {
  return principal.role !== "agent" || (principal.agentId !== undefined && summary.agents.includes(principal.agentId));
}

/** Registers `GET /v1/postcall` and `GET /v1/postcall/:id` on `context` for the records in `store`. */
export function registerPostcallRoutes(context: PluginContext, store: RecordStore): void {
  context.route("GET", "/v1/postcall", (request) => {
    const query = new URL(request.url).searchParams;
    const from = queryTime(query, "from") ?? -Infinity;
    const to = queryTime(query, "to") ?? Infinity;
    const principal = requestPrincipal(request);
    const records = store.list().filter((summary) => summary.start >= from && summary.start < to && mayRead(principal, summary));
    return jsonResponse({ records });
  }, { access: READERS, doc: { summary: "Kept post-call records as summaries (disposition, queues, agents, wait, handle time, score), oldest first: ?from, ?to (ms or ISO) by the call's start; an agent sees the calls they answered" } });

  context.route("GET", "/v1/postcall/:id", async (request, params) => {
    const id = params.id!;
    const summary = store.summary(id);
    const record = summary && mayRead(requestPrincipal(request), summary) ? await store.get(id) : undefined;
    if (!record) throw new ParleyError("PARLEY_ERR_NOT_FOUND", `post-call record ${id}`);
    return jsonResponse(record);
  }, { access: READERS, doc: { summary: "A call's post-call record (transcript, summary and facts, measures, scorecard); an agent reads only the calls they answered" } });
}
