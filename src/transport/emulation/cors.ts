import type { IncomingMessage, ServerResponse } from 'node:http';
import type { OriginCheck } from '../origin.js';

/**
 * CORS for the emulation endpoints, which browsers call cross-origin with credentials and a
 * JSON or binary Content-Type (so every `/emulation` POST is preflighted). An allowed Origin
 * is echoed, never `*`, because credentials are allowed. Returns false when the Origin is
 * not allowed by `client.allowed_origins`: the caller answers 403.
 */
export function applyCors(req: IncomingMessage, res: ServerResponse, origins: OriginCheck): boolean {
  if (!origins.allows(req)) return false;
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  res.setHeader('Access-Control-Allow-Origin', origin);
  res.setHeader('Access-Control-Allow-Credentials', 'true');
  res.setHeader('Vary', 'Origin');
  return true;
}

/** Answers a preflight: 204 with the methods this endpoint takes. */
export function answerPreflight(res: ServerResponse, methods: string): void {
  res.writeHead(204, {
    'Access-Control-Allow-Methods': methods,
    'Access-Control-Allow-Headers': 'Content-Type',
    // Browsers cap this (Chromium at 2 h); it spares a preflight before every command POST.
    'Access-Control-Max-Age': '7200',
  });
  res.end();
}
