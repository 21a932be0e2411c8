// The routing plugin's HTTP API: configuration for admins, queues and agents for supervisors, their
// own audio legs and listen, whisper or barge on a call, and for each agent its own desktop:
// status, audio leg, offers, call controls (consult and warm transfer too) and wrap-up.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { filter, map } from "rxjs";
import { type ErrorEntry, jsonResponse, ParleyError, type ParleyErrorCode, type PluginContext, readJson, requestPrincipal, serverSentEvents } from "../../core/mod.ts";
import type { AgentTokens } from "./agent-tokens.ts";
import { RoutingError, type RoutingErrorCode } from "./RoutingError.ts";
import type { RoutingService } from "./service.ts";
import { supervisorMode } from "./supervision.ts";
import type { AgentStatus } from "./types.ts";

/** Headers of the pages the plugin serves: scripts and styles from this server only. */
const PAGE_HEADERS = { "content-type": "text/html; charset=utf-8", "cache-control": "no-cache", "content-security-policy": "default-src 'self'; style-src 'self' 'unsafe-inline'; script-src 'self' 'unsafe-inline'; media-src 'self' blob:" };

const STATUSES: readonly AgentStatus[] = ["offline", "available", "on_break"];
const ADMIN = { roles: ["admin"] } as const;
const STAFF = { roles: ["admin", "supervisor"] } as const;
const AGENT = { roles: ["agent"] } as const;

/** HTTP status of each routing refusal. */
const STATUS_OF: Record<RoutingErrorCode, number> = {
  invalid_queue: 400,
  invalid_agent: 400,
  unknown_queue: 404,
  unknown_agent: 404,
  unknown_call: 409,
  already_queued: 409,
  offer_gone: 409,
  not_offered: 403,
  agent_unavailable: 409,
  unknown_leg: 404,
  invalid_mode: 400,
  consult_state: 409,
  store_unavailable: 503,
  node_unavailable: 503,
};

/** The catalogue code of a routing refusal. */
function catalogueCode(code: RoutingErrorCode): string {
  return `PARLEY_ERR_ROUTING_${code.toUpperCase()}`;
}

/** The routing plugin's error codes for the server's catalogue: status and message. */
export const ROUTING_ERRORS: Record<string, ErrorEntry> = Object.fromEntries(
  (Object.entries(STATUS_OF) as [RoutingErrorCode, number][]).map(([code, status]) => [catalogueCode(code), [status, "%s"] as const]),
);

/** Runs `work`; a RoutingError becomes the ParleyError of its catalogue entry (the coded API answer, or a coded failure at start). */
export async function coded<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof RoutingError) throw new ParleyError(catalogueCode(error.code) as ParleyErrorCode, error.message);
    throw error;
  }
}

const answer = coded<Response>;

/** The agent asking (the route takes agent tokens only). */
function agentOf(request: Request): string {
  return requestPrincipal(request).agentId!;
}

function statusFrom(body: Record<string, unknown>): AgentStatus {
  const status = body.status as AgentStatus;
  if (!STATUSES.includes(status)) throw new RoutingError("invalid_agent", `status must be one of ${STATUSES.join(", ")}`);
  return status;
}

/**
 * Opens a staff member's audio leg with `metadata` (its mark): a WHIP offer (application/sdp; the
 * session id is the last part of the Location) or a plain RTP leg ({"codec", "remote"}: a
 * softphone, or simulated staff in a load test).
 */
async function openLeg(context: PluginContext, request: Request, metadata: Record<string, string>): Promise<Response> {
  if ((request.headers.get("content-type") ?? "").startsWith("application/sdp")) {
    const { session, answer: sdp } = await context.transport("whip").answer(await request.text(), metadata);
    return new Response(sdp, { status: 201, headers: { "content-type": "application/sdp", location: `/whip/${session.id}` } });
  }
  const body = await readJson(request);
  const created = await context.transport("rtp").open({ codec: String(body.codec ?? "pcmu"), remote: typeof body.remote === "string" ? body.remote : undefined, metadata });
  return jsonResponse({ sessionId: created.session.id, host: created.host, port: created.port, codec: created.codec.name }, 201);
}

