// The `routing` plugin: the human half of the call center. Queues and agents from its options
// (and the API), callers handed over by the voice bot (route.request) routed by their events,
// agents' desktops at /agent, and the metrics call centers run on.
import { definePlugin, holdMusicClip, type Plugin, type Static, StringEnum, Type } from "../../core/mod.ts";
import { AgentTokens } from "./agent-tokens.ts";
import "./events.ts";
import { decisionMetric, routingMetrics } from "./metrics.ts";
import { joinCluster, restoreNode, sharedTokens } from "./node.ts";
import { coded, registerRoutingRoutes, ROUTING_ERRORS } from "./routes.ts";
import { RoutingError } from "./RoutingError.ts";
import { RoutingService } from "./service.ts";

const Skills = Type.Record(Type.String(), Type.Number());

/** A queue as the options give it; the router checks ranges and fills defaults (config.ts). */
const QueueOption = Type.Object({
  id: Type.String(),
  name: Type.Optional(Type.String()),
  strategy: Type.Optional(StringEnum(["longest-idle", "round-robin", "ring-all"])),
  skills: Type.Optional(Skills),
  relax: Type.Optional(Type.Array(Type.Object({ afterSeconds: Type.Number(), skills: Skills }))),
  ringSeconds: Type.Optional(Type.Number()),
  wrapUpSeconds: Type.Optional(Type.Number()),
  maxMissedOffers: Type.Optional(Type.Integer()),
  maxWaitSeconds: Type.Optional(Type.Number()),
  overflow: Type.Optional(Type.Union([Type.Object({ queue: Type.String() }), Type.Object({ message: Type.String() })])),
  serviceLevelSeconds: Type.Optional(Type.Number()),
});

/** An agent as the options give it, with its bearer token. */
const AgentOption = Type.Object({
  id: Type.String(),
  name: Type.Optional(Type.String()),
  skills: Type.Optional(Skills),
  languages: Type.Optional(Type.Array(Type.String())),
  /** The agent's bearer token for the desktop and its API (at least 16 characters). */
  token: Type.String({ minLength: 16 }),
});

/** Options of the `routing` plugin. */
export const RoutingOptions = Type.Object({
  /** Queues; default one queue, "support". */
  queues: Type.Array(QueueOption, { default: [{ id: "support" }] }),
  /** Agents and their tokens; more can be added by the API (POST /v1/agents). */
  agents: Type.Array(AgentOption, { default: [] }),
  /** Queue of each topic the bot recognised ("billing": "billing"); others go to `defaultQueue`. */
  intentQueues: Type.Record(Type.String(), Type.String(), { default: {} }),
  defaultQueue: Type.String({ default: "support" }),
  /** Queue for callers whose voice is reliably judged synthetic; none: no change. */
  fraudQueue: Type.Optional(Type.String()),
  /** Priority added when a waiting caller's emotion escalates. */
  escalationPriority: Type.Number({ default: 10 }),
  /** Priority by the session metadata `customerValue` ("gold": 5). */
  valuePriority: Type.Record(Type.String(), Type.Number(), { default: {} }),
  /** Position and wait announcements every this many seconds of waiting; 0: only on entry. */
  announceEverySeconds: Type.Number({ minimum: 0, maximum: 3600, default: 30 }),
  /** Types of the caller's events passed on to the agent on the call, as `call.event` notices (a trailing `*` matches a prefix): the assist plugin's suggestions, reminders and alerts. */
  agentEvents: Type.Array(Type.String({ minLength: 1 }), { default: ["assist.*"] }),
  /** How often ring timeouts, wrap-ups and overflows are checked, ms. */
  tickMs: Type.Integer({ minimum: 20, maximum: 5000, default: 250 }),
  /** Keep queues, agents and offers in Redis, shared by every node that names the same Redis and prefix; default: in this process. */
  redis: Type.Optional(Type.Object({
    /** `redis://[:password@]host:port[/db]`, `rediss://...`, or a unix socket's path. */
    url: Type.String({ minLength: 1 }),
    /** Key prefix of this call center's state; default "parley:". */
    prefix: Type.Optional(Type.String({ minLength: 1 })),
    /** This node's address as the other nodes reach its RTP ports (the audio of calls between nodes); default its first external IPv4. */
    address: Type.Optional(Type.String({ minLength: 1 })),
  }, { additionalProperties: false })),
}, { additionalProperties: false });

/** Options of the `routing` plugin. */
export type RoutingOptions = Static<typeof RoutingOptions>;

/** The routing plugin: `server.use(routing, { queues: [...], agents: [...] })`. */
export const routing: Plugin<RoutingOptions> = definePlugin({
  name: "routing",
  version: "1.0.0",
  options: RoutingOptions,
  errors: ROUTING_ERRORS,
  async setup(context, options) {
    const { store, cluster, openPipe } = options.redis ? await joinCluster(context, options.redis) : {};
    const service = new RoutingService({
      intentQueues: options.intentQueues,
      defaultQueue: options.defaultQueue,
      fraudQueue: options.fraudQueue,
      escalationPriority: options.escalationPriority,
      valuePriority: options.valuePriority,
      announceEverySeconds: options.announceEverySeconds,
    }, { clock: context.clock, store, cluster, openPipe, onDecision: decisionMetric(context.metrics), agentEvents: options.agentEvents, onError: (error) => context.log.warn({ err: error }, "routing work failed") });
    // Made now rather than when the first caller waits: making the hold music and cutting it into each
    // telephone rate's frames held up every other call for 130 ms (measured with 50 callers).
    for (const rate of [8000, 16000, 48000]) holdMusicClip().framesFor(rate, rate / 50);
    const tokens = store && cluster ? await sharedTokens(context, store, cluster) : new AgentTokens();
    // Queues that others overflow into come first, so every overflow names a queue that exists.
    const queues = [...options.queues].sort((a, b) => Number("overflow" in a) - Number("overflow" in b));
    // A bad configuration stops the server at start with the code an API call would get.
    await coded(async () => {
      for (const queue of queues) await service.router.addQueue(queue);
      for (const queueId of [options.defaultQueue, options.fraudQueue, ...Object.values(options.intentQueues)]) {
        if (queueId !== undefined && !(await service.router.store.getQueue(queueId))) throw new RoutingError("invalid_queue", `routing options name queue ${JSON.stringify(queueId)}, which is not defined`);
      }
      for (const { token, ...agent } of options.agents) tokens.issue((await service.router.addAgent(agent)).id, token);
    });
    store?.onReconnect((lost) => {
      // After a connection that only dropped, the state is still there.
      if (lost) restoreNode(context, { store, service, tokens, queues, agents: options.agents });
    });
    context.addTokenResolver((token) => tokens.resolve(token));
    const count = routingMetrics(context.metrics, service.router);
    const reported = service.events$.subscribe(count);
    registerRoutingRoutes(context, service, tokens);
    // With the shared store out of reach the clock fails every tick: said once, and once when it works again.
    let clockFailing = false;
    const clock = setInterval(() => {
      service.tick().then(() => {
        if (clockFailing) context.log.info("routing clock running again");
        clockFailing = false;
      }, (error) => {
        if (!clockFailing) context.log.error({ err: error }, "routing clock failed");
        clockFailing = true;
      });
    }, options.tickMs);
    context.onClose(() => {
      clearInterval(clock);
      reported.unsubscribe();
      service.close();
    });
    return (session) => service.attach(session);
  },
});
