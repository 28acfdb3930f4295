import type { IncomingMessage } from 'node:http';

/**
 * Origin check for browser connections (Centrifugo's `client.allowed_origins`):
 * `["*"]` allows any origin; glob patterns (`https://*.example.com`) match
 * case-insensitively; with no patterns only same-host or Origin-less requests pass.
 */
export class OriginCheck {
  private readonly any: boolean;
  private readonly patterns: RegExp[];

  constructor(allowed: readonly string[]) {
    this.any = allowed.includes('*');
    this.patterns = allowed.filter((p) => p !== '*').map(globToRegExp);
  }

  allows(req: IncomingMessage): boolean {
    const origin = req.headers.origin;
    if (origin === undefined || this.any) return true;
    if (this.patterns.length === 0) return sameHost(origin, req.headers.host);
    const lower = origin.toLowerCase();
    return this.patterns.some((p) => p.test(lower));
  }
}

function globToRegExp(pattern: string): RegExp {
  const escaped = pattern.toLowerCase().replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${escaped}$`);
}

function sameHost(origin: string, host: string | undefined): boolean {
  try {
    return host !== undefined && new URL(origin).host.toLowerCase() === host.toLowerCase();
  } catch {
    return false;
  }
}
