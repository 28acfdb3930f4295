/**
 * The span attribute names Parsec sets: OpenTelemetry's semantic conventions where they
 * have one (spelled out rather than imported, so that a server that does not trace loads no
 * OpenTelemetry package), Centrifugo's `centrifugo.*` names for what its spans carry too,
 * `parsec.*` for the rest.
 */
export const Attr = {
  httpRequestMethod: 'http.request.method',
  httpRoute: 'http.route',
  httpResponseStatusCode: 'http.response.status_code',
  urlPath: 'url.path',
  serverAddress: 'server.address',
  serverPort: 'server.port',
  rpcSystem: 'rpc.system',
  rpcService: 'rpc.service',
  rpcMethod: 'rpc.method',
  rpcGrpcStatusCode: 'rpc.grpc.status_code',
  channel: 'centrifugo.channel',
  numChannels: 'centrifugo.num_channels',
  apiMethod: 'parsec.api.method',
  apiErrorCode: 'parsec.api.error_code',
  apiNumCommands: 'parsec.api.num_commands',
  proxyName: 'parsec.proxy.name',
  proxyKind: 'parsec.proxy.kind',
  proxyProtocol: 'parsec.proxy.protocol',
  proxyOutcome: 'parsec.proxy.outcome',
  client: 'parsec.client',
} as const;
