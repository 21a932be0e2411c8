import type { AgentRecord, QueuedCall, QueueSpec, Strategy } from "./types.ts";

/** The skill levels a call needs after waiting `waitedMs`: its own or its queue's, relaxed by the queue's steps. */
export function requirementAt(queue: QueueSpec, call: QueuedCall, waitedMs: number): Record<string, number> {
  let skills = call.skills ?? queue.skills;
  for (const step of queue.relax) if (waitedMs >= step.afterSeconds * 1000) skills = step.skills;
  return skills;
}

/** True when `agent` is free and has the skills and language `call` needs now. */
export function canTake(agent: AgentRecord, call: QueuedCall, skills: Record<string, number>): boolean {
  if (agent.status !== "available" || agent.state !== "idle") return false;
  if (call.onlyAgent !== undefined && call.onlyAgent !== agent.id) return false;
  if (call.language && !agent.languages.some((language) => sameLanguage(language, call.language!))) return false;
  return Object.entries(skills).every(([skill, level]) => (agent.skills[skill] ?? 0) >= level);
}

/** "en" speaks "en-GB" and the other way round; "en" does not speak "es". */
function sameLanguage(a: string, b: string): boolean {
  const [x, y] = [a.toLowerCase(), b.toLowerCase()];
  return x === y || x.split("-")[0] === y.split("-")[0];
}

/** Who of `candidates` (all able to take the call) gets the offer, by the queue's strategy. */
export function choose(strategy: Strategy, candidates: readonly AgentRecord[], lastOffered?: string): AgentRecord[] {
  if (candidates.length === 0) return [];
  if (strategy === "ring-all") return [...candidates];
  if (strategy === "round-robin") {
    const ordered = [...candidates].sort((a, b) => a.id.localeCompare(b.id));
    return [ordered.find((agent) => lastOffered !== undefined && agent.id.localeCompare(lastOffered) > 0) ?? ordered[0]];
  }
  return [candidates.reduce((best, agent) => (agent.idleSince < best.idleSince || (agent.idleSince === best.idleSince && agent.id < best.id) ? agent : best))];
}
