/**
 * Headers that keep proxies from buffering or caching a stream: nginx honours
 * X-Accel-Buffering, everything else the Cache-Control. Idle streams stay alive through the
 * server's protocol pings (`client.ping_interval`), which flow like any other reply.
 */
export const STREAM_HEADERS = {
  'Cache-Control': 'private, no-cache, no-store, must-revalidate, max-age=0',
  Pragma: 'no-cache',
  Expires: '0',
  'X-Accel-Buffering': 'no',
  Connection: 'keep-alive',
} as const;
