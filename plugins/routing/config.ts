// Queue and agent definitions as an API or a configuration file gives them: checked with clear
// messages, defaults filled in.
import { Ajv } from "ajv";
import { RoutingError } from "./RoutingError.ts";
import type { AgentRecord, QueueSpec } from "./types.ts";

const ajv = new Ajv({ useDefaults: true, allErrors: true, strict: false });
const id = { type: "string", pattern: "^[A-Za-z0-9_.-]{1,64}$" };
const skills = { type: "object", additionalProperties: { type: "number", minimum: 0, maximum: 10 }, default: {} };

const validateQueue = ajv.compile({
  type: "object",
  properties: {
    id,
    name: { type: "string", minLength: 1, maxLength: 200 },
    strategy: { enum: ["longest-idle", "round-robin", "ring-all"], default: "longest-idle" },
    skills,
    relax: {
      type: "array",
      items: { type: "object", properties: { afterSeconds: { type: "number", minimum: 0 }, skills }, required: ["afterSeconds"], additionalProperties: false },
      default: [],
    },
    ringSeconds: { type: "number", minimum: 1, maximum: 300, default: 20 },
    wrapUpSeconds: { type: "number", minimum: 0, maximum: 3600, default: 10 },
    maxMissedOffers: { type: "integer", minimum: 0, maximum: 100, default: 3 },
    maxWaitSeconds: { type: "number", minimum: 0, default: 0 },
    overflow: {
      oneOf: [
        { type: "object", properties: { queue: id }, required: ["queue"], additionalProperties: false },
        { type: "object", properties: { message: { type: "string", minLength: 1, maxLength: 1000 } }, required: ["message"], additionalProperties: false },
      ],
    },
    serviceLevelSeconds: { type: "number", minimum: 1, default: 20 },
  },
  required: ["id"],
  additionalProperties: false,
});

const validateAgent = ajv.compile({
  type: "object",
  properties: {
    id,
    name: { type: "string", minLength: 1, maxLength: 200 },
    skills,
    languages: { type: "array", items: { type: "string", pattern: "^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$" }, default: ["en"] },
  },
  required: ["id"],
  additionalProperties: false,
});

/** A queue from its definition (defaults: longest-idle, 20 s ring, 10 s wrap-up, 3 missed offers, 20 s service level); throws RoutingError invalid_queue. */
export function queueFrom(input: unknown): QueueSpec {
  const queue = structuredClone(input) as Record<string, unknown>;
  if (!validateQueue(queue)) throw new RoutingError("invalid_queue", `queue: ${ajv.errorsText(validateQueue.errors, { dataVar: "queue" })}`);
  const spec = { name: queue.id, ...queue } as QueueSpec;
  spec.relax = [...spec.relax].sort((a, b) => a.afterSeconds - b.afterSeconds);
  if (spec.overflow && "queue" in spec.overflow && spec.overflow.queue === spec.id) throw new RoutingError("invalid_queue", `queue ${spec.id} cannot overflow into itself`);
  if (spec.overflow && spec.maxWaitSeconds === 0) throw new RoutingError("invalid_queue", `queue ${spec.id}: an overflow needs maxWaitSeconds`);
  return spec;
}

/** A new agent (offline, idle) from its definition; throws RoutingError invalid_agent. */
export function agentFrom(input: unknown, now: number): AgentRecord {
  const agent = structuredClone(input) as Record<string, unknown>;
  if (!validateAgent(agent)) throw new RoutingError("invalid_agent", `agent: ${ajv.errorsText(validateAgent.errors, { dataVar: "agent" })}`);
  const { id: agentId, name, skills: levels, languages } = agent as { id: string; name?: string; skills: Record<string, number>; languages: string[] };
  return { id: agentId, name: name ?? agentId, skills: levels, languages, status: "offline", state: "idle", idleSince: now, missedOffers: 0 };
}
