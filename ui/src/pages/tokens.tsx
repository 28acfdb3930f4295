import { useState } from 'preact/hooks';
import { ApiFailure, tokens } from '../api.js';
import { Confirm, Done, Empty, Failure, Loading, Section, fmtTime } from '../components.js';
import { useAction, useLoad } from '../hooks.js';

interface AuditEntry {
  token_id: string;
  issued_to: string;
  delegator?: string | null;
  channels: string[];
  expires_at: string | null;
  issued_at: string;
  remote_addr: string;
}

interface Revocations {
  revocations: Array<{ jti: string; reason: string; revoked_at: string }>;
  users: Array<{ user_id: string; revoked_at: string }>;
}

type Pending = { kind: 'token'; id: string } | { kind: 'user'; user: string } | { kind: 'unrevoke'; id: string };

/** The token broker's operator routes: audit trail, revocations, revoke, device credentials. */
export function Tokens({ enabled }: { enabled: boolean }) {
  if (!enabled) {
    return <Failure error={new ApiFailure('the token broker is not enabled (parsec.token_broker.enabled)', 404, undefined, true)} what="token broker" />;
  }
  return <TokenPages />;
}

function TokenPages() {
  const [user, setUser] = useState('');
  const [applied, setApplied] = useState('');
  const audit = useLoad(() => tokens<{ entries: AuditEntry[] }>('GET', `audit?limit=200${applied ? `&user=${encodeURIComponent(applied)}` : ''}`), [applied]);
  const revs = useLoad(() => tokens<Revocations>('GET', 'revocations'), []);
  const action = useAction();
  const [pending, setPending] = useState<Pending | undefined>(undefined);
  const [reason, setReason] = useState('revoked by an operator');
  const confirm = () => {
    const p = pending!;
    setPending(undefined);
    void action.run(async () => {
      if (p.kind === 'token') {
        await tokens('POST', `revocations?jti=${encodeURIComponent(p.id)}&reason=${encodeURIComponent(reason)}`);
      } else if (p.kind === 'user') {
        await tokens('POST', 'revoke', { user_id: p.user, reason });
      } else {
        await tokens('DELETE', `revocations?jti=${encodeURIComponent(p.id)}`);
      }
      revs.reload();
      return p.kind === 'token' ? `Token ${p.id} revoked: its sessions end now.` : p.kind === 'user' ? `Every token of ${p.user} issued until now is revoked.` : `Token ${p.id} is valid again.`;
    });
  };
  const revoked = new Set(revs.data?.revocations.map((r) => r.jti));
  return (
    <>
      <Failure error={action.error} />
      <Done text={action.done} />
      <Section title="Audit trail">
        <form class="row" onSubmit={(e) => (e.preventDefault(), setApplied(user.trim()))}>
          <input aria-label="Search by user" name="audit-user" placeholder="user" value={user} onInput={(e) => setUser((e.currentTarget as HTMLInputElement).value)} />
          <button type="submit">Search</button>
          {applied ? (
            <button type="button" class="danger" onClick={() => setPending({ kind: 'user', user: applied })}>
              Revoke all of {applied}…
            </button>
          ) : null}
        </form>
        <Failure error={audit.error} what="audit" />
        {!audit.data && audit.loading ? <Loading /> : null}
        {audit.data && audit.data.entries.length === 0 ? <Empty>No token issued{applied ? ` to ${applied}` : ''}.</Empty> : null}
        {audit.data?.entries.length ? (
          <div class="table-wrap">
            <table aria-label="Issued tokens">
              <thead>
                <tr>
                  <th>Token id</th>
                  <th>Issued to</th>
                  <th>Delegator</th>
                  <th>Channels</th>
                  <th>Issued</th>
                  <th>Expires</th>
                  <th>From</th>
                  <th>
                    <span class="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {audit.data.entries.map((e) => (
                  <tr key={e.token_id} data-token={e.token_id}>
                    <td data-label="Token id" class="mono small">
                      {e.token_id}
                    </td>
                    <td data-label="Issued to">{e.issued_to}</td>
                    <td data-label="Delegator">{e.delegator || '—'}</td>
                    <td data-label="Channels">{e.channels.join(', ') || '—'}</td>
                    <td data-label="Issued">{fmtTime(e.issued_at)}</td>
                    <td data-label="Expires">{fmtTime(e.expires_at ?? undefined)}</td>
                    <td data-label="From" class="mono small">
                      {e.remote_addr}
                    </td>
                    <td class="row-actions"><div>
                      {revoked.has(e.token_id) ? (
                        <span class="chip warn">revoked</span>
                      ) : (
                        <button type="button" class="danger small" onClick={() => setPending({ kind: 'token', id: e.token_id })}>
                          Revoke
                        </button>
                      )}
                    </div></td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
      </Section>
      <Section title="Revocations" actions={<button type="button" onClick={revs.reload}>Reload</button>}>
        <Failure error={revs.error} what="revocations" />
        {!revs.data && revs.loading ? <Loading /> : null}
        {revs.data && revs.data.revocations.length + revs.data.users.length === 0 ? <Empty>Nothing is revoked.</Empty> : null}
        {revs.data?.revocations.length ? (
          <ul class="plain">
            {revs.data.revocations.map((r) => (
              <li key={r.jti} class="row between">
                <span>
                  <span class="mono small">{r.jti}</span> <span class="muted small">{fmtTime(r.revoked_at)} {r.reason ? `— ${r.reason}` : ''}</span>
                </span>
                <button type="button" class="small" onClick={() => setPending({ kind: 'unrevoke', id: r.jti })}>
                  Un-revoke
                </button>
              </li>
            ))}
          </ul>
        ) : null}
        {revs.data?.users.length ? (
          <ul class="plain">
            {revs.data.users.map((u) => (
              <li key={u.user_id}>
                All tokens of <strong>{u.user_id}</strong> issued before {fmtTime(u.revoked_at)}
              </li>
            ))}
          </ul>
        ) : null}
      </Section>
      <Credentials />
      {pending ? (
        <Confirm
          title={pending.kind === 'token' ? 'Revoke this token?' : pending.kind === 'user' ? `Revoke every token of ${pending.user}?` : 'Un-revoke this token?'}
          confirmLabel={pending.kind === 'unrevoke' ? 'Un-revoke' : 'Revoke'}
          danger={pending.kind !== 'unrevoke'}
          onCancel={() => setPending(undefined)}
          onConfirm={confirm}
        >
          {pending.kind === 'unrevoke' ? (
            <p>Sessions may connect with {pending.id} again.</p>
          ) : (
            <>
              <p>Live sessions holding {pending.kind === 'token' ? 'it' : 'them'} are disconnected on every node.</p>
              <label>
                Reason
                <input value={reason} maxLength={512} onInput={(e) => setReason((e.currentTarget as HTMLInputElement).value)} />
              </label>
            </>
          )}
        </Confirm>
      ) : null}
    </>
  );
}

function Credentials() {
  const [number, setNumber] = useState('1');
  const [channels, setChannels] = useState('');
  const action = useAction();
  const issue = (e: Event) => {
    e.preventDefault();
    void action.run(async () => {
      const list = channels.split(',').map((c) => c.trim()).filter(Boolean);
      const result = await tokens<unknown>('POST', `credentials?number=${encodeURIComponent(number)}`, list.length ? { channels: list } : {});
      const url = URL.createObjectURL(new Blob([JSON.stringify(result, null, 2)], { type: 'application/json' }));
      const a = document.createElement('a');
      a.href = url;
      a.download = `parsec-credentials-${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      return `Issued ${number} credential(s); the JSON file is downloading.`;
    });
  };
  return (
    <Section title="Device credentials">
      <form onSubmit={issue}>
        <div class="row wrap">
          <label>
            How many
            <input type="number" min={1} max={100} value={number} onInput={(e) => setNumber((e.currentTarget as HTMLInputElement).value)} />
          </label>
          <label class="grow">
            Channels (comma-separated; empty = the broker's default)
            <input value={channels} onInput={(e) => setChannels((e.currentTarget as HTMLInputElement).value)} />
          </label>
        </div>
        <div class="row">
          <button type="submit" class="primary" disabled={action.busy}>
            Issue and download JSON
          </button>
        </div>
      </form>
      <Failure error={action.error} />
      <Done text={action.done} />
    </Section>
  );
}
