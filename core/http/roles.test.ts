import { test } from "uvu";
import * as assert from "uvu/assert";
import { ParleyError } from "../errors.ts";
import { type Access, type AuthTokens, authorize, type Principal } from "./auth.ts";

const agents: AuthTokens["resolvers"] = [(token) => (token === "agent-ann" ? { role: "agent", agentId: "ann" } : undefined)];
const configured: AuthTokens = { api: ["admin-1"], supervisor: ["super-1"], metrics: ["scrape-1"], resolvers: agents };
const open: AuthTokens = { api: [], metrics: [], resolvers: agents };

/** The principal, or the HTTP status of the refusal. */
function ask(tokens: AuthTokens, access: Access, token?: string): Principal | number {
  try {
    return authorize({ authorization: token === undefined ? undefined : `Bearer ${token}`, url: new URL("http://parley/x") }, access, tokens);
  } catch (error) {
    if (error instanceof ParleyError) return error.status;
    throw error;
  }
}

test("each token carries its role: admin and supervisor use the API, metrics only /metrics, agents only their own routes", () => {
  assert.equal(ask(configured, "api", "admin-1"), { role: "admin" });
  assert.equal(ask(configured, "api", "super-1"), { role: "supervisor" });
  assert.is(ask(configured, "api", "scrape-1"), 403);
  assert.is(ask(configured, "api", "agent-ann"), 403);
  assert.equal(ask(configured, "metrics", "scrape-1"), { role: "metrics" });
  assert.equal(ask(configured, { roles: ["agent"] }, "agent-ann"), { role: "agent", agentId: "ann" });
  assert.is(ask(configured, { roles: ["agent"] }, "admin-1"), 403);
  assert.is(ask(configured, { roles: ["admin"] }, "super-1"), 403, "configuration is the admin's");
});

test("no token or an unknown one is 401; a public route asks nothing", () => {
  assert.is(ask(configured, "api"), 401);
  assert.is(ask(configured, "api", "guess"), 401);
  assert.equal(ask(configured, "public"), { role: "anonymous" });
});

test("a server without API or supervisor tokens leaves the API open, but an agent route still needs the agent's token", () => {
  assert.equal(ask(open, "api"), { role: "admin" });
  assert.equal(ask(open, { roles: ["admin", "supervisor"] }), { role: "admin" });
  assert.is(ask(open, { roles: ["agent"] }), 401);
  assert.equal(ask(open, { roles: ["agent"] }, "agent-ann"), { role: "agent", agentId: "ann" });
  assert.is(ask(open, "api", "agent-ann"), 403, "an agent's token is an agent's, even on an open server");
});

test.run();
