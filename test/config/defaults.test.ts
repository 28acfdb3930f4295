import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultConfig, loadConfig } from '../../src/config/index.js';

test('defaults follow Centrifugo v6 (and Parsec where noted)', () => {
  const { config, warnings } = loadConfig({});
  assert.deepEqual(warnings, []);
  assert.equal(config.source, null);
  assert.deepEqual(config.httpServer, {
    address: '',
    port: 8000,
    tls: { enabled: false, certPem: '', keyPem: '', clientCaPem: '' },
    tlsExternal: false,
    internalTls: { enabled: false, certPem: '', keyPem: '', clientCaPem: '' },
    tlsAutocert: { enabled: false },
    internalAddress: '',
    internalPort: null,
  });
  assert.equal(config.log.level, 'info');
  const c = config.client;
  assert.equal(c.pingInterval, 25_000);
  assert.equal(c.pongTimeout, 8000);
  assert.equal(c.expiredCloseDelay, 25_000);
  assert.equal(c.expiredSubCloseDelay, 25_000);
  assert.equal(c.staleCloseDelay, 10_000);
  assert.equal(c.channelLimit, 128);
  assert.equal(c.queueMaxSize, 1_048_576);
  assert.equal(c.userConnectionLimit, 0);
  assert.equal(c.connectionLimit, 0);
  assert.equal(c.channelPositionCheckDelay, 40_000);
  assert.equal(c.historyMaxPublicationLimit, 300);
  assert.equal(c.recoveryMaxPublicationLimit, 300);
  assert.equal(c.presenceUpdateInterval, 27_000);
  assert.equal(c.token.userIdClaim, 'sub');
  assert.equal(c.subscriptionToken.userIdClaim, 'sub');
  assert.equal(c.subscriptionToken.enabled, false);
  assert.deepEqual(c.allowedOrigins, []);
  assert.equal(c.insecure, false);
  assert.deepEqual(c.subscribeToUserPersonalChannel, { enabled: false, personalChannelNamespace: '', singleConnection: false });
  assert.deepEqual(
    { ...config.channel, withoutNamespace: undefined, proxy: undefined },
    {
      withoutNamespace: undefined,
      proxy: undefined,
      namespaces: [],
      historyMetaTtl: 720 * 3_600_000,
      maxLength: 255,
      privatePrefix: '$',
      namespaceBoundary: ':',
      userBoundary: '#',
      userSeparator: ',',
      publicationDataFormat: '',
    },
  );
  const jwks = { enabled: false, endpoint: '', audience: '', issuer: '', scope: '', tls: { enabled: false, serverCaPem: '', serverCaPemFile: '' } };
  assert.deepEqual(config.httpApi, { disabled: false, key: '', jwks, handlerPrefix: '/api', insecure: false, errorMode: '', external: false, maxRequestBodySize: 1_048_576 });
  assert.deepEqual(config.grpcApi, { enabled: false, address: '', port: 10_000, key: '', insecure: false, errorMode: '', maxReceiveMessageSize: 1_048_576, jwks, tls: { enabled: false, certPem: '', certPemFile: '', keyPem: '', keyPemFile: '', clientCaPem: '' }, reflection: false });
  const compression = { compression: false, compressionMinSize: 0, compressionLevel: 1 };
  assert.deepEqual(config.websocket, { disabled: false, handlerPrefix: '/connection/websocket', messageSizeLimit: 65_536, writeTimeout: 1000, ...compression });
  assert.deepEqual(config.uniWebsocket, {
    enabled: false,
    handlerPrefix: '/connection/uni_websocket',
    messageSizeLimit: 65_536,
    writeTimeout: 1000,
    joinPushMessages: false,
    disableDisconnectPush: false,
    disableClosingHandshake: false,
    ...compression,
  });
  const toHttp = { enabled: false, transforms: [] };
  assert.deepEqual(config.uniSse, { enabled: false, handlerPrefix: '/connection/uni_sse', maxRequestBodySize: 65_536, connectCodeToHttpResponse: toHttp });
  assert.deepEqual(config.uniHttpStream, { enabled: false, handlerPrefix: '/connection/uni_http_stream', maxRequestBodySize: 65_536, connectCodeToHttpResponse: toHttp });
  assert.deepEqual(config.uniGrpc, { enabled: false, address: '', port: 11_000, maxReceiveMessageSize: 0, tls: { enabled: false, certPem: '', certPemFile: '', keyPem: '', keyPemFile: '', clientCaPem: '' } });
  assert.deepEqual(config.client.connectCodeToUnidirectionalDisconnect, { enabled: false, transforms: [] });
  assert.deepEqual(config.sse, { enabled: false, handlerPrefix: '/connection/sse', maxRequestBodySize: 65_536 });
  assert.deepEqual(config.httpStream, { enabled: false, handlerPrefix: '/connection/http_stream', maxRequestBodySize: 65_536 });
  assert.deepEqual(config.emulation, { handlerPrefix: '/emulation', maxRequestBodySize: 65_536 });
  assert.deepEqual(config.health, { enabled: true, handlerPrefix: '/health' });
  // Every Redis section's connection keys, with Centrifugo's defaults.
  const redisDefaults = {
    address: ['redis://127.0.0.1:6379'],
    clusterAddress: [],
    sentinelAddress: [],
    sentinelMasterName: '',
    sentinelUser: '',
    sentinelPassword: '',
    prefix: 'centrifugo',
    db: 0,
    user: '',
    password: '',
    connectTimeout: 1000,
    ioTimeout: 4000,
    tls: { enabled: false, certPem: '', keyPem: '', serverCaPem: '', serverCaPemFile: '', insecureSkipVerify: false, serverName: '' },
  };
  assert.equal(config.engine.type, 'memory');
  assert.deepEqual(config.engine.redis.address, ['redis://127.0.0.1:6379']);
  assert.equal(config.engine.redis.prefix, 'centrifugo');
  assert.equal(config.engine.redis.presenceTtl, 60_000);
  assert.deepEqual(config.broker, {
    enabled: false,
    type: 'memory',
    redis: { ...redisDefaults, clusterShardedPubSub: true },
    nats: {
      url: 'nats://localhost:4222',
      prefix: 'centrifugo',
      dialTimeout: 1000,
      writeTimeout: 1000,
      tls: { enabled: false, certPem: '', keyPem: '', serverCaPem: '', insecureSkipVerify: false, serverName: '' },
      allowWildcards: false,
      rawMode: { enabled: false, channelReplacements: {}, prefix: '' },
    },
  });
  assert.deepEqual(config.presenceManager, { enabled: false, type: 'memory', redis: { ...redisDefaults, presenceTtl: 60_000 } });
  assert.deepEqual(config.shutdown, { timeout: 30_000 });
  assert.deepEqual(config.node, { name: '' });
  const tls = { enabled: false, certPem: '', keyPem: '', serverCaPem: '', serverName: '', insecureSkipVerify: false };
  const proxy = {
    endpoint: '',
    timeout: 1000,
    httpHeaders: [],
    grpcMetadata: [],
    emulatedHeaders: [],
    binaryEncoding: false,
    includeConnectionMeta: false,
    maxInFlight: 256,
    http: { staticHeaders: {}, tls, statusToCodeTransforms: [] },
    grpc: { credentialsKey: '', credentialsValue: '', staticMetadata: {}, tls, compression: false },
  };
  assert.deepEqual(c.proxy, { connect: { enabled: false, ...proxy }, refresh: { enabled: false, ...proxy } });
  assert.deepEqual(config.channel.proxy, {
    subscribe: proxy,
    publish: proxy,
    subRefresh: proxy,
    mapPublish: proxy,
    mapRemove: proxy,
    sharedPollRefresh: proxy,
  });
  assert.deepEqual(config.rpc, { proxy, withoutNamespace: { proxyEnabled: false, proxyName: 'default' }, namespaces: [], namespaceBoundary: ':', ping: { enabled: false, method: 'ping' } });
  assert.deepEqual(config.proxies, []);
  assert.deepEqual(config.parsec.trustedProxies, []); // the token broker's and audit's defaults: parsec-section.test.ts
});

