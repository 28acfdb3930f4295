import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiFailure, login, logout, session, setSession, type SessionInfo } from './api.js';
import { Failure, Loading } from './components.js';
import { Actions } from './pages/actions.js';
import { Activity } from './pages/activity.js';
import { Blocks } from './pages/blocks.js';
import { Channels } from './pages/channels.js';
import { Connections } from './pages/connections.js';
import { Overview } from './pages/overview.js';
import { Tokens } from './pages/tokens.js';
import './styles.css';

const PAGES = [
  { id: 'overview', title: 'Overview' },
  { id: 'connections', title: 'Connections' },
  { id: 'channels', title: 'Channels' },
  { id: 'blocks', title: 'Blocks & rate limits' },
  { id: 'activity', title: 'Activity' },
  { id: 'tokens', title: 'Tokens' },
  { id: 'actions', title: 'Actions log' },
] as const;
type PageId = (typeof PAGES)[number]['id'];

const pageFromHash = (): PageId => {
  const id = location.hash.replace(/^#\/?/, '');
  return (PAGES.find((p) => p.id === id)?.id ?? 'overview') as PageId;
};

type Theme = 'auto' | 'light' | 'dark';

function applyTheme(t: Theme): void {
  if (t === 'auto') delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = t;
}

function App() {
  const [info, setInfo] = useState<SessionInfo | undefined>(undefined);
  const [error, setError] = useState<ApiFailure | undefined>(undefined);
  const [page, setPage] = useState<PageId>(pageFromHash);
  const [theme, setTheme] = useState<Theme>(() => (localStorage.getItem('parsec-theme') as Theme | null) ?? 'auto');
  const loggedOut = () => setInfo((i) => (i ? { ...i, authenticated: false, user: undefined, csrf: undefined } : i));
  const load = () =>
    session().then(
      (s) => {
        setSession(s.csrf ?? '', loggedOut);
        setInfo(s);
        setError(undefined);
      },
      (err: unknown) => setError(err as ApiFailure),
    );
  useEffect(() => void load(), []);
  useEffect(() => {
    const on = () => setPage(pageFromHash());
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  useEffect(() => {
    applyTheme(theme);
    localStorage.setItem('parsec-theme', theme);
  }, [theme]);
  useEffect(() => {
    document.title = `${PAGES.find((p) => p.id === page)!.title} · Parsec admin`;
    document.getElementById('main')?.focus();
  }, [page]);

  if (!info) return <main class="center">{error ? <Failure error={error} /> : <Loading what="Connecting" />}</main>;
  if (!info.authenticated) return <Login info={info} onDone={load} />;
  const current = PAGES.find((p) => p.id === page)!;
  return (
    <div class="shell">
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <div class="brand">
          <span class="logo" aria-hidden="true">
            ◆
          </span>{' '}
          Parsec <span class="muted small">{info.version}</span>
        </div>
        <nav aria-label="Pages">
          {PAGES.map((p) => (
            <a key={p.id} href={`#/${p.id}`} aria-current={p.id === page ? 'page' : undefined}>
              {p.title}
            </a>
          ))}
        </nav>
        <div class="who">
          <label class="sr-only" for="theme">
            Theme
          </label>
          <select id="theme" value={theme} onChange={(e) => setTheme((e.currentTarget as HTMLSelectElement).value as Theme)}>
            <option value="auto">Auto theme</option>
            <option value="light">Light</option>
            <option value="dark">Dark</option>
          </select>
          <span class="muted small" title={info.expires_at ? `session until ${new Date(info.expires_at).toLocaleString()}` : undefined}>
            {info.user}
          </span>
          {info.insecure ? null : (
            <button type="button" onClick={() => void logout().finally(load)}>
              Log out
            </button>
          )}
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <h1>{current.title}</h1>
        {page === 'overview' ? <Overview /> : null}
        {page === 'connections' ? <Connections /> : null}
        {page === 'channels' ? <Channels /> : null}
        {page === 'blocks' ? <Blocks /> : null}
        {page === 'activity' ? <Activity /> : null}
        {page === 'tokens' ? <Tokens enabled={info.tokens} /> : null}
        {page === 'actions' ? <Actions /> : null}
      </main>
    </div>
  );
}

function Login({ info, onDone }: { info: SessionInfo; onDone: () => void }) {
  const [error, setError] = useState<ApiFailure | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  // The field's value as the form holds it at submit time, not as last rendered.
  const submit = (field: 'password' | 'token') => (e: Event) => {
    e.preventDefault();
    const value = ((e.currentTarget as HTMLFormElement).elements.namedItem(field) as HTMLInputElement).value;
    setBusy(true);
    setError(undefined);
    login(field === 'password' ? { password: value } : { token: value.trim() }).then(onDone, (err: unknown) => (setError(err as ApiFailure), setBusy(false)));
  };
  return (
    <main class="center">
      <div class="card login">
        <h1>
          <span class="logo" aria-hidden="true">
            ◆
          </span>{' '}
          Parsec admin
        </h1>
        <p class="muted small">
          Node {info.node}, version {info.version}
        </p>
        {info.login.password ? (
          <form onSubmit={submit('password')}>
            <label>
              Password
              <input type="password" name="password" autoComplete="current-password" autofocus required />
            </label>
            <button type="submit" class="primary wide" disabled={busy}>
              Log in
            </button>
          </form>
        ) : null}
        {info.login.idp ? (
          <form onSubmit={submit('token')}>
            <label>
              Access token from your identity provider
              <textarea name="token" rows={3} class="mono" required />
            </label>
            <button type="submit" class="wide" disabled={busy}>
              Log in with token
            </button>
          </form>
        ) : null}
        <Failure error={error} />
      </div>
    </main>
  );
}

const root = document.getElementById('app')!;
// The static "Loading…" placeholder goes; the app renders into an empty container.
root.textContent = '';
render(<App />, root);
