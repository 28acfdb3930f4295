import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { it, type TestContext } from 'node:test';
import { pino, type Logger } from 'pino';
import { WebSocket } from 'ws';
import { ConfigError } from '../../src/config/index.js';
import type { Config, ProxyConfig } from '../../src/config/types.js';
import { defaultConfig } from '../../src/config/index.js';
import { grpcApi } from '../helpers/grpc-api.js';
import { startOtlpReceiver, SpanKindNumber, StatusCodeNumber, type OtlpReceiver, type ReceivedSpan } from '../helpers/otlp-receiver.js';
import { startBackend, type BackendKind } from '../helpers/proxy-backend.js';
import { sdk } from '../helpers/sdk.js';
import { namespace, startServer, testConfig, type TestServer } from '../helpers/server.js';
import { until } from '../helpers/until.js';

/*
 * Spans reach a real OTLP/HTTP receiver: the exporter is pointed at it with the standard
 * OTEL_EXPORTER_OTLP_ENDPOINT variable, as an operator would. Export is batched; a short
 * OTEL_BSP_SCHEDULE_DELAY sends them soon, and a server's stop sends what is left.
 */

const KEY = 'otel-test-api-key-0123456789';

/** Sets OTEL_* variables for this test (the exporter reads them when the server starts). */
function otelEnv(t: TestContext, vars: Record<string, string>): void {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  Object.assign(process.env, vars);
  t.after(() => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });
}

async function receiver(t: TestContext): Promise<OtlpReceiver> {
  const r = await startOtlpReceiver();
  t.after(() => r.close());
  return r;
}

/**
 * A server exporting to `to` (a receiver, or the address of one that is gone), with a `news`
 * namespace and an API key for HTTP and gRPC, logging to `log` when given.
 */
async function tracedServer(t: TestContext, to: OtlpReceiver | string, edit: (c: Config) => void, extraEnv: Record<string, string> = {}, log?: Logger): Promise<TestServer> {
  otelEnv(t, { OTEL_EXPORTER_OTLP_ENDPOINT: typeof to === 'string' ? to : to.endpoint, OTEL_BSP_SCHEDULE_DELAY: '20', ...extraEnv });
  const server = await startServer(
    testConfig((c) => {
      c.httpApi.key = KEY;
      c.channel.namespaces = [namespace('news', { historySize: 10, historyTtl: 60_000 })];
      c.opentelemetry = { enabled: true, api: true, consuming: false };
      edit(c);
    }),
    log,
  );
  t.after(() => server.close());
  return server;
}

