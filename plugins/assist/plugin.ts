// The `assist` plugin: live help for the agent on a bridged call, as events on the caller's
// session: knowledge-base suggestions for what the caller just said, reminders of required
// disclosures the agent has not made, and an alert when the caller's emotion turns negative.
// The routing plugin forwards them to the agent desktop; any other client reads them too.
import { tap } from "rxjs";
import { definePlugin, jsonResponse, type Plugin, type Static, StringEnum, Type } from "../../core/mod.ts";
import { assistCall } from "./call-assistant.ts";
import "./events.ts";
import { loadKnowledgeBase } from "./knowledge-base.ts";

/** Who may read the knowledge base: staff, and agents (it is their reference). */
const READERS = { roles: ["admin", "supervisor", "agent"] } as const;

const Disclosure = Type.Object({
  id: Type.String({ minLength: 1 }),
  /** Any one of these said is enough; the first is what a reminder tells the agent to say. */
  phrases: Type.Array(Type.String({ minLength: 1, pattern: "[A-Za-z0-9]" }), { minItems: 1 }),
  /** Deadline after the agent joins the call, s. */
  withinSeconds: Type.Number({ minimum: 1, maximum: 3600 }),
}, { additionalProperties: false });

/** Options of the `assist` plugin. */
export const AssistOptions = Type.Object({
  /** Folder of Markdown articles (`*.md`): the title from the first heading, the rest indexed. */
  knowledgeBase: Type.String({ minLength: 1 }),
  /** The caller's last this many final turns make the query (each older one weighs half the one after it). */
  turns: Type.Integer({ minimum: 1, maximum: 10, default: 2 }),
  /** Articles per suggestion. */
  suggestions: Type.Integer({ minimum: 1, maximum: 10, default: 3 }),
  /** Disclosures the agent must make. */
  disclosures: Type.Array(Disclosure, {
    default: [{ id: "recording_notice", phrases: ["this call is recorded", "this call may be recorded", "calls are recorded"], withinSeconds: 30 }],
  }),
  /** Weighted share of a disclosure's words (meaningful words count double) to hear in order, 0.5 to 1. */
  matchRatio: Type.Number({ minimum: 0.5, maximum: 1, default: 0.75 }),
  /** Time the recogniser gets past a deadline to report words said before it, ms. */
  graceMs: Type.Integer({ minimum: 0, maximum: 10000, default: 2000 }),
  /** When the caller's emotion counts as negative (from the emotion plugin's events), and how often to alert. */
  alerts: Type.Object({
    labels: Type.Array(Type.String(), { default: ["angry"] }),
    minScore: Type.Number({ minimum: 0, maximum: 1, default: 0.6 }),
    valenceBelow: Type.Number({ minimum: -1, maximum: 1, default: -0.5 }),
    scopes: Type.Array(StringEnum(["utterance", "rolling"]), { minItems: 1, default: ["utterance"] }),
    cooldownSeconds: Type.Number({ minimum: 0, maximum: 3600, default: 30 }),
    escalations: Type.Boolean({ default: true }),
  }, { additionalProperties: false, default: {} }),
  /** Session metadata key that marks an agent's own leg (the routing plugin's); such legs get no assistance of their own. */
  agentLegKey: Type.String({ minLength: 1, default: "agentLeg" }),
}, { additionalProperties: false });

/** Options of the `assist` plugin. */
export type AssistOptions = Static<typeof AssistOptions>;

/** The assist plugin: `server.use(assist, { knowledgeBase: "kb/" })`. */
export const assist: Plugin<AssistOptions> = definePlugin({
  name: "assist",
  version: "1.0.0",
  options: AssistOptions,
  async setup(context, options) {
    const unusable = context.errors.register("PARLEY_ERR_ASSIST_KNOWLEDGE_BASE", "The knowledge base %s cannot be used: %s");
    const unknownArticle = context.errors.register("PARLEY_ERR_ASSIST_UNKNOWN_ARTICLE", "No knowledge-base article %s", 404);
    const knowledgeBase = await loadKnowledgeBase(options.knowledgeBase).catch((error: Error) => {
      throw unusable(options.knowledgeBase, error.message);
    });
    context.log.info({ articles: knowledgeBase.list().length }, "knowledge base loaded");
    const suggestions = context.metrics.counter("parley_assist_suggestions_total", "Knowledge-base suggestions made to agents", []);
    const reminders = context.metrics.counter("parley_assist_reminders_total", "Required disclosures agents had not made by their deadline", ["disclosure"]);
    const alerts = context.metrics.counter("parley_assist_alerts_total", "Alerts to agents about the caller's emotion", ["reason"]);

    context.route("GET", "/v1/assist/articles", () => jsonResponse(knowledgeBase.list().map(({ id, title }) => ({ id, title }))), {
      access: READERS, doc: { summary: "The knowledge base's articles: id and title" },
    });
    context.route("GET", "/v1/assist/articles/:id", (_request, params) => {
      const article = knowledgeBase.get(params.id!);
      if (!article) throw unknownArticle(JSON.stringify(params.id));
      return jsonResponse({ id: article.id, title: article.title, markdown: article.markdown, text: article.text });
    }, { access: READERS, doc: { summary: "One knowledge-base article: its Markdown and its plain text" } });

    const settings = { ...options, knowledgeBase };
    return (session) => {
      if (options.agentLegKey in session.info.metadata) return;
      return assistCall(session, (id) => context.sessions().find((leg) => leg.id === id), settings).pipe(
        tap((event) => {
          if (event.type === "assist.suggestions") suggestions.inc();
          else if (event.type === "assist.reminder") reminders.inc({ disclosure: event.disclosureId });
          else if (event.type === "assist.alert") alerts.inc({ reason: event.reason });
        }),
      );
    };
  },
});
