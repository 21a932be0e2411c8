// GET /openapi.json: an OpenAPI 3.1 document of the whole API, the routes of transports and
// plugins included, that validates against the OpenAPI 3.1 schema.
import { Validator } from "@seriousme/openapi-schema-validator";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { consolePlugin } from "../../plugins/console/mod.ts";
import { jsonResponse } from "./routes.ts";
import { createServer, type ParleyServer } from "../server.ts";

const TOKEN = "openapi-token-1";

async function withServer(fn: (base: string, server: ParleyServer) => Promise<void>): Promise<void> {
  const server = createServer({ logLevel: "silent", http: { port: 0, host: "127.0.0.1" }, rtp: { ports: "45300-45309" }, auth: { tokens: [TOKEN] } });
  server.use(consolePlugin);
  server.use({
    name: "greeter",
    version: "1.0.0",
    setup(host) {
      host.route("GET", "/v1/greetings/:name", (_request, params) => jsonResponse({ hello: params.name }), {
        doc: { summary: "Greets someone", responses: { "200": { description: "A greeting", content: { "application/json": { type: "object", properties: { hello: { type: "string" } } } } } } },
      });
      host.route("POST", "/v1/greetings", () => new Response(null, { status: 204 }));
    },
  });
  const { port } = await server.listen();
  try {
    await fn(`http://127.0.0.1:${port}`, server);
  } finally {
    await server.close();
  }
}

/** What every server serves, by method and OpenAPI path. */
const CORE_ROUTES = [
  "get /healthz", "get /v1/health", "get /metrics", "get /v1/sessions", "get /v1/sessions/{id}", "delete /v1/sessions/{id}", "get /v1/events", "get /openapi.json", "get /assets/event-stream.js", "get /assets/pages.css",
  "post /v1/rtp", "post /whip", "patch /whip/{id}", "delete /whip/{id}", "get /v1/media-stream", "get /v1/audio-fork",
];

test("/openapi.json is a valid OpenAPI 3.1 document listing every route, plugin routes included, with summary, auth and answers", () =>
  withServer(async (base) => {
    assert.is((await fetch(`${base}/openapi.json`)).status, 401, "the route list is not open to everyone");
    const response = await fetch(`${base}/openapi.json`, { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.is(response.status, 200);
    const document = await response.json();
    const validator = new Validator();
    const result = await validator.validate(document);
    assert.ok(result.valid, JSON.stringify(result.errors, null, 1));
    assert.is(validator.version, "3.1");
    const operations = Object.entries(document.paths as Record<string, Record<string, { summary: string; security: unknown[]; responses: Record<string, unknown> }>>)
      .flatMap(([path, item]) => Object.entries(item).map(([method, operation]) => ({ key: `${method} ${path}`, operation })));
    const listed = operations.map(({ key }) => key).sort();
    assert.equal(listed, [...CORE_ROUTES, "get /", "get /console/history", "get /v1/greetings/{name}", "post /v1/greetings"].sort());
    for (const { key, operation } of operations) {
      assert.type(operation.summary, "string", key);
      assert.ok(Object.keys(operation.responses).length > 0, key);
    }
    const find = (key: string) => operations.find((entry) => entry.key === key)!.operation;
    assert.equal(find("get /healthz").security, [], "public routes need no token");
    assert.equal(find("get /v1/greetings/{name}").security, [{ bearer: [] }]);
    assert.is(find("get /v1/greetings/{name}").summary, "Greets someone");
    assert.is(find("post /v1/greetings").summary, "POST /v1/greetings", "an undocumented plugin route is listed all the same");
  }));

test("every route the document lists is served: none answers 404 for its path", () =>
  withServer(async (base) => {
    const headers = { authorization: `Bearer ${TOKEN}` };
    const document = await (await fetch(`${base}/openapi.json`, { headers })).json();
    for (const [path, item] of Object.entries(document.paths as Record<string, Record<string, unknown>>)) {
      for (const method of Object.keys(item)) {
        if (path === "/v1/events") continue;
        const url = `${base}${path.replace(/\{(\w+)\}/g, "x")}`;
        const answer = await fetch(url, { method: method.toUpperCase(), headers });
        const text = await answer.text();
        assert.not.match(text, /PARLEY_ERR_(NOT_FOUND","message":"Route|METHOD_NOT_ALLOWED)/, `${method} ${path}: ${text}`);
      }
    }
  }));

test.run();
