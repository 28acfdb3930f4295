import type { z } from 'zod';
import { credentialsRequest, delegateRequest, issueRequest, revokeRequest } from './requests.js';

/** One of the broker's routes with a JSON body, for the server's OpenAPI document. */
export interface BrokerRouteDoc {
  method: 'post';
  prefix: string;
  path: string;
  tag: string;
  summary: string;
  body: z.ZodType;
  example: unknown;
  /** `caller`: the caller's own Bearer; `operator`: the server API's credentials; `either`: one or the other. */
  auth: 'caller' | 'operator' | 'either';
}

/** The broker's routes that take a body, described by the schemas that check it (`prefix` = `parsec.token_broker.prefix`). */
export function brokerRouteDocs(prefix: string): BrokerRouteDoc[] {
  const p = prefix.replace(/\/+$/, '');
  const tag = 'token broker';
  return [
    { method: 'post', prefix: p, path: '/token', tag, summary: 'Issue a connection token for the calling user', body: issueRequest, example: { channels: ['news'], ttl: '15m' }, auth: 'caller' },
    {
      method: 'post', prefix: p, path: '/token/delegate', tag, summary: 'Issue a token on behalf of a user (a service with delegation rights)',
      body: delegateRequest, example: { on_behalf_of: '42', channels: ['news'] }, auth: 'caller',
    },
    {
      method: 'post', prefix: p, path: '/revoke', tag, summary: 'Revoke a token or all of a user\'s tokens (own ones with a Bearer; any with the API key)',
      body: revokeRequest, example: { user_id: '42', reason: 'logout' }, auth: 'either',
    },
    { method: 'post', prefix: p, path: '/credentials', tag, summary: 'Issue device credentials in bulk', body: credentialsRequest, example: { client_ids: ['sensor-1'], topic_acl: '#' }, auth: 'operator' },
  ];
}
