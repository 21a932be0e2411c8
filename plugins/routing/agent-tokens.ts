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

  /** `onIssued`: told each token issued here, as its digest (for the other nodes of a cluster). */
  constructor(readonly onIssued: (agentId: string, digest: string) => void = () => {}) {}

  /** Gives `agentId` the token (a new random one when none is given); returns it. */
  issue(agentId: string, token: string = randomBytes(24).toString("base64url")): string {
    const key = digest(token);
    this.adopt(agentId, key);
    this.onIssued(agentId, key);
    return token;
  }

  /** Gives `agentId` the token whose digest another node issued, in place of the one it had. */
  adopt(agentId: string, tokenDigest: string): void {
    for (const [key, owner] of this.#agents) if (owner === agentId) this.#agents.delete(key);
    this.#agents.set(tokenDigest, agentId);
  }

  /** Every agent's token digest. */
  digests(): [agentId: string, digest: string][] {
    return [...this.#agents].map(([key, owner]) => [owner, key]);
  }

  /** The agent principal of `token`, if it is an agent's. Comparing digests in a map leaks nothing of the token's characters. */
  resolve(token: string): Principal | undefined {
    const agentId = this.#agents.get(digest(token));
    return agentId === undefined ? undefined : { role: "agent", agentId };
  }
}
