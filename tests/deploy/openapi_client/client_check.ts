// A client generated from web/openapi.json (openapi-typescript types,
// openapi-fetch calls) drives a live aftersales server the way an
// integrator's program would: an admin makes a shop integration user and an
// agent; the shop posts a delivered order and submits the buyer's return;
// the agent approves it; the shop reads the case back. The calls compile
// only if the document describes them (tsc --strict); at run time every
// answer's status must be one the document lists for the operation, and
// every JSON body must validate against the document's schema for it
// (ajv, JSON Schema 2020-12 as OpenAPI 3.1 uses it). Any mismatch throws:
// the process exits 1 naming the call.
//
//   node client_check.js BASE_URL ADMIN_TOKEN OPENAPI_JSON
import { readFileSync } from "node:fs";
import { strict as assert } from "node:assert";
import createClient, { type Middleware } from "openapi-fetch";
import { Ajv2020 } from "ajv/dist/2020.js";
import ajvFormats from "ajv-formats";
import type { components, paths } from "./schema.js";

type Case = components["schemas"]["Case"];

const [baseUrl, adminToken, documentPath] = process.argv.slice(2);
if (!baseUrl || !adminToken || !documentPath) {
  console.error("usage: node client_check.js BASE_URL ADMIN_TOKEN OPENAPI_JSON");
  process.exit(2);
}

// --- the document as a validator ---------------------------------------------

interface Json {
  [key: string]: unknown;
}
const document = JSON.parse(readFileSync(documentPath, "utf8")) as Json;
const ajv = new Ajv2020({ strict: false, allErrors: true });
// ajv-formats is CommonJS: its plugin is the module's `default`.
ajvFormats.default(ajv);
ajv.addSchema(document, "openapi.json");

const pointer = (...parts: string[]) => parts.map((p) => p.replace(/~/g, "~0").replace(/\//g, "~1")).join("/");

function at(path: string): unknown {
  let node: unknown = document;
  for (const part of path.split("/").slice(1)) {
    node = (node as Json)[part.replace(/~1/g, "/").replace(/~0/g, "~")];
    if (node === undefined) return undefined;
  }
  return node;
}

// The JSON pointer of the schema the document gives for the body of `status`
// to `method path`, following a $ref to a shared response; undefined when
// the answer has no JSON body. Throws when the document does not list the
// status for the operation.
function responseSchema(path: string, method: string, status: number): string | undefined {
  let location = "/" + pointer("paths", path, method.toLowerCase(), "responses", String(status));
  let response = at(location) as Json | undefined;
  if (response === undefined) {
    throw new Error(`the server answered ${status} to ${method} ${path}, which the document does not list`);
  }
  if (typeof response.$ref === "string") {
    location = response.$ref.slice(1);
    response = at(location) as Json;
  }
  const content = response.content as Json | undefined;
  if (!content) return undefined;
  const mediaType = Object.keys(content).find((t) => t.endsWith("json"));
  return mediaType === undefined ? undefined : location + "/" + pointer("content", mediaType, "schema");
}

let checked = 0;
// Checks each answer against the document before the caller sees it.
const conformance: Middleware = {
  async onResponse({ request, response, schemaPath }) {
    const call = `${request.method} ${schemaPath}`;
    const schema = responseSchema(schemaPath, request.method, response.status);
    if (schema !== undefined) {
      const body: unknown = await response.clone().json();
      const validate = ajv.getSchema(`openapi.json#${schema}`);
      if (!validate) throw new Error(`${call}: no schema at ${schema}`);
      if (!validate(body)) {
        throw new Error(`${call} answered ${response.status} with a body the document does not allow: ` +
                        `${ajv.errorsText(validate.errors)}\n${JSON.stringify(body).slice(0, 500)}`);
      }
    }
    checked += 1;
    return response;
  },
};

// --- the calls ----------------------------------------------------------------

function clientFor(token: string) {
  const client = createClient<paths>({ baseUrl, headers: { Authorization: `Bearer ${token}` } });
  client.use(conformance);
  return client;
}

// The value of a call that must succeed, or an error naming it.
function ok<T>(what: string, result: { data?: T; error?: unknown; response: Response }): T {
  if (result.data === undefined) {
    throw new Error(`${what}: ${result.response.status} ${JSON.stringify(result.error)}`);
  }
  return result.data;
}

const run = `${Date.now()}-${process.pid}`;
const admin = clientFor(adminToken);

const health = ok("GET /healthz", await admin.GET("/healthz"));
assert.equal(health.status, "ok");

const shopUser = ok("POST /api/v1/users (integration)", await admin.POST("/api/v1/users", {
  body: { name: `shop-${run}`, role: "integration" },
}));
const agentUser = ok("POST /api/v1/users (agent)", await admin.POST("/api/v1/users", {
  body: { name: `agent-${run}`, role: "agent", approval_limit: 50000 },
}));
const shop = clientFor(shopUser.token);
const agent = clientFor(agentUser.token);

const day = 24 * 3600 * 1000;
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
const orderId = `SO-CLIENT-${run}`;
const order = ok("POST /api/v1/orders", await shop.POST("/api/v1/orders", {
  params: { header: { "Idempotency-Key": `order-${run}` } },
  body: {
    id: orderId,
    buyer_id: `b-${run}`,
    currency: "CNY",
    placed_at: iso(Date.now() - 5 * day),
    delivered_at: iso(Date.now() - 2 * day),
    shipping_paid: 800,
    lines: [{ line_id: "1", sku: "CUP-TH-500", title: "Thermos cup", qty: 2, paid: 25800 }],
  },
}));
assert.equal(order.id, orderId);
assert.ok(order.refundable_amount >= 25800, `refundable_amount ${order.refundable_amount}`);

const submitted: Case = ok("POST /api/v1/cases", await shop.POST("/api/v1/cases", {
  body: {
    order_id: orderId,
    buyer_id: `b-${run}`,
    type: "return_refund",
    reason: "quality_issue",
    description: "The lid leaks.",
    lines: [{ line_id: "1", qty: 1 }],
  },
}));
assert.equal(submitted.state, "requested");
assert.equal(submitted.version, 1);
assert.equal(submitted.requested_amount, 12900);

const approved = ok("POST /api/v1/cases/{id}/actions/approve", await agent.POST("/api/v1/cases/{id}/actions/{action}", {
  params: { path: { id: submitted.id, action: "approve" } },
  body: { expected_version: submitted.version, note: "approved by the generated client" },
}));
assert.equal(approved.version, submitted.version + 1);
assert.notEqual(approved.state, submitted.state);

const readBack = ok("GET /api/v1/cases/{id}", await shop.GET("/api/v1/cases/{id}", {
  params: { path: { id: submitted.id } },
}));
assert.equal(readBack.id, submitted.id);
assert.equal(readBack.state, approved.state);
assert.equal(readBack.version, approved.version);
assert.equal(readBack.agreed_amount, 12900);

// A refusal is described too: the same approval again, with a stale version.
const stale = await agent.POST("/api/v1/cases/{id}/actions/{action}", {
  params: { path: { id: submitted.id, action: "approve" } },
  body: { expected_version: submitted.version },
});
assert.equal(stale.response.status, 409);
assert.ok(stale.error && stale.error.code === "version_conflict", JSON.stringify(stale.error));

console.log(`client check: case ${readBack.id} ${submitted.state} -> ${readBack.state} (version ${readBack.version}); ` +
            `${checked} answers matched the document`);
