import { useState } from 'preact/hooks';
import { call } from '../api.js';
import { AutoTable, Confirm, Done, Empty, Failure, Loading, Section, rowsOf } from '../components.js';
import { useAction, useLoad } from '../hooks.js';

/** User blocks (`block_user`, `unblock_user`, `blocked_users`) and live rate limits (`rate_limits_get`/`_set`). */
export function Blocks() {
  return (
    <>
      <BlockForm />
      <RateLimits />
    </>
  );
}

function BlockForm() {
  const [user, setUser] = useState('');
  const [reason, setReason] = useState('');
  const [expires, setExpires] = useState('');
  const [history, setHistory] = useState(false);
  const [unblock, setUnblock] = useState<string | undefined>(undefined);
  const list = useLoad(() => call<unknown>('blocked_users', { history, limit: 100 }), [history]);
  const action = useAction();
  const block = (e: Event) => {
    e.preventDefault();
    void action.run(async () => {
      const expireAt = expires ? Math.floor(new Date(expires).getTime() / 1000) : undefined;
      await call('block_user', { user: user.trim(), ...(reason ? { reason } : {}), ...(expireAt ? { expire_at: expireAt } : {}) });
      list.reload();
      const done = `Blocked ${user.trim()}${expires ? ` until ${new Date(expires).toLocaleString()}` : ''}.`;
      setUser('');
      setReason('');
      return done;
    });
  };
  const doUnblock = () => {
    const u = unblock!;
    setUnblock(undefined);
    void action.run(async () => {
      await call('unblock_user', { user: u });
      list.reload();
      return `Unblocked ${u}.`;
    });
  };
  const rows = rowsOf(list.data);
  return (
    <>
      <Section title="Block a user">
        {list.error?.unavailable ? (
          <Failure error={list.error} what="user blocks (block_user, unblock_user, blocked_users)" />
        ) : (
          <form onSubmit={block}>
            <div class="row wrap">
              <label>
                User
                <input name="block-user" required value={user} onInput={(e) => setUser((e.currentTarget as HTMLInputElement).value)} />
              </label>
              <label class="grow">
                Reason
                <input name="block-reason" value={reason} onInput={(e) => setReason((e.currentTarget as HTMLInputElement).value)} />
              </label>
              <label>
                Expires (empty = never)
                <input name="block-expires" type="datetime-local" value={expires} onInput={(e) => setExpires((e.currentTarget as HTMLInputElement).value)} />
              </label>
            </div>
            <div class="row">
              <button type="submit" class="danger" disabled={action.busy || !user.trim()}>
                Block
              </button>
            </div>
          </form>
        )}
        <Failure error={action.error} />
        <Done text={action.done} />
      </Section>
      {list.error?.unavailable ? null : (
        <Section
          title={history ? 'Blocks, with history' : 'Blocked users'}
          actions={
            <label class="inline">
              <input type="checkbox" checked={history} onChange={(e) => setHistory((e.currentTarget as HTMLInputElement).checked)} /> include lifted and expired
            </label>
          }
        >
          <Failure error={list.error} what="blocked_users" />
          {!list.data && list.loading ? <Loading /> : null}
          {list.data && rows.length === 0 ? <Empty>Nobody is blocked.</Empty> : null}
          {rows.length ? (
            <AutoTable
              rows={rows}
              label="Blocked users"
              actions={(r) =>
                typeof r.user === 'string' && !r.lifted_at && (!r.expire_at || Number(r.expire_at) * 1000 > Date.now()) ? (
                  <button type="button" class="small" onClick={() => setUnblock(r.user as string)}>
                    Unblock
                  </button>
                ) : null
              }
            />
          ) : null}
        </Section>
      )}
      {unblock !== undefined ? (
        <Confirm title={`Unblock ${unblock}?`} confirmLabel="Unblock" onCancel={() => setUnblock(undefined)} onConfirm={doUnblock}>
          <p>{unblock} may connect again at once.</p>
        </Confirm>
      ) : null}
    </>
  );
}

interface Limits {
  settings: Record<string, unknown>;
  overrides: Record<string, unknown>;
  updated_at?: number;
  updated_by?: string;
  hits: Array<{ layer: string; command: string; dry_run: boolean; count: number }>;
}

/** `rate_limits_get` shows the layers in force; saving sends them back as `rate_limits_set` {settings}. */
function RateLimits() {
  const limits = useLoad(() => call<Limits>('rate_limits_get'), []);
  const [text, setText] = useState<string | undefined>(undefined);
  const action = useAction();
  const shown = text ?? (limits.data === undefined ? '' : JSON.stringify(limits.data.settings, null, 2));
  const set = (settings: unknown, done: string) =>
    void action.run(async () => {
      await call('rate_limits_set', { settings });
      setText(undefined);
      limits.reload();
      return done;
    });
  const save = (e: Event) => {
    e.preventDefault();
    let parsed: unknown;
    try {
      parsed = JSON.parse(shown);
    } catch (err) {
      void action.run(() => Promise.reject(new Error(`not JSON: ${(err as Error).message}`)));
      return;
    }
    set(parsed, 'Rate limits saved; every node applies them within a second.');
  };
  const d = limits.data;
  const overridden = d ? Object.keys(d.overrides ?? {}) : [];
  return (
    <Section title="Rate limits" actions={<button type="button" onClick={() => (setText(undefined), limits.reload())}>Reload</button>}>
      <Failure error={limits.error} what="live rate limits (rate_limits_get, rate_limits_set)" />
      {!d && limits.loading ? <Loading /> : null}
      {d ? (
        <form onSubmit={save}>
          <p class="muted small">
            {overridden.length
              ? `Live overrides of ${overridden.join(', ')} since ${d.updated_at ? new Date(d.updated_at * 1000).toLocaleString() : '—'} by ${d.updated_by ?? '—'}; the other layers come from the config file.`
              : 'All layers come from the config file.'}
          </p>
          <label>
            Layers in force (client.rate_limit); edit and save to change them on every node
            <textarea name="rate-limits" class="mono" rows={14} value={shown} onInput={(e) => setText((e.currentTarget as HTMLTextAreaElement).value)} />
          </label>
          <div class="row">
            <button type="submit" class="primary" disabled={action.busy}>
              Save
            </button>
            <button type="button" disabled={action.busy || overridden.length === 0} onClick={() => set({}, 'Back to the config file values.')}>
              Return to the config file
            </button>
          </div>
          {d.hits.length ? (
            <AutoTable rows={d.hits as unknown as Array<Record<string, unknown>>} label="Refusals on this node" />
          ) : (
            <p class="muted small">No refusals on this node yet.</p>
          )}
        </form>
      ) : null}
      <Failure error={action.error} />
      <Done text={action.done} />
    </Section>
  );
}
