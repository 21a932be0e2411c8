// Agents' bearer tokens: issued by the routing plugin (from its configuration or on creating an
// agent by the API), kept only as SHA-256 digests, and resolved to the agent role for the server.
import { createHash, randomBytes } from "node:crypto";
import type { Principal } from "../../core/mod.ts";

function digest(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/** Who each agent token belongs to. */
export class AgentTokens {
  readonly #agents = new Map<string, string>();

  /** Gives `agentId` the token (a new random one when none is given); returns it. */
  issue(agentId: string, token: string = randomBytes(24).toString("base64url")): string {
    for (const [key, owner] of this.#agents) if (owner === agentId) this.#agents.delete(key);
    this.#agents.set(digest(token), agentId);
    return token;
  }

  /** The agent principal of `token`, if it is an agent's. Comparing digests in a map leaks nothing of the token's characters. */
  resolve(token: string): Principal | undefined {
    const agentId = this.#agents.get(digest(token));
    return agentId === undefined ? undefined : { role: "agent", agentId };
  }
}
