import { z } from 'zod';
import { methods } from './methods.js';
import { methodDocs } from './openapi-methods.js';

/*
 * The server HTTP API as an OpenAPI 3.1 document, built from the zod schemas that validate
 * the requests (OpenAPI 3.1 schemas are JSON Schema 2020-12, what z.toJSONSchema writes),
 * so the document and the checks cannot disagree. Results have no schemas in the code (the
 * executors return plain objects), so the document describes them as objects, and says so.
 */

type Json = Record<string, unknown>;

/** An operation outside `/api` that the document also lists (the token broker's routes). */
export interface OpenApiRoute {
  method: 'get' | 'post' | 'delete';
  /** Where the route's paths start, e.g. `/parsec`. */
  prefix: string;
  /** The path under the prefix, e.g. `/token`. */
  path: string;
  tag: string;
  summary: string;
  /** The JSON body, when the route takes one. */
  body?: z.ZodType;
  example?: unknown;
  /** `operator`: the server API's credentials; `caller`: the caller's own Bearer (an IdP token or a service key); `either`: one or the other. */
  auth: 'operator' | 'caller' | 'either';
}

export interface OpenApiOptions {
  /** `http_api.handler_prefix`. */
  apiPrefix: string;
  version: string;
  /** The credentials the API takes, as configured. */
  auth: { key: boolean; bearer: boolean; insecure: boolean };
  /** Said in the description when the API listens on another port than the document's. */
  apiElsewhere?: string;
  routes?: readonly OpenApiRoute[];
}

/** `presence_stats` → `PresenceStatsRequest`. */
const schemaName = (method: string): string => `${method.replace(/(^|_)([a-z])/g, (_, __: string, c: string) => c.toUpperCase())}Request`;

/** A request schema as JSON Schema, in the form a request may take (defaults make keys optional). */
function jsonSchema(schema: z.ZodType): Json {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Json;
  return rest;
}

const errorSchema: Json = {
  type: 'object',
  properties: { code: { type: 'integer', description: '100 internal, 102 unknown channel, 104 not found, 107 bad request, 108 not available, 112 unrecoverable position, 113 conflict' }, message: { type: 'string' } },
  required: ['code', 'message'],
};

const resultSchema: Json = {
  type: 'object',
  description: "The method's result. Its fields are described in the README (the code keeps no schema of results); a method without a result answers {}.",
  additionalProperties: true,
};

const plainError: Json = { type: 'object', properties: { error: { type: 'string' } }, required: ['error'] };

const jsonContent = (schema: Json, example?: unknown): Json => ({ 'application/json': example === undefined ? { schema } : { schema, example } });

/** The answers every API method shares: the reply envelope and the HTTP-level failures. */
function apiResponses(): Json {
  return {
    '200': {
      description: 'The reply: `result`, or `error` (in the default error mode, method errors are a 200 with `error`).',
      content: jsonContent({ $ref: '#/components/schemas/Reply' }),
    },
    '400': { description: 'The body is not JSON; in transport error mode, also a 107 or 108 error.', content: jsonContent({ oneOf: [plainError, { $ref: '#/components/schemas/Error' }] }) },
    '401': { description: 'Missing or wrong credentials.', content: jsonContent(plainError) },
    '404': { description: 'In transport error mode: 102 unknown channel or 104 not found.', content: jsonContent({ $ref: '#/components/schemas/Error' }) },
    '413': { description: 'The body is larger than `http_api.max_request_body_size`.', content: jsonContent(plainError) },
    '500': { description: 'In transport error mode: 100 internal error.', content: jsonContent({ $ref: '#/components/schemas/Error' }) },
    '503': { description: 'A Bearer token could not be checked: the JWKS endpoint is unreachable (Retry-After).', content: jsonContent(plainError) },
  };
}

function securitySchemes(): Json {
  return {
    ApiKeyAuth: { type: 'apiKey', in: 'header', name: 'X-API-Key', description: '`http_api.key` (also taken as `Authorization: apikey <key>`).' },
    ApiKeyQuery: { type: 'apiKey', in: 'query', name: 'api_key', description: '`http_api.key` as a query parameter.' },
    BearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'A JWT checked against `http_api.jwks` (audience, issuer, scope).' },
  };
}

/** The server API's security requirement as configured: any one scheme that is on. */
function apiSecurity(a: OpenApiOptions['auth']): Json[] {
  if (a.insecure) return [{}];
  const on: Json[] = [];
  if (a.key) on.push({ ApiKeyAuth: [] }, { ApiKeyQuery: [] });
  if (a.bearer) on.push({ BearerAuth: [] });
  // Neither configured: every request is refused; the key is still what a request would carry.
  return on.length > 0 ? on : [{ ApiKeyAuth: [] }];
}

/** The batch body: `commands`, each an object with exactly one method name as its key. */
function batchSchema(names: readonly string[]): Json {
  return {
    type: 'object',
    properties: {
      commands: {
        type: 'array',
        items: {
          type: 'object',
          minProperties: 1,
          maxProperties: 1,
          properties: Object.fromEntries(names.map((n) => [n, { $ref: `#/components/schemas/${schemaName(n)}` }])),
          additionalProperties: false,
        },
      },
      parallel: { type: 'boolean', default: false, description: 'Run the commands concurrently; replies keep the input order either way.' },
    },
  };
}

