// The Grafana dashboard (ops/grafana/parley.json) against a real server: every PromQL expression in
// it parses (Prometheus's own grammar, @prometheus-io/lezer-promql), and every metric it names is at
// /metrics of a server with the default plugins (the kpi plugin among them), after a call reached a queue.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parser } from "@prometheus-io/lezer-promql";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { silentAsrEngine } from "../bench/silent-asr-engine.ts";
import { createServer, type EventInput } from "../core/mod.ts";
import { requireTool, waitFor } from "../core/testing.ts";
import { useDefaultPlugins } from "./default-plugins.ts";

const DASHBOARD = join(import.meta.dirname ?? "examples", "..", "ops", "grafana", "parley.json");

/** Grafana's own variables and the dashboard's, as Prometheus would see them once Grafana filled them in. */
const VARIABLES: [RegExp, string][] = [[/\$__(rate_interval|range|interval)\b/g, "5m"], [/\$queue\b/g, ".*"]];

interface Panel {
  title?: string;
  targets?: { expr?: string }[];
  panels?: Panel[];
}

/** Every PromQL expression of the dashboard's panels (rows included), with the panel's title. */
function expressions(dashboard: { panels: Panel[] }): { title: string; expr: string }[] {
  const all: { title: string; expr: string }[] = [];
  const visit = (panel: Panel) => {
    for (const target of panel.targets ?? []) if (target.expr) all.push({ title: panel.title ?? "", expr: target.expr });
    for (const inner of panel.panels ?? []) visit(inner);
  };
  dashboard.panels.forEach(visit);
  return all;
}

/** The metric names an expression selects, and its syntax errors (where the parser found them). */
function metricNames(expr: string): { names: string[]; errors: string[] } {
  const filled = VARIABLES.reduce((text, [pattern, value]) => text.replace(pattern, value), expr);
  const names: string[] = [];
  const errors: string[] = [];
  parser.parse(filled).iterate({
    enter(node) {
      if (node.type.isError) errors.push(`at ${node.from}: ${JSON.stringify(filled.slice(Math.max(0, node.from - 20), node.to + 20))}`);
      if (node.name === "Identifier" && node.node.parent?.name === "VectorSelector") names.push(filled.slice(node.from, node.to));
    },
  });
  return { names, errors };
}

/** Names a scrape offers: every sample's, and for each histogram or summary declared its _bucket, _sum and _count (series without samples yet). */
function scrapedNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split("\n")) {
    const declared = /^# TYPE (\S+) (\S+)/.exec(line);
    if (declared) {
      names.add(declared[1]!);
      if (declared[2] === "histogram" || declared[2] === "summary") for (const suffix of ["_bucket", "_sum", "_count"]) names.add(declared[1]! + suffix);
    } else if (line && !line.startsWith("#")) names.add(/^[^{\s]+/.exec(line)![0]);
  }
  return names;
}

let scrape: Promise<string> | undefined;

/** /metrics of a default server (kpi included), after a caller reached the support queue and another call ended with the bot. */
function scrapeOnce(): Promise<string> {
  scrape ??= (async () => {
    const voiceprints = mkdtempSync(join(tmpdir(), "parley-dashboard-"));
    const server = useDefaultPlugins(createServer({ http: { port: 0, host: "127.0.0.1" }, rtp: { ports: "48940-48959" }, logLevel: "silent" }), { voiceprints, asrEngine: silentAsrEngine() });
    try {
      const { port } = await server.listen();
      const contained = await server.rtp.open({ codec: "pcmu", remote: "127.0.0.1:9", metadata: { callerId: "+15550100" } });
      await contained.session.hangup();
      const { session } = await server.rtp.open({ codec: "pcmu", remote: "127.0.0.1:9" });
      session.emit({ type: "route.request", intent: "agent", reason: "caller_request", transcript: [], source: "voicebot" } as EventInput);
      await waitFor(async () => (await server.metrics.registry.getSingleMetricAsString("parley_queue_entered_total")).includes('queue="support"} 1'), 3000, "the call queued");
      return await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    } finally {
      await server.close();
      rmSync(voiceprints, { recursive: true, force: true });
    }
  })();
  return scrape;
}

test("every PromQL expression of the dashboard parses, and every metric it names is at /metrics of a default server", async () => {
  const dashboard = JSON.parse(readFileSync(DASHBOARD, "utf8"));
  const available = scrapedNames(await scrapeOnce());
  const named = new Set<string>();
  const problems: string[] = [];
  for (const { title, expr } of expressions(dashboard)) {
    const { names, errors } = metricNames(expr);
    if (errors.length > 0) problems.push(`${title}: does not parse ${errors.join("; ")}`);
    if (names.length === 0) problems.push(`${title}: names no metric: ${expr}`);
    for (const name of names) {
      named.add(name);
      if (!available.has(name)) problems.push(`${title}: ${name} is not at /metrics`);
    }
  }
  // The queue variable's values come from a metric too.
  for (const variable of dashboard.templating.list) {
    const metric = /label_values\((\w+),/.exec(variable.definition ?? "")?.[1];
    if (metric && !available.has(metric)) problems.push(`variable ${variable.name}: ${metric} is not at /metrics`);
  }
  assert.equal(problems, []);
  // What the dashboard is for: media health, queues and the KPIs.
  for (const name of ["parley_rtp_packets_lost_total", "parley_rtp_jitter_seconds_bucket", "parley_event_loop_lag_seconds", "parley_ingest_seconds_bucket", "parley_queue_calls_waiting", "parley_queue_longest_wait_seconds", "parley_queue_service_level_ratio", "parley_queue_wait_seconds_sum", "parley_queue_abandoned_total", "parley_kpi_calls_total", "parley_kpi_handle_seconds_sum", "parley_kpi_identified_calls_total", "parley_kpi_survey_answers_total"]) {
    assert.ok(named.has(name), `the dashboard shows ${name}`);
  }
  console.log(`${expressions(dashboard).length} expressions, ${named.size} metrics, all at /metrics`);
});

test("the dashboard check catches a misspelled metric and an expression that does not parse", async () => {
  const available = scrapedNames(await scrapeOnce());
  const misspelled = metricNames("sum(rate(parley_kpi_call_total[$__rate_interval]))");
  assert.equal(misspelled.errors, []);
  assert.equal(misspelled.names, ["parley_kpi_call_total"]);
  assert.not.ok(available.has("parley_kpi_call_total"));
  assert.ok(metricNames('sum(rate(parley_kpi_calls_total{outcome="contained"[5m]))').errors.length > 0);
});

test("the kpi plugin's metrics and the routing plugin's new gauge pass promtool check metrics", async () => {
  if (!requireTool("promtool")) return;
  const text = await scrapeOnce();
  const ours = text.split("\n").filter((line) => /^(# (HELP|TYPE) )?(parley_kpi_|parley_queue_longest_wait_seconds)/.test(line)).join("\n") + "\n";
  assert.match(ours, /parley_kpi_calls_total\{outcome="contained"\} 1/);
  const lint = spawnSync("promtool", ["check", "metrics"], { input: ours, encoding: "utf8" });
  assert.is(lint.status, 0, `promtool: ${lint.stdout}${lint.stderr}`);
});

test.run();