test('channel options default to off, zero, empty', () => {
  const { subscribeProxyName, publishProxyName, subRefreshProxyName, subscriptionType, map, sharedPoll, ...o } = defaultConfig().channel.withoutNamespace;
  // Centrifugo's default proxy name: the `channel.proxy.*` section itself.
  assert.deepEqual([subscribeProxyName, publishProxyName, subRefreshProxyName], ['default', 'default', 'default']);
  assert.equal(subscriptionType, 'stream');
  const { publishProxyName: mapPublishProxy, removeProxyName: mapRemoveProxy, ...mapRest } = map;
  assert.deepEqual([mapPublishProxy, mapRemoveProxy], ['default', 'default']);
  for (const [key, value] of Object.entries({ ...mapRest, ...sharedPoll })) assert.ok(value === false || value === 0 || value === '', `${key} = ${JSON.stringify(value)}`);
  for (const [key, value] of Object.entries(o)) {
    const empty = value === false || value === 0 || value === '' || (Array.isArray(value) && value.length === 0);
    assert.ok(empty, `${key} = ${JSON.stringify(value)}`);
  }
  assert.equal(Object.keys(o).length, 34);
});

test('the loaded config is deep-frozen', () => {
  const { config } = loadConfig({ overrides: { 'channel.namespaces': [{ name: 'chat', allowed_delta_types: ['fossil'] }] } });
  assert.ok(Object.isFrozen(config));
  assert.ok(Object.isFrozen(config.client.token));
  assert.ok(Object.isFrozen(config.client.allowedOrigins));
  assert.ok(Object.isFrozen(config.channel.namespaces));
  assert.ok(Object.isFrozen(config.channel.namespaces[0]));
  assert.ok(Object.isFrozen(config.channel.namespaces[0]!.allowedDeltaTypes));
  assert.throws(() => {
    (config.httpServer as { port: number }).port = 1;
  }, TypeError);
});

test('defaultConfig returns a fresh mutable object each call', () => {
  const a = defaultConfig();
  a.httpServer.port = 1;
  a.client.allowedOrigins.push('http://x');
  const b = defaultConfig();
  assert.equal(b.httpServer.port, 8000);
  assert.deepEqual(b.client.allowedOrigins, []);
  assert.deepEqual(loadConfig({}).config, b);
});
