import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StatusToCodeTransform } from '../../src/config/index.js';
import { ClientError, DisconnectError, ErrorCode } from '../../src/protocol/index.js';
import { Status, endpointTo, testCaller, testProxyConfig, type Body } from '../helpers/proxy-backend.js';

/*
 * `http.status_to_code_transforms`: a backend's HTTP status given to the client as the
 * configured error or disconnect instead of error 100, as Centrifugo does.
 */

const transforms: StatusToCodeTransform[] = [
  { statusCode: 403, toError: { code: 4403, message: 'forbidden', temporary: false }, toDisconnect: { code: 0, reason: '' } },
  { statusCode: 429, toError: { code: 4429, message: 'slow down', temporary: true }, toDisconnect: { code: 0, reason: '' } },
  { statusCode: 401, toError: { code: 0, message: '', temporary: false }, toDisconnect: { code: 4401, reason: 'unauthorized' } },
];

const defaults = testProxyConfig('');
const edit = { http: { ...defaults.http, statusToCodeTransforms: transforms } };

/** Answers with the HTTP status the request's data names. */
const byStatus = (b: Body) => new Status((b.data as { status: number }).status);

const data = (status: number) => new Uint8Array(Buffer.from(JSON.stringify({ status })));

test('a status with a to_error rule gives the client that error', async (t) => {
  const { endpoint } = await endpointTo(t, 'http', 'rpc', { rpc: byStatus }, edit);
  await assert.rejects(endpoint.rpc(testCaller(), { method: 'm', data: data(403) }), (err) => {
    assert.ok(err instanceof ClientError);
    assert.deepEqual({ code: err.code, message: err.message, temporary: err.temporary }, { code: 4403, message: 'forbidden', temporary: false });
    return true;
  });
  await assert.rejects(endpoint.rpc(testCaller(), { method: 'm', data: data(429) }), (err) => err instanceof ClientError && err.code === 4429 && err.temporary);
});

test('a status with a to_disconnect rule disconnects the client with that code and reason', async (t) => {
  const { endpoint } = await endpointTo(t, 'http', 'connect', { connect: byStatus }, edit);
  await assert.rejects(endpoint.connect(testCaller({ user: '' }), { data: data(401) }), (err) => {
    assert.ok(err instanceof DisconnectError);
    assert.deepEqual({ code: err.code, reason: err.message }, { code: 4401, reason: 'unauthorized' });
    return true;
  });
});

test('a status no rule names is still error 100', async (t) => {
  const { endpoint } = await endpointTo(t, 'http', 'subscribe', { subscribe: () => new Status(500) }, edit);
  await assert.rejects(endpoint.subscribe(testCaller(), { channel: 'ch' }), (err) => err instanceof ClientError && err.code === ErrorCode.internal);
});

test('gRPC statuses and shared-poll refreshes are not transformed, as in Centrifugo', async (t) => {
  // The gRPC backend answers UNAVAILABLE for a Status; transforms are of HTTP statuses only.
  const grpc = await endpointTo(t, 'grpc', 'rpc', { rpc: byStatus }, edit);
  await assert.rejects(grpc.endpoint.rpc(testCaller(), { method: 'm', data: data(403) }), (err) => err instanceof ClientError && err.code === ErrorCode.internal);
  const poll = await endpointTo(t, 'http', 'shared_poll_refresh', { shared_poll_refresh: () => new Status(403) }, edit);
  await assert.rejects(poll.endpoint.sharedPollRefresh({ channel: 'poll:x', items: [] }), (err) => err instanceof ClientError && err.code === ErrorCode.internal);
});
