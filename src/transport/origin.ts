import type { IncomingMessage } from 'node:http';

/**
 * Origin check for browser connections (Centrifugo's `client.allowed_origins`):
 * `["*"]` allows any origin; glob patterns (`https://*.example.com`) match
 * case-insensitively; with no patterns only same-host or Origin-less requests pass.
 */
export class OriginCheck {
  private readonly any: boolean;
  private readonly patterns: RegExp[];
  /** The last same-host answer: a connect storm comes from one origin, whose URL is parsed once, not per connection. */
  private last = { origin: '', host: '', same: false };

  constructor(allowed: readonly string[]) {
    this.any = allowed.includes('*');
    this.patterns = allowed.filter((p) => p !== '*').map(globToRegExp);
  }

  allows(req: IncomingMessage): boolean {
    const origin = req.headers.origin;
    if (origin === undefined || this.any) return true;
    if (this.patterns.length === 0) return this.sameHost(origin, req.headers.host ?? '');
    const lower = origin.toLowerCase();
    return this.patterns.some((p) => p.test(lower));
  }

  private sameHost(origin: string, host: string): boolean {
    const last = this.last;
    if (origin === last.origin && host === last.host) return last.same;
    const same = sameHost(origin, host);
    this.last = { origin, host, same };
    return same;
  }
}

function globToRegExp(pattern: string): RegExp {
  const escaped = pattern.toLowerCase().replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${escaped}$`);
}

function sameHost(origin: string, host: string): boolean {
  try {
    return host !== '' && new URL(origin).host.toLowerCase() === host.toLowerCase();
  } catch {
    return false;
  }
}
