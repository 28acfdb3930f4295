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
                typeof r.user === 'string' ? (
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

function RateLimits() {
  const limits = useLoad(() => call<unknown>('rate_limits_get'), []);
  const [text, setText] = useState<string | undefined>(undefined);
  const action = useAction();
  const shown = text ?? (limits.data === undefined ? '' : JSON.stringify(limits.data, null, 2));
  const save = (e: Event) => {
    e.preventDefault();
    void action.run(async () => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(shown);
      } catch (err) {
        throw new Error(`not JSON: ${(err as Error).message}`);
      }
      await call('rate_limits_set', parsed as object);
      setText(undefined);
      limits.reload();
      return 'Rate limits saved; every node applies them within a second.';
    });
  };
  return (
    <Section title="Rate limits" actions={<button type="button" onClick={() => (setText(undefined), limits.reload())}>Reload</button>}>
      <Failure error={limits.error} what="live rate limits (rate_limits_get, rate_limits_set)" />
      {!limits.data && limits.loading ? <Loading /> : null}
      {limits.data !== undefined ? (
        <form onSubmit={save}>
          <label>
            Buckets as the server reports them; edit and save to change them live
            <textarea name="rate-limits" class="mono" rows={12} value={shown} onInput={(e) => setText((e.currentTarget as HTMLTextAreaElement).value)} />
          </label>
          <div class="row">
            <button type="submit" class="primary" disabled={action.busy}>
              Save
            </button>
          </div>
        </form>
      ) : null}
      <Failure error={action.error} />
      <Done text={action.done} />
    </Section>
  );
}
