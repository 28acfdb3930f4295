import { z } from 'zod';
import { TopicAclError, checkTopicAcl } from '../auth/index.js';
import { durationMs } from '../config/index.js';

/*
 * Request bodies of the broker's routes (snake_case on the wire), checked at the edge.
 * A bad body is a 400 naming the field.
 */

const channels = z.array(z.string().min(1, 'channel names must not be empty')).min(1, 'at least one channel is needed');

/** A lifetime: seconds as a number, or a duration string like "15m". */
const lifetime = z.union([z.number(), z.string()]).transform((v, ctx): number => {
  const ms = durationMs(v);
  if (ms !== undefined) return ms;
  ctx.addIssue({ code: 'custom', message: 'expected seconds or a duration like "15m"' });
  return z.NEVER;
});

export const issueRequest = z.object({ channels, ttl: lifetime.optional() });
export type IssueRequest = z.output<typeof issueRequest>;

export const delegateRequest = z.object({
  on_behalf_of: z.string().min(1, 'on_behalf_of names the user the token is for'),
  channels,
  lifetime_seconds: z.number().int().min(0).optional(),
});
export type DelegateRequest = z.output<typeof delegateRequest>;

export const revokeRequest = z
  .object({ token_id: z.string().min(1).optional(), user_id: z.string().min(1).optional(), reason: z.string().max(512).default('') })
  .refine((r) => r.token_id !== undefined || r.user_id !== undefined, { message: 'token_id or user_id is required' })
  // The same rule for the OpenAPI document, which cannot read a refinement.
  .meta({ anyOf: [{ required: ['token_id'] }, { required: ['user_id'] }] });
export type RevokeRequest = z.output<typeof revokeRequest>;

export const credentialsRequest = z.object({
  client_ids: z.array(z.string().min(1).max(128)).min(1).max(100).optional(),
  channels: z.array(z.string().min(1)).optional(),
  // "#", one filter, a list of filters, or {publish, subscribe} lists (see TopicAcl).
  topic_acl: z
    .union([z.string(), z.array(z.string()), z.object({ publish: z.array(z.string()).optional(), subscribe: z.array(z.string()).optional() }).strict()])
    .superRefine((acl, ctx) => {
      try {
        checkTopicAcl(acl);
      } catch (err) {
        if (!(err instanceof TopicAclError)) throw err;
        ctx.addIssue({ code: 'custom', message: err.message });
      }
    })
    .optional(),
});
export type CredentialsRequest = z.output<typeof credentialsRequest>;

/** The first problem of a failed parse, as `field: message`. */
export function describeProblem(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid request';
  const path = issue.path.map(String).join('.');
  return path ? `${path}: ${issue.message}` : issue.message;
}
