// The routing plugin: queues, agents, offers with the call's context, bridged calls, the agent desktop.
export { routing, RoutingOptions } from "./plugin.ts";
export { Router, type RouterOptions, type EnqueueRequest, type Answered } from "./Router.ts";
export { MemoryRoutingStore, type QueueCounters, type RoutingStore } from "./store.ts";
export { RoutingService, type AgentNotice, type RoutingPolicy } from "./service.ts";
export { type CallContext, ContextCollector, summarize, type Turn } from "./context.ts";
export { RoutingError, type RoutingErrorCode } from "./RoutingError.ts";
export type { AgentRecord, AgentState, AgentStatus, Offer, QueuedCall, QueueSpec, QueueStats, RoutingEvent, Strategy } from "./types.ts";
export { ROUTING_EVENTS } from "./events.ts";
