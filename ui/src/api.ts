/**
 * The admin UI's only way to the server: the public server API's methods and the token
 * broker's operator routes, through the admin session (cookie + CSRF header).
 */

/** A failed call, with the server's own message. `unavailable`: the server lacks this method or route. */
export class ApiFailure extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code?: number,
    readonly unavailable = false,
  ) {
    super(message);
  }
}

let csrf = '';
let onLoggedOut: () => void = () => {};

export function setSession(token: string, loggedOut: () => void): void {
  csrf = token;
  onLoggedOut = loggedOut;
}

/** The admin routes live beside the page: `<prefix>/admin/...`. */
const base = location.pathname.replace(/\/[^/]*$/, '');

async function request(method: string, path: string, body?: unknown): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(`${base}/admin/${path}`, {
      method,
      credentials: 'same-origin',
      headers: body === undefined ? { 'X-Parsec-Csrf': csrf } : { 'Content-Type': 'application/json', 'X-Parsec-Csrf': csrf },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    throw new ApiFailure(`cannot reach the server: ${(err as Error).message}`, 0);
  }
  const text = await res.text();
  let json: { error?: unknown; result?: unknown } | undefined;
  try {
    json = text ? (JSON.parse(text) as typeof json) : {};
  } catch {
    json = undefined;
  }
  if (res.status === 401 && path !== 'login') onLoggedOut();
  const err = json?.error;
  if (!res.ok || err) {
    const message = typeof err === 'string' ? err : typeof err === 'object' && err !== null ? String((err as { message?: unknown }).message) : text || res.statusText;
    const code = typeof err === 'object' && err !== null ? Number((err as { code?: unknown }).code) : undefined;
    // 404/104: no such method here; 108: the method exists but this server has the feature off.
    throw new ApiFailure(message, res.status, code, res.status === 404 || code === 104 || code === 108);
  }
  return json;
}

/** Calls a server API method: `{result}` → result. */
export async function call<T>(method: string, params: object = {}): Promise<T> {
  const r = (await request('POST', `api/${method}`, params)) as { result: T };
  return r.result;
}

/** The token broker's operator routes (`audit`, `revocations`, `revoke`, `credentials`). */
export function tokens<T>(method: 'GET' | 'POST' | 'DELETE', route: string, body?: unknown): Promise<T> {
  return request(method, `tokens/${route}`, method === 'GET' ? undefined : (body ?? {})) as Promise<T>;
}

export interface SessionInfo {
  authenticated: boolean;
  user?: string;
  csrf?: string;
  expires_at?: string;
  login: { password: boolean; idp: boolean };
  insecure: boolean;
  tokens: boolean;
  node: string;
  version: string;
  engine: { type: string; broker?: string; presence_manager?: string; state: string };
}

export const session = (): Promise<SessionInfo> => request('GET', 'session') as Promise<SessionInfo>;
export const login = (body: { password: string } | { token: string }): Promise<{ user: string; csrf: string }> =>
  request('POST', 'login', body) as Promise<{ user: string; csrf: string }>;
export const logout = (): Promise<unknown> => request('POST', 'logout', {});
export const actions = <T>(): Promise<T> => request('GET', 'actions?limit=500') as Promise<T>;
