// The routing plugin as one node of a call center whose state is in Redis: the connections (the
// store and the channel to the other nodes), the pipe legs that carry a call's audio between two
// nodes, the agents' tokens every node knows, and what a node puts back when Redis restarted empty.
import { firstExternalIPv4, type PluginContext } from "../../core/mod.ts";
import { AgentTokens } from "./agent-tokens.ts";
import { RedisCluster } from "./cluster.ts";
import { RedisRoutingStore, type RedisStoreOptions } from "./redis-store.ts";
import { coded } from "./routes.ts";
import type { ClusterMessage, OpenPipe, RoutingService } from "./service.ts";

/** Where the call center's state is, and this node's address for the audio of calls between nodes. */
export interface NodeOptions extends RedisStoreOptions {
  /** This node's address as the other nodes reach its RTP ports; default its first external IPv4. */
  address?: string;
}

/** This node's connections to the others. */
export interface ClusterNode {
  store: RedisRoutingStore;
  cluster: RedisCluster<ClusterMessage>;
  openPipe: OpenPipe;
}

/**
 * Connects to the call center's Redis (a server that cannot reach it stops at start with
 * PARLEY_ERR_ROUTING_STORE_UNAVAILABLE), refuses new calls while the connection is down, and
 * closes both connections with the server.
 */
export async function joinCluster(context: PluginContext, options: NodeOptions): Promise<ClusterNode> {
  const store = await coded(() => RedisRoutingStore.connect(options));
  context.onClose(() => store.close());
  // A caller this node could not route is better sent to another node by the carrier or the load balancer.
  context.refuseSessionsWhen(() => (store.connected ? undefined : "this node cannot reach the routing state in Redis"));
  const cluster = await coded(() => RedisCluster.connect<ClusterMessage>(options));
  context.onClose(() => cluster.close());
  context.metrics.gauge("parley_cluster_nodes", "Nodes of this call center heard from within the last second, this one included", [], (gauge) => gauge.set(cluster.nodes().length));
  const lost = context.metrics.counter("parley_cluster_nodes_lost_total", "Nodes this node declared lost (silent for four heartbeats while it heard its own)", []);
  cluster.lost$.subscribe(() => lost.inc());
  // Audio between the caller's node and the agent's: 16 kHz linear PCM over plain RTP (no coding
  // loss added to the call's, and no encoder, the costliest step of a frame), each end marked as
  // an agent's leg. The end that knows the other's address sends to it at once; the other answers
  // wherever that media comes from.
  const address = options.address ?? firstExternalIPv4();
  const openPipe: OpenPipe = async ({ mark, remote }) => {
    const opened = await context.transport("rtp").open({ codec: "l16", remote, symmetric: remote === undefined, sendFirst: true, metadata: { agentLeg: mark } });
    return { session: opened.session, address: `${address ?? opened.host}:${opened.port}` };
  };
  return { store, cluster, openPipe };
}

/**
 * Agents' tokens every node knows: each issued here goes to Redis (for nodes that start later) and
 * to the nodes running now, as its digest; those already in Redis are taken at start.
 */
export async function sharedTokens(context: PluginContext, store: RedisRoutingStore, cluster: RedisCluster<ClusterMessage>): Promise<AgentTokens> {
  const tokens = new AgentTokens((agentId, digest) => {
    cluster.publish({ kind: "token", agentId, digest });
    store.putAgentToken(agentId, digest).catch((error) => context.log.warn({ err: error }, "agent token not shared"));
  });
  for (const [agentId, digest] of await coded(() => store.agentTokens())) tokens.adopt(agentId, digest);
  cluster.messages$.subscribe((message) => message.kind === "token" && tokens.adopt(message.agentId, message.digest));
  return tokens;
}

/**
 * Redis came back empty: what this node knows goes back in: the configured queues where missing,
 * its tokens, the agents whose legs it holds and its waiting callers, the configured agents where
 * missing. Logged either way.
 */
export function restoreNode(context: PluginContext, node: { store: RedisRoutingStore; service: RoutingService; tokens: AgentTokens; queues: readonly { id: string }[]; agents: readonly { id: string; token: string }[] }): void {
  const { store, service, tokens } = node;
  const restored = async () => {
    for (const queue of node.queues) if (!(await store.getQueue(queue.id))) await service.router.addQueue(queue);
    for (const [agentId, digest] of tokens.digests()) await store.putAgentToken(agentId, digest);
    await service.restore();
    for (const { token: _, ...agent } of node.agents) if (!(await store.getAgent(agent.id))) await service.router.addAgent(agent);
  };
  restored().then(() => context.log.info("routing state in Redis restored after the connection came back"), (error) => context.log.error({ err: error }, "routing state not restored"));
}