/** Registers every route of the routing plugin. */
export function registerRoutingRoutes(context: PluginContext, service: RoutingService, tokens: AgentTokens): void {
  const { router } = service;
  const slowClients = context.metrics.counter("parley_slow_clients_dropped_total", "Event-stream and WebSocket clients dropped for not reading what was sent to them", ["channel"]);
  const page = readFileSync(join(import.meta.dirname ?? "plugins/routing", "agent.html"));
  context.route("GET", "/agent", () => new Response(page, { headers: PAGE_HEADERS }), { access: "public", name: "agent desktop", doc: { summary: "The agent desktop (a web page)" } });
  const wallboard = readFileSync(join(import.meta.dirname ?? "plugins/routing", "wallboard.html"));
  context.route("GET", "/wallboard", () => new Response(wallboard, { headers: PAGE_HEADERS }), {
    access: "public", name: "wallboard", doc: { summary: "The supervisors' wallboard (a web page): queues, agents, live calls and their alerts" },
  });

  // Configuration: admins.
  context.route("POST", "/v1/queues", (request) => answer(async () => jsonResponse(await router.addQueue(await readJson(request)), 201)), {
    access: ADMIN, doc: { summary: "Defines or redefines a queue (strategy, skills, relaxation, ring and wrap-up times, overflow, service level)" },
  });
  context.route("POST", "/v1/agents", (request) => answer(async () => {
    const body = await readJson(request);
    const { token, ...definition } = body;
    const agent = await router.addAgent(definition);
    return jsonResponse({ agent, token: tokens.issue(agent.id, typeof token === "string" && token.length >= 16 ? token : undefined) }, 201);
  }), { access: ADMIN, doc: { summary: "Defines an agent (skills, languages) and issues its token, returned once" } });

  // Queues and agents: supervisors.
  context.route("GET", "/v1/queues", () => answer(async () => jsonResponse(await Promise.all((await router.store.listQueues()).map(async (queue) => ({ ...queue, stats: await router.stats(queue.id) }))))), {
    access: STAFF, doc: { summary: "Queues with their figures now (waiting, longest wait, answered, abandoned, service level)" },
  });
  context.route("GET", "/v1/queues/:id", (_request, params) => answer(async () => jsonResponse(await router.stats(params.id!))), { access: STAFF, doc: { summary: "One queue's figures" } });
  context.route("GET", "/v1/agents", () => answer(async () => jsonResponse(await router.store.listAgents())), { access: STAFF, doc: { summary: "Agents with status and state" } });
  context.route("PUT", "/v1/agents/:id/status", (request, params) => answer(async () => jsonResponse(await router.setStatus(params.id!, statusFrom(await readJson(request)), "supervisor"))), {
    access: STAFF, doc: { summary: "A supervisor sets an agent's status" },
  });

  // The agent's own desktop.
  context.route("GET", "/v1/agent/me", (request) => answer(async () => {
    const agent = await router.store.getAgent(agentOf(request));
    if (!agent) throw new RoutingError("unknown_agent", `no agent ${agentOf(request)}`);
    return jsonResponse(agent);
  }), { access: AGENT, doc: { summary: "The agent asking, with status and state" } });
  context.route("POST", "/v1/agent/status", (request) => answer(async () => jsonResponse(await service.setStatus(agentOf(request), statusFrom(await readJson(request))))), {
    access: AGENT, doc: { summary: "Sets the agent's own status (available needs the audio leg)" },
  });
  context.route("POST", "/v1/agent/leg", (request) => answer(async () => {
    const agentId = agentOf(request);
    if (!(await router.store.getAgent(agentId))) throw new RoutingError("unknown_agent", `no agent ${agentId}`);
    const mark = service.expectLeg(agentId);
    return await openLeg(context, request, { agentLeg: mark }).catch((error) => {
      service.forgetLeg(mark);
      throw error;
    });
  }), { access: AGENT, maxBodyBytes: 65536, doc: { summary: "Opens the agent's audio leg: a WHIP offer (application/sdp) or an RTP leg ({codec, remote})" } });
  context.route("GET", "/v1/agent/events", (request) => {
    const agentId = agentOf(request);
    const notices$ = service.notices$.pipe(
      filter(({ agentId: to }) => to === agentId),
      map(({ notice }) => ({ event: notice.type, data: JSON.stringify(notice) })),
    );
    return serverSentEvents(request, notices$, { onSlowClient: () => slowClients.inc({ channel: "agent" }) });
  }, { access: AGENT, doc: { summary: "The agent's notices as server-sent events: offers with context, turns, call ends, status and state, and the call's events named by the option agentEvents (assist suggestions, reminders, alerts)" } });
  context.route("POST", "/v1/offers/:id/accept", (request, params) => answer(async () => jsonResponse(await service.accept(params.id!, agentOf(request)))), {
    access: AGENT, doc: { summary: "Accepts an offered call: bridged to the agent's leg at once; 409 when another agent took it or the caller hung up" },
  });
  context.route("POST", "/v1/offers/:id/decline", (request, params) => answer(async () => {
    await service.decline(params.id!, agentOf(request));
    return new Response(null, { status: 204 });
  }), { access: AGENT, doc: { summary: "Declines an offered call: it goes on to another agent" } });
  for (const action of ["hold", "unhold", "hangup"] as const) {
    context.route("POST", `/v1/agent/call/${action}`, (request) => answer(async () => {
      await service[action](agentOf(request));
      return new Response(null, { status: 204 });
    }), { access: AGENT, doc: { summary: `${action[0].toUpperCase()}${action.slice(1)}s the agent's call` } });
  }
  context.route("POST", "/v1/agent/call/transfer", (request) => answer(async () => {
    const body = await readJson(request);
    await service.transfer(agentOf(request), { queue: typeof body.queue === "string" ? body.queue : undefined, agent: typeof body.agent === "string" ? body.agent : undefined });
    return new Response(null, { status: 204 });
  }), { access: AGENT, doc: { summary: "Blind transfer of the agent's call to a queue ({queue}) or an agent ({agent})" } });
  context.route("POST", "/v1/agent/call/consult", (request) => answer(async () => {
    const body = await readJson(request);
    if (typeof body.agent !== "string") throw new RoutingError("invalid_agent", "name the agent to consult: {\"agent\": id}");
    return jsonResponse(await service.consult(agentOf(request), body.agent), 201);
  }), { access: AGENT, doc: { summary: "Consults another agent ({agent}): the caller on hold, the agent offered the consult with the call's context" } });
  context.route("DELETE", "/v1/agent/call/consult", (request) => answer(async () => {
    await service.cancelConsult(agentOf(request));
    return new Response(null, { status: 204 });
  }), { access: AGENT, doc: { summary: "Gives the consult up: the consulted agent leaves, the caller comes off hold" } });
  context.route("POST", "/v1/agent/call/conference", (request) => answer(async () => {
    service.conference(agentOf(request));
    return new Response(null, { status: 204 });
  }), { access: AGENT, doc: { summary: "Brings the held caller into the consult: caller and both agents hear each other" } });
  context.route("POST", "/v1/agent/call/complete-transfer", (request) => answer(async () => {
    await service.completeTransfer(agentOf(request));
    return new Response(null, { status: 204 });
  }), { access: AGENT, doc: { summary: "Warm transfer: the agent leaves (and wraps up), the consulted agent stays with the caller" } });

  // Supervisors: a leg of their own, then listen, whisper or barge on any call, switched live.
  context.route("POST", "/v1/supervisor/leg", (request) => answer(async () => {
    const mark = service.expectSupervisorLeg();
    return await openLeg(context, request, { supervisorLeg: mark }).catch((error) => {
      service.forgetSupervisorLeg(mark);
      throw error;
    });
  }), { access: STAFF, maxBodyBytes: 65536, doc: { summary: "Opens a supervisor's audio leg: a WHIP offer (application/sdp) or an RTP leg ({codec, remote})" } });
  context.route("POST", "/v1/calls/:id/supervise", (request, params) => answer(async () => {
    const body = await readJson(request);
    return jsonResponse(service.supervise(params.id!, String(body.leg ?? ""), supervisorMode(body.mode)));
  }), { access: STAFF, doc: { summary: "A supervisor's leg ({leg}) joins the call, or switches, in mode listen, whisper or barge ({mode})" } });
  context.route("DELETE", "/v1/calls/:id/supervise", (request, params) => answer(async () => {
    service.unsupervise(params.id!, new URL(request.url).searchParams.get("leg") ?? undefined);
    return new Response(null, { status: 204 });
  }), { access: STAFF, doc: { summary: "The supervisor's leg (?leg=, or every one) leaves the call" } });

  context.route("POST", "/v1/agent/wrapup", (request) => answer(async () => {
    const body = await readJson(request);
    await service.wrapUp(agentOf(request), { disposition: String(body.disposition ?? ""), notes: typeof body.notes === "string" ? body.notes.slice(0, 2000) : "" });
    return new Response(null, { status: 204 });
  }), { access: AGENT, doc: { summary: "Ends the agent's wrap-up with an outcome and notes" } });
  context.route("GET", "/v1/agent/transfer-targets", () => answer(async () => jsonResponse({
    queues: (await router.store.listQueues()).map(({ id, name }) => ({ id, name })),
    agents: (await router.store.listAgents()).map(({ id, name, status }) => ({ id, name, status })),
  })), { access: AGENT, doc: { summary: "Queues and agents a call can be transferred to" } });
}