/** The OpenAPI 3.1 document of the server HTTP API (and any extra routes given). */
export function openApiDocument(o: OpenApiOptions): Json {
  const prefix = o.apiPrefix.replace(/\/+$/, '') || '/api';
  const names = Object.keys(methods) as Array<keyof typeof methods>;
  const schemas: Json = { Error: errorSchema, Result: resultSchema };
  schemas.Reply = {
    type: 'object',
    properties: { result: { $ref: '#/components/schemas/Result' }, error: { $ref: '#/components/schemas/Error' } },
    description: 'Exactly one of `result` and `error`.',
  };
  const paths: Json = {};
  for (const name of names) {
    const doc = methodDocs[name];
    schemas[schemaName(name)] = jsonSchema(methods[name].schema);
    paths[`/${name}`] = {
      post: {
        operationId: name,
        tags: [doc.tag],
        summary: doc.summary,
        requestBody: { required: true, content: jsonContent({ $ref: `#/components/schemas/${schemaName(name)}` }, doc.example) },
        responses: apiResponses(),
      },
    };
  }
  schemas.BatchRequest = batchSchema(names);
  paths['/batch'] = {
    post: {
      operationId: 'batch',
      tags: ['batch'],
      summary: 'Run many commands in one request',
      requestBody: {
        required: true,
        content: jsonContent({ $ref: '#/components/schemas/BatchRequest' }, { commands: [{ publish: methodDocs.publish.example }, { presence_stats: methodDocs.presence_stats.example }] }),
      },
      responses: {
        '200': {
          description: 'One reply per command, in order: `{"<method>": result}` or `{"error": …}`.',
          content: jsonContent({ type: 'object', properties: { replies: { type: 'array', items: { type: 'object', additionalProperties: true } } }, required: ['replies'] }),
        },
        '400': { description: 'The body is not a batch.', content: jsonContent({ oneOf: [plainError, { $ref: '#/components/schemas/Error' }] }) },
        '401': { description: 'Missing or wrong credentials.', content: jsonContent(plainError) },
      },
    },
  };
  for (const r of o.routes ?? []) addRoute(paths, schemas, r);
  const elsewhere = o.apiElsewhere ? `\n\n${o.apiElsewhere}` : '';
  return {
    openapi: '3.1.0',
    info: {
      title: 'Parsec server HTTP API',
      version: o.version,
      description:
        `Every method is \`POST ${prefix}/<method>\` with a JSON body, as in Centrifugo. Method errors are \`{"error": {"code", "message"}}\` with HTTP 200, ` +
        'or an HTTP status with `http_api.error_mode: transport` or the header `X-Centrifugo-Error-Mode: transport`. ' +
        `Request schemas are the ones the server validates with; results are described as objects (see the README for their fields). The legacy newline-delimited \`POST ${prefix}\` endpoint is not described here.${elsewhere}`,
    },
    servers: [{ url: prefix }],
    security: apiSecurity(o.auth),
    tags: [...new Set([...names.map((n) => methodDocs[n].tag), 'batch', ...(o.routes ?? []).map((r) => r.tag)])].map((name) => ({ name })),
    paths,
    components: { schemas, securitySchemes: securitySchemes() },
  };
}

/**
 * A route outside the API prefix. Its path item names its own server (its prefix), as OpenAPI
 * allows, so its key stays a plain path; a key the API already has would hide one of them.
 */
function addRoute(paths: Json, schemas: Json, r: OpenApiRoute): void {
  const operationId = `${r.method}${`${r.prefix}${r.path}`.replace(/[^a-zA-Z0-9]+(.)?/g, (_, c?: string) => (c ? c.toUpperCase() : ''))}`;
  const item = (paths[r.path] ??= { servers: [{ url: r.prefix }] }) as Json;
  const servers = item.servers as Array<{ url: string }> | undefined;
  if (servers?.[0]?.url !== r.prefix) throw new Error(`OpenAPI: ${r.prefix}${r.path} shares its path with another route`);
  let requestBody: Json | undefined;
  if (r.body) {
    const name = `${operationId[0]!.toUpperCase()}${operationId.slice(1)}Request`;
    schemas[name] = jsonSchema(r.body);
    requestBody = { required: true, content: jsonContent({ $ref: `#/components/schemas/${name}` }, r.example) };
  }
  item[r.method] = {
    operationId,
    tags: [r.tag],
    summary: r.summary,
    ...(requestBody ? { requestBody } : {}),
    // A caller's own Bearer is not the server API's: those routes name their own requirement.
    ...(r.auth === 'operator' ? {} : { security: r.auth === 'caller' ? [{ BearerAuth: [] }] : [{ BearerAuth: [] }, { ApiKeyAuth: [] }] }),
    responses: {
      '200': { description: 'Done.', content: jsonContent(resultSchema) },
      default: { description: 'An error: `{"error", "code"}`.', content: jsonContent({ type: 'object', properties: { error: { type: 'string' }, code: { type: 'string' } }, required: ['error'] }) },
    },
  };
}
