// The OpenAPI 3.1 document of the API, made from the routes as they are registered, so every
// route (plugin routes included) is listed with its method, summary, auth and answers.
import type { Access } from "./auth.ts";
import type { RouteDoc, SchemaObject } from "./routes.ts";

/** A route as the document lists it. */
export interface DocumentedRoute {
  method: string;
  /** Path with `:name` parameters. */
  path: string;
  access: Access;
  doc: RouteDoc;
}

const ERROR_SCHEMA: SchemaObject = {
  type: "object",
  required: ["error"],
  properties: {
    error: {
      type: "object",
      required: ["code", "message"],
      properties: { code: { type: "string", examples: ["PARLEY_ERR_NOT_FOUND"] }, message: { type: "string" } },
    },
  },
};

const ERROR_CONTENT = { "application/json": { schema: { $ref: "#/components/schemas/Error" } } };

/** `/v1/sessions/:id` as OpenAPI writes it: `/v1/sessions/{id}`. */
export function openApiPath(path: string): string {
  return path.replace(/:(\w+)/g, "{$1}");
}

function responses(doc: RouteDoc, access: Access): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [status, response] of Object.entries(doc.responses ?? { "200": { description: "Success" } })) {
    out[status] = response.content
      ? { description: response.description, content: Object.fromEntries(Object.entries(response.content).map(([type, schema]) => [type, { schema }])) }
      : { description: response.description };
  }
  if (access !== "public") out["401"] = { $ref: "#/components/responses/Unauthorized" };
  out.default = { $ref: "#/components/responses/Error" };
  return out;
}

function operation(route: DocumentedRoute): Record<string, unknown> {
  const { doc, access, path } = route;
  const parameters = [
    ...[...path.matchAll(/:(\w+)/g)].map(([, name]) => ({ name, in: "path", required: true, schema: { type: "string" } })),
    ...Object.entries(doc.query ?? {}).map(([name, query]) => ({ name, in: "query", required: false, description: query.description, schema: query.schema ?? { type: "string" } })),
  ];
  return {
    summary: doc.summary,
    ...(doc.description ? { description: doc.description } : {}),
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(doc.requestBody
      ? { requestBody: { required: true, content: Object.fromEntries(Object.entries(doc.requestBody).map(([type, schema]) => [type, { schema }])) } }
      : {}),
    responses: responses(doc, access),
    security: access === "public" ? [] : access === "metrics" ? [{ bearer: [] }, { metricsBearer: [] }] : [{ bearer: [] }],
  };
}

/** The OpenAPI 3.1 document of `routes`. */
export function openApiDocument(routes: readonly DocumentedRoute[], info: { title: string; version: string }): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const item = (paths[openApiPath(route.path)] ??= {});
    item[route.method.toLowerCase()] = operation(route);
  }
  return {
    openapi: "3.1.0",
    info: { ...info, description: "Parley's HTTP API. Routes marked with a security requirement need a bearer token when tokens are configured." },
    paths,
    components: {
      schemas: { Error: ERROR_SCHEMA },
      responses: {
        Error: { description: 'An error: `{"error":{"code","message"}}` with a stable PARLEY_ERR_* code', content: ERROR_CONTENT },
        Unauthorized: { description: "No bearer token, or a wrong one", content: ERROR_CONTENT },
      },
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer", description: "An API token (config auth.tokens); also accepted as ?access_token=" },
        metricsBearer: { type: "http", scheme: "bearer", description: "A metrics token (config auth.metricsTokens)" },
      },
    },
  };
}
