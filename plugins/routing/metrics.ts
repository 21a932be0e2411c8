// The routing plugin's metrics: what a call center's wallboard and its SLA reports read.
import type { PluginMetrics } from "../../core/mod.ts";
import type { Router } from "./Router.ts";
import type { QueueStats, RoutingEvent } from "./types.ts";

/** Wait and handle times: seconds to half an hour. */
const CALL_SECONDS = [1, 5, 10, 20, 30, 60, 120, 300, 600, 1800];

/** Routing decisions: 20 µs to a quarter second, with the 5 ms the load bench gates p99 at. */
const DECISION_SECONDS = [0.00002, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.25];

/** Registers parley_routing_decision_seconds and returns what records one decision's time into it. */
export function decisionMetric(metrics: PluginMetrics): (seconds: number) => void {
  const decisions = metrics.histogram("parley_routing_decision_seconds", "Time the router took to pick and reserve agents for the calls waiting, one dispatch pass, event delivery left out", [], DECISION_SECONDS);
  return (seconds) => decisions.observe(seconds);
}

/** Registers the routing metrics and returns the function that counts each router event into them. */
export function routingMetrics(metrics: PluginMetrics, router: Router): (event: RoutingEvent) => void {
  const entered = metrics.counter("parley_queue_entered_total", "Calls that entered a queue", ["queue"]);
  const answered = metrics.counter("parley_queue_answered_total", "Calls an agent answered", ["queue"]);
  const abandoned = metrics.counter("parley_queue_abandoned_total", "Callers who hung up while waiting", ["queue"]);
  const overflowed = metrics.counter("parley_queue_overflowed_total", "Calls that waited past their queue's longest wait", ["queue"]);
  const wait = metrics.histogram("parley_queue_wait_seconds", "Time in the queue of answered and abandoned calls", ["queue", "outcome"], CALL_SECONDS);
  const handle = metrics.histogram("parley_call_handle_seconds", "Talk time of calls agents completed", ["queue"], CALL_SECONDS);
  // Read from the router's state at scrape time: what is true now, not a count kept beside it.
  const perQueue = (name: string, help: string, value: (stats: QueueStats) => number | null) =>
    metrics.gauge(name, help, ["queue"], async (gauge) => {
      gauge.reset();
      for (const queue of await router.store.listQueues()) {
        const figure = value(await router.stats(queue.id));
        if (figure !== null) gauge.set({ queue: queue.id }, figure);
      }
    });
  perQueue("parley_queue_calls_waiting", "Calls waiting in each queue now", (stats) => stats.waiting);
  perQueue("parley_queue_longest_wait_seconds", "Wait so far of the call waiting longest in each queue now (0: none waiting)", (stats) => stats.longestWaitMs / 1000);
  perQueue("parley_queue_service_level_ratio", "Answered within the queue's service-level threshold over answered, since start", (stats) => stats.serviceLevel);
  metrics.gauge("parley_agents", "Agents by status and state", ["status", "state"], async (gauge) => {
    gauge.reset();
    const counts = new Map<string, number>();
    for (const agent of await router.store.listAgents()) counts.set(`${agent.status}/${agent.state}`, (counts.get(`${agent.status}/${agent.state}`) ?? 0) + 1);
    for (const [key, count] of counts) {
      const [status, state] = key.split("/");
      gauge.set({ status, state }, count);
    }
  });
  return (event) => {
    switch (event.type) {
      case "queue.entered":
        entered.inc({ queue: event.queueId });
        break;
      case "queue.answered":
        answered.inc({ queue: event.queueId });
        wait.observe({ queue: event.queueId, outcome: "answered" }, event.waitMs / 1000);
        break;
      case "queue.abandoned":
        abandoned.inc({ queue: event.queueId });
        wait.observe({ queue: event.queueId, outcome: "abandoned" }, event.waitMs / 1000);
        break;
      case "queue.overflowed":
        overflowed.inc({ queue: event.queueId });
        break;
      case "call.completed":
        handle.observe({ queue: event.queueId }, event.talkMs / 1000);
        break;
    }
  };
}