function post(server: TestServer, method: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${server.httpUrl}/api/${method}`, { method: 'POST', body: JSON.stringify(body), headers: { 'X-API-Key': KEY, ...headers } });
}

/** A W3C traceparent of a sampled span made up by the "caller". */
function callerContext(): { traceId: string; spanId: string; traceparent: string } {
  const traceId = randomBytes(16).toString('hex');
  const spanId = randomBytes(8).toString('hex');
  return { traceId, spanId, traceparent: `00-${traceId}-${spanId}-01` };
}

/** A logger at warn level whose lines the test reads. */
function warnings(): { lines: Array<{ msg: string; level: number; err?: { message: string }; suppressed?: number }>; log: Logger } {
  const lines: Array<{ msg: string; level: number; err?: { message: string }; suppressed?: number }> = [];
  const log = pino(
    { level: 'warn' },
    new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const l of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(l) as (typeof lines)[number]);
        done();
      },
    }),
  );
  return { lines, log };
}

async function spanNamed(r: OtlpReceiver, name: string, where: (s: ReceivedSpan) => boolean = () => true): Promise<ReceivedSpan> {
  await until(() => r.spans.some((s) => s.name === name && where(s)), 10_000);
  return r.spans.find((s) => s.name === name && where(s))!;
}

it('an HTTP API call with a traceparent is a server span of that trace, with the method and channel', async (t) => {
  const r = await receiver(t);
  const server = await tracedServer(t, r, () => undefined, { OTEL_SERVICE_NAME: 'parsec-under-test' });
  const caller = callerContext();
  const res = await post(server, 'publish', { channel: 'news:today', data: { text: 'hi' } }, { traceparent: caller.traceparent });
  assert.equal(res.status, 200);
  const span = await spanNamed(r, 'POST /api/publish');
  assert.equal(span.traceId, caller.traceId);
  assert.equal(span.parentSpanId, caller.spanId);
  assert.equal(span.kind, SpanKindNumber.server);
  assert.equal(span.status.code, StatusCodeNumber.unset);
  assert.equal(span.scope, 'parsec');
  assert.deepEqual(
    { ...span.attributes },
    {
      'http.request.method': 'POST',
      'url.path': '/api/publish',
      'http.route': '/api/publish',
      'http.response.status_code': 200,
      'parsec.api.method': 'publish',
      'centrifugo.channel': 'news:today',
    },
  );
  assert.equal(span.resource['service.name'], 'parsec-under-test');
  assert.equal(span.resource['service.instance.id'], server.app.node.id);
  assert.equal(typeof span.resource['service.version'], 'string');
  // Export is the default http/protobuf.
  assert.ok(r.requests.every((q) => q.path === '/v1/traces' && q.contentType === 'application/x-protobuf'), JSON.stringify(r.requests));
});

it('an API error fails its span with the code; a call without traceparent starts a trace; unknown methods share a route', async (t) => {
  const r = await receiver(t);
  const server = await tracedServer(t, r, () => undefined);
  await post(server, 'publish', { channel: 'nowhere:x', data: {} });
  await post(server, 'broadcast', { channels: ['news:a', 'news:b', 'news:c'], data: {} });
  await post(server, 'no_such_method', {});
  const failed = await spanNamed(r, 'POST /api/publish');
  assert.equal(failed.parentSpanId, '');
  assert.equal(failed.status.code, StatusCodeNumber.error);
  assert.equal(failed.status.message, 'unknown channel');
  assert.equal(failed.attributes['parsec.api.error_code'], 102);
  const broadcast = await spanNamed(r, 'POST /api/broadcast');
  assert.equal(broadcast.attributes['centrifugo.num_channels'], 3);
  assert.equal(broadcast.traceId === failed.traceId, false);
  const legacy = await fetch(`${server.httpUrl}/api`, {
    method: 'POST',
    headers: { 'X-API-Key': KEY },
    body: ['{"method": "info"}', '{"method": "publish", "params": {"channel": "news:a", "data": {}}}'].join('\n'),
  });
  assert.equal(legacy.status, 200);
  const legacySpan = await spanNamed(r, 'POST /api');
  assert.equal(legacySpan.attributes['parsec.api.num_commands'], 2);
  assert.equal(legacySpan.attributes['http.route'], '/api');
  const unknown = await spanNamed(r, 'POST /api/{method}');
  assert.equal(unknown.attributes['url.path'], '/api/no_such_method');
  assert.equal(unknown.attributes['http.response.status_code'], 404);
});

it('a gRPC API call is a server span, child of the traceparent metadata', async (t) => {
  const r = await receiver(t);
  const server = await tracedServer(t, r, (c) => {
    c.grpcApi = { ...c.grpcApi, enabled: true, port: 0, key: KEY };
  });
  const client = grpcApi(server.app.grpcPort!, KEY);
  t.after(() => client.close());
  const caller = callerContext();
  await client.rpc('Publish', { channel: 'news:grpc', data: Buffer.from('{}') }, { traceparent: caller.traceparent });
  await client.rpc('Info', {});
  const span = await spanNamed(r, 'centrifugal.centrifugo.api.CentrifugoApi/Publish');
  assert.equal(span.traceId, caller.traceId);
  assert.equal(span.parentSpanId, caller.spanId);
  assert.equal(span.kind, SpanKindNumber.server);
  assert.deepEqual(
    { ...span.attributes },
    {
      'rpc.system': 'grpc',
      'rpc.service': 'centrifugal.centrifugo.api.CentrifugoApi',
      'rpc.method': 'Publish',
      'rpc.grpc.status_code': 0,
      'parsec.api.method': 'publish',
      'centrifugo.channel': 'news:grpc',
    },
  );
  const info = await spanNamed(r, 'centrifugal.centrifugo.api.CentrifugoApi/Info');
  assert.equal(info.parentSpanId, '');
});

/** A WebSocket class for the SDK whose upgrade requests carry `headers` (as a server-side client or a gateway may send). */
function withHeaders(headers: Record<string, string>): typeof WebSocket {
  return class extends WebSocket {
    constructor(url: string | URL | null, protocols?: string | string[]) {
      super(url ?? '', protocols, { headers });
    }
  } as typeof WebSocket;
}

function proxyConfig(endpoint: string, edit: Partial<ProxyConfig> = {}): ProxyConfig {
  return { ...structuredClone(defaultConfig().rpc.proxy), endpoint, ...edit };
}

for (const kind of ['http', 'grpc'] as BackendKind[]) {
  it(`a connect proxy call to a ${kind} backend is a client span whose traceparent the backend receives`, async (t) => {
    const r = await receiver(t);
    const backend = await startBackend(kind, { connect: () => ({ result: { user: 'traced-user' } }) });
    t.after(() => backend.close());
    const server = await tracedServer(t, r, (c) => {
      c.opentelemetry.api = false;
      c.parsec.opentelemetry.proxy = true;
      c.client.proxy.connect = { enabled: true, ...proxyConfig(backend.endpoint('connect')) };
    });
    const client = sdk('json', server.url);
    t.after(() => client.disconnect());
    client.connect();
    await client.ready(5000);
    const span = await spanNamed(r, 'proxy connect');
    assert.equal(span.kind, SpanKindNumber.client);
    assert.equal(span.parentSpanId, '');
    assert.equal(span.status.code, StatusCodeNumber.unset);
    const port = Number(new URL(backend.endpoint('connect').replace(/^grpc:/, 'http:')).port);
    assert.deepEqual(
      { ...span.attributes },
      {
        'parsec.proxy.name': 'connect',
        'parsec.proxy.protocol': kind,
        'parsec.proxy.kind': 'connect',
        'parsec.proxy.outcome': 'ok',
        'parsec.client': span.attributes['parsec.client'],
        'server.address': '127.0.0.1',
        'server.port': port,
        ...(kind === 'grpc' ? { 'rpc.system': 'grpc' } : {}),
      },
    );
    assert.match(String(span.attributes['parsec.client']), /.+/);
    const seen = backend.calls.find((c) => c.method === 'connect')!;
    assert.equal(seen.headers.traceparent, `00-${span.traceId}-${span.spanId}-01`);
  });
}

it('a failing proxy call fails its span with the reason; a forwarded traceparent becomes its parent', async (t) => {
  const r = await receiver(t);
  const backend = await startBackend('http', { connect: () => ({ result: { user: 'u' } }) });
  const endpoint = backend.endpoint('connect');
  await backend.close();
  const server = await tracedServer(t, r, (c) => {
    c.opentelemetry.api = false;
    c.parsec.opentelemetry.proxy = true;
    c.client.proxy.connect = { enabled: true, ...proxyConfig(endpoint, { httpHeaders: ['Traceparent'] }) };
  });
  const caller = callerContext();
  const client = sdk('json', server.url, { websocket: withHeaders({ traceparent: caller.traceparent }) });
  t.after(() => client.disconnect());
  client.connect();
  const span = await spanNamed(r, 'proxy connect');
  client.disconnect();
  assert.equal(span.traceId, caller.traceId);
  assert.equal(span.parentSpanId, caller.spanId);
  assert.equal(span.status.code, StatusCodeNumber.error);
  assert.match(span.status.message, /^unreachable: /);
  assert.equal(span.attributes['parsec.proxy.outcome'], 'unreachable');
});

it('opentelemetry.api false: proxy calls are traced, API calls are not', async (t) => {
  const r = await receiver(t);
  const backend = await startBackend('http', { connect: () => ({ result: { user: 'u' } }) });
  t.after(() => backend.close());
  const server = await tracedServer(t, r, (c) => {
    c.opentelemetry.api = false;
    c.parsec.opentelemetry.proxy = true;
    c.client.proxy.connect = { enabled: true, ...proxyConfig(backend.endpoint('connect')) };
  });
  assert.equal((await post(server, 'publish', { channel: 'news:a', data: {} })).status, 200);
  const client = sdk('json', server.url);
  client.connect();
  await client.ready(5000);
  client.disconnect();
  // The stop sends every span still queued: after it, what was not received was never made.
  await server.close();
  assert.deepEqual(
    r.spans.map((s) => s.name),
    ['proxy connect'],
  );
});

it('opentelemetry.enabled false (or OTEL_SDK_DISABLED): nothing is sent', async (t) => {
  for (const [edit, env] of [
    [(c: Config) => (c.opentelemetry.enabled = false), {}],
    [() => undefined, { OTEL_SDK_DISABLED: 'true' }],
  ] as const) {
    const r = await receiver(t);
    const server = await tracedServer(t, r, (c) => {
      c.parsec.opentelemetry.proxy = true;
      c.opentelemetry.consuming = true;
      edit(c);
    }, env);
    assert.equal((await post(server, 'publish', { channel: 'news:a', data: {} }, { traceparent: callerContext().traceparent })).status, 200);
    assert.equal(server.app.telemetry.api.enabled, false);
    await server.close();
    assert.deepEqual(r.requests, []);
  }
});

it('consumers run commands in consumer spans, children of the trace context the message carries', async (t) => {
  const r = await receiver(t);
  const server = await tracedServer(t, r, (c) => {
    c.opentelemetry.api = false;
    c.opentelemetry.consuming = true;
  });
  const caller = callerContext();
  const message: Record<string, string> = { traceparent: caller.traceparent };
  const got = await server.app.telemetry.consuming.withSpan(
    'consume publish',
    { role: 'consumer', attributes: { 'parsec.consumer': 'outbox', 'parsec.api.method': 'publish', skipped: undefined }, parent: (k) => message[k] },
    async () => 42,
  );
  assert.equal(got, 42);
  await assert.rejects(
    server.app.telemetry.consuming.withSpan('consume broken', { role: 'consumer' }, async () => {
      throw new Error('bad payload');
    }),
    /bad payload/,
  );
  const span = await spanNamed(r, 'consume publish');
  assert.equal(span.kind, SpanKindNumber.consumer);
  assert.equal(span.traceId, caller.traceId);
  assert.equal(span.parentSpanId, caller.spanId);
  assert.deepEqual({ ...span.attributes }, { 'parsec.consumer': 'outbox', 'parsec.api.method': 'publish' });
  const broken = await spanNamed(r, 'consume broken');
  assert.deepEqual(broken.status, { code: StatusCodeNumber.error, message: 'bad payload' });
});

it('OTEL_EXPORTER_OTLP_PROTOCOL=http/json sends JSON bodies; grpc stops the start naming the variable', async (t) => {
  const r = await receiver(t);
  const server = await tracedServer(t, r, () => undefined, { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' });
  const caller = callerContext();
  await post(server, 'info', {}, { traceparent: caller.traceparent });
  const span = await spanNamed(r, 'POST /api/info');
  assert.equal(span.traceId, caller.traceId);
  assert.ok(r.requests.every((q) => q.contentType === 'application/json'), JSON.stringify(r.requests));

  otelEnv(t, { OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' });
  await assert.rejects(
    startServer(testConfig((c) => (c.opentelemetry.enabled = true))),
    (err: unknown) => err instanceof ConfigError && err.key === 'OTEL_EXPORTER_OTLP_PROTOCOL' && /expected http\/protobuf or http\/json .*got grpc/.test(err.message),
  );
});

it('a collector that is down costs one warning, not requests', async (t) => {
  const r = await receiver(t);
  const endpoint = r.endpoint;
  await r.close();
  const { lines, log } = warnings();
  const server = await tracedServer(t, endpoint, () => undefined, { OTEL_BSP_SCHEDULE_DELAY: '10', OTEL_EXPORTER_OTLP_TIMEOUT: '1000' }, log);
  for (let i = 0; i < 3; i++) assert.equal((await post(server, 'info', {})).status, 200);
  await until(() => lines.some((l) => l.msg === 'opentelemetry export failed'), 10_000);
  for (let i = 0; i < 3; i++) assert.equal((await post(server, 'info', {})).status, 200);
  await server.close();
  const failures = lines.filter((l) => l.msg === 'opentelemetry export failed');
  assert.equal(failures.length, 1);
  assert.match(failures[0]!.err!.message, /ECONNREFUSED/);
});

it('spans the sampler drops are not sent, and API calls (errors too) answer as without tracing', async (t) => {
  const r = await receiver(t);
  const server = await tracedServer(t, r, () => undefined, { OTEL_TRACES_SAMPLER: 'always_off' });
  const ok = await post(server, 'publish', { channel: 'news:a', data: { n: 1 } });
  assert.equal(ok.status, 200);
  assert.ok('result' in ((await ok.json()) as object));
  const bad = await post(server, 'publish', { channel: 'news:a' });
  assert.equal(bad.status, 200);
  assert.equal(((await bad.json()) as { error: { code: number } }).error.code, 107);
  await server.close();
  assert.deepEqual(r.spans, []);
});

it('spans dropped on a full queue cost one warning a minute, not a line per burst', async (t) => {
  const r = await receiver(t);
  const { lines, log } = warnings();
  const server = await tracedServer(t, r, () => undefined, { OTEL_BSP_SCHEDULE_DELAY: '60000', OTEL_BSP_MAX_QUEUE_SIZE: '1', OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '1' }, log);
  for (let round = 0; round < 5; round++) {
    const answers = await Promise.all(Array.from({ length: 20 }, () => post(server, 'info', {})));
    for (const a of answers) assert.equal(a.status, 200);
  }
  await until(() => lines.some((l) => /drop/i.test(l.msg)), 10_000);
  await server.close();
  assert.equal(lines.filter((l) => /drop/i.test(l.msg)).length, 1, JSON.stringify(lines));
});
