import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { methods, openApiDocument } from '../../src/api/index.js';
import { namespace, startServer, testConfig, type TestServer } from '../helpers/server.js';
import { once, sdk, type Sdk } from '../helpers/sdk.js';
import { connToken } from '../helpers/tokens.js';

const KEY = 'openapi-test-key-0123456789';

/** A parsed document, navigated freely: the assertions check its shape. */
type Json = Record<string, any>;

/** Every `$ref` in a document, with where it was found. */
function refs(node: unknown, at = '#', out: Array<[string, string]> = []): Array<[string, string]> {
  if (Array.isArray(node)) node.forEach((v, i) => refs(v, `${at}/${i}`, out));
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string') out.push([at, v]);
      else refs(v, `${at}/${k}`, out);
    }
  }
  return out;
}

/** The value at a local JSON pointer (`#/components/schemas/Error`). */
function resolve(doc: Json, ref: string): unknown {
  return ref
    .slice(2)
    .split('/')
    .reduce<unknown>((n, part) => (n && typeof n === 'object' ? (n as Json)[part.replaceAll('~1', '/').replaceAll('~0', '~')] : undefined), doc);
}

describe('OpenAPI document of the server API (swagger.enabled)', () => {
  let server: TestServer;
  let doc: Json;
  const clients: Sdk[] = [];
  const post = (method: string, body: unknown) =>
    fetch(`${server.httpUrl}/api/${method}`, { method: 'POST', headers: { 'X-API-Key': KEY, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

  before(async () => {
    server = await startServer(
      testConfig((c) => {
        c.httpApi.key = KEY;
        c.swagger = { enabled: true, handlerPrefix: '/swagger' };
        c.channel.namespaces = [namespace('news', { historySize: 10, historyTtl: 60_000, allowSubscribeForClient: true })];
      }),
    );
    const res = await fetch(`${server.httpUrl}/swagger/swagger.json`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    doc = (await res.json()) as Json;
  });

  after(async () => {
    for (const c of clients) c.disconnect();
    await server.close();
  });

  it('is an OpenAPI 3.1 document: info, servers, paths with operations, resolvable references, unique operation ids', () => {
    assert.equal(doc.openapi, '3.1.0');
    assert.equal(doc.info.title, 'Parsec server HTTP API');
    assert.match(doc.info.version, /^\d+\.\d+\.\d+/);
    assert.deepEqual(doc.servers, [{ url: '/api' }]);
    const ids = new Set<string>();
    for (const [path, item] of Object.entries<Json>(doc.paths)) {
      assert.match(path, /^\/[a-z_/]+$/, path);
      for (const [verb, op] of Object.entries<Json>(item)) {
        if (verb === 'servers') continue;
        assert.ok(['get', 'post', 'delete'].includes(verb), `${path}: ${verb}`);
        assert.ok(op.operationId && !ids.has(op.operationId), `${path}: operationId ${op.operationId} missing or repeated`);
        ids.add(op.operationId);
        assert.ok(op.responses?.['200'], `${path}: a 200 response`);
        for (const r of Object.values<Json>(op.responses)) assert.equal(typeof r.description, 'string', `${path}: every response has a description`);
      }
    }
    const unresolved = refs(doc).filter(([, ref]) => !ref.startsWith('#/') || resolve(doc, ref) === undefined);
    assert.deepEqual(unresolved, []);
    for (const tag of Object.values<Json>(doc.paths).flatMap((i) => Object.values<Json>(i).flatMap((op) => op.tags ?? []))) {
      assert.ok(doc.tags.some((t: Json) => t.name === tag), `tag ${tag} is declared`);
    }
  });

  it('has a path for every API method and batch, each with its request schema', () => {
    const names = [...Object.keys(methods), 'batch'];
    assert.deepEqual(Object.keys(doc.paths).sort(), names.map((n) => `/${n}`).sort());
    for (const n of Object.keys(methods)) {
      const body = doc.paths[`/${n}`].post.requestBody;
      assert.equal(body.required, true);
      const schema = resolve(doc, body.content['application/json'].schema.$ref) as Json;
      assert.equal(schema.type, 'object', n);
    }
  });

  it('says what publish requires: channel, and data or b64data; defaults make keys optional', () => {
    const publish = doc.components.schemas.PublishRequest;
    assert.deepEqual(publish.required, ['channel']);
    assert.deepEqual(publish.anyOf, [{ required: ['data'] }, { required: ['b64data'] }]);
    assert.equal(publish.properties.channel.type, 'string');
    assert.equal(publish.properties.channel.minLength, 1);
    assert.equal(publish.properties.idempotency_key.maxLength, 256);
    const history = doc.components.schemas.HistoryRequest;
    assert.deepEqual(history.required, ['channel']);
    assert.equal(history.properties.reverse.default, false);
    assert.deepEqual(doc.components.schemas.DisconnectRequest.properties.disconnect.properties.code, { type: 'integer', minimum: 3000, maximum: 4999 });
  });

  it('every schema is valid JSON Schema 2020-12, and every example satisfies both the document and the server', () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    ajv.addSchema({ components: doc.components }, 'doc');
    for (const [path, item] of Object.entries<Json>(doc.paths)) {
      const media = item.post.requestBody.content['application/json'];
      const validate = ajv.getSchema(`doc${media.schema.$ref}`)!;
      assert.ok(validate, `${path}: schema compiles`);
      assert.ok(validate(media.example), `${path}: example matches the document: ${ajv.errorsText(validate.errors)}`);
      const name = path.slice(1);
      if (name !== 'batch') {
        const parsed = methods[name as keyof typeof methods].schema.safeParse(media.example);
        assert.ok(parsed.success, `${path}: example passes the server's validation`);
      }
    }
    const publish = ajv.getSchema('doc#/components/schemas/PublishRequest')!;
    assert.equal(publish({ channel: 'news' }), false, 'the document refuses a publish without data, as the server does');
    assert.equal(publish({ data: {} }), false, 'and one without a channel');
  });

  it('a publish built from the example is accepted by the real API and reaches a subscriber', async () => {
    const example = { ...doc.paths['/publish'].post.requestBody.content['application/json'].example, channel: 'news:openapi' };
    const c = sdk('json', server.url, { token: await connToken('reader') });
    clients.push(c);
    c.connect();
    const sub = c.newSubscription('news:openapi');
    sub.subscribe();
    await sub.ready(3000);
    const got = once<{ data: unknown }>(sub, 'publication');
    const reply = (await (await post('publish', example)).json()) as Json;
    assert.equal(reply.error, undefined);
    assert.equal(reply.result.offset, 1);
    assert.deepEqual((await got).data, example.data);
    const refused = (await (await post('publish', { channel: 'news:openapi' })).json()) as Json;
    assert.deepEqual(refused.error, { code: 107, message: 'bad request: data required' });
  });

  it('every method example is well-formed for the real API (no 107 from request validation)', async () => {
    for (const [path, item] of Object.entries<Json>(doc.paths)) {
      const reply = (await (await post(path.slice(1), item.post.requestBody.content['application/json'].example)).json()) as Json;
      // Some examples name things this server lacks (a map channel, an RPC extension): those answer other codes.
      if (reply.error) assert.notEqual(reply.error.code, 107, `${path}: ${reply.error.message}`);
    }
  });

  it('names the security schemes in force: API key (header or query), Bearer with http_api.jwks', () => {
    const schemes = doc.components.securitySchemes;
    assert.deepEqual(schemes.ApiKeyAuth, { type: 'apiKey', in: 'header', name: 'X-API-Key', description: schemes.ApiKeyAuth.description });
    assert.equal(schemes.ApiKeyQuery.in, 'query');
    assert.equal(schemes.BearerAuth.scheme, 'bearer');
    assert.deepEqual(doc.security, [{ ApiKeyAuth: [] }, { ApiKeyQuery: [] }]);
  });
});

describe('OpenAPI document options', () => {
  const build = (auth: { key: boolean; bearer: boolean; insecure: boolean }, apiPrefix = '/api') => openApiDocument({ apiPrefix, version: '1.0.0', auth }) as Json;

  it('follows http_api.handler_prefix', () => {
    const doc = build({ key: true, bearer: false, insecure: false }, '/capi/');
    assert.deepEqual(doc.servers, [{ url: '/capi' }]);
    assert.match(doc.info.description, /POST \/capi\/<method>/);
  });

  it('asks for the credentials the API takes: Bearer with http_api.jwks, nothing when insecure', () => {
    assert.deepEqual(build({ key: false, bearer: true, insecure: false }).security, [{ BearerAuth: [] }]);
    assert.deepEqual(build({ key: true, bearer: true, insecure: false }).security, [{ ApiKeyAuth: [] }, { ApiKeyQuery: [] }, { BearerAuth: [] }]);
    assert.deepEqual(build({ key: true, bearer: false, insecure: true }).security, [{}]);
  });

  it('refuses an extra route whose path the API already has', () => {
    const route = { method: 'post' as const, prefix: '/parsec', path: '/publish', tag: 't', summary: 's', auth: 'operator' as const };
    assert.throws(() => openApiDocument({ apiPrefix: '/api', version: '1', auth: { key: true, bearer: false, insecure: false }, routes: [route] }), /shares its path/);
  });
});
