import { useState } from 'preact/hooks';
import { call } from '../api.js';
import { Confirm, Done, Empty, Failure, Loading, Section, fmtTime } from '../components.js';
import { FilterBuilder, toFilter, type Condition, type FilterNode } from '../filter-builder.js';
import { useAction, useLoad } from '../hooks.js';

interface Conn {
  user: string;
  transport: string;
  protocol: string;
  state: { channels: Record<string, unknown> };
  connected_at_ms: number;
  labels?: Record<string, string>;
  remote_addr: string;
  /** The node's name as `info` reports it; `node_uid` tells apart nodes of the same name. */
  node: string;
  node_uid?: string;
  app_name?: string;
}

interface Page {
  connections: Record<string, Conn>;
  next_cursor?: string;
  nodes_missing?: string[];
}

interface Query {
  user: string;
  filter: FilterNode | undefined;
  transport: string;
}

const PAGE = 50;
const TRANSPORTS = ['websocket', 'sse', 'http_stream', 'mqtt'];

type Pending =
  | { kind: 'disconnect'; client: string; user: string }
  | { kind: 'unsubscribe'; client: string; user: string; channels: string[] }
  | { kind: 'bulk'; count: number; query: Query };

/** Who a query targets, for the user-targeted server API operations. */
const target = (q: Query) => ({ user: q.user, all_users: q.user === '', ...(q.filter ? { label_filter: q.filter } : {}) });

export function Connections() {
  const [user, setUser] = useState('');
  const [transport, setTransport] = useState('');
  const [conds, setConds] = useState<Condition[]>([]);
  const [join, setJoin] = useState<'and' | 'or'>('and');
  const [query, setQuery] = useState<Query>({ user: '', filter: undefined, transport: '' });
  // Cursors of the pages before this one, for "Previous".
  const [cursors, setCursors] = useState<string[]>(['']);
  const cursor = cursors[cursors.length - 1]!;
  const page = useLoad(
    () => call<Page>('connections', { user: query.user, ...(query.filter ? { label_filter: query.filter } : {}), limit: PAGE, cursor }),
    [query, cursor],
  );
  const action = useAction();
  const [pending, setPending] = useState<Pending | undefined>(undefined);
  const [code, setCode] = useState('3000');
  const [reason, setReason] = useState('disconnected by an operator');
  const [channel, setChannel] = useState('');

  const rows = Object.entries(page.data?.connections ?? {}).filter(([, c]) => !query.transport || c.transport === query.transport);
  const search = (e: Event) => {
    e.preventDefault();
    setQuery({ user: user.trim(), filter: toFilter(conds, join), transport });
    setCursors(['']);
  };
  const bulk = () =>
    action.run(async () => {
      const snap = await call<{ total: number; truncated: boolean }>('connections_snapshot', { user: query.user, ...(query.filter ? { label_filter: query.filter } : {}) });
      setPending({ kind: 'bulk', count: snap.total, query });
      return '';
    });
  const disconnectPayload = () => ({ disconnect: { code: Number(code), reason } });
  const confirm = async () => {
    const p = pending;
    setPending(undefined);
    if (!p) return;
    await action.run(async () => {
      if (p.kind === 'disconnect') {
        const r = await call<{ affected?: number }>('disconnect', { user: p.user, client: p.client, ...disconnectPayload() });
        return `Disconnected ${r.affected ?? 1} connection(s) of ${p.user || 'anonymous'}.`;
      }
      if (p.kind === 'unsubscribe') {
        const r = await call<{ affected?: number }>('unsubscribe', { user: p.user, client: p.client, channel });
        return `Unsubscribed ${r.affected ?? 1} connection(s) from ${channel}.`;
      }
      const r = await call<{ affected?: number }>('disconnect', { ...target(p.query), ...disconnectPayload() });
      return `Disconnected ${r.affected ?? 0} matching connection(s).`;
    });
    page.reload();
  };
  const refresh = (client: string, u: string) =>
    action.run(async () => {
      await call('refresh', { user: u, client });
      return `Asked ${client} to refresh its credentials.`;
    });

  return (
    <>
      <Section title="Find connections">
        <form class="search" onSubmit={search}>
          <div class="row wrap">
            <label>
              User
              <input name="user" placeholder="any user" value={user} onInput={(e) => setUser((e.currentTarget as HTMLInputElement).value)} />
            </label>
            <label>
              Transport
              <select name="transport" value={transport} onChange={(e) => setTransport((e.currentTarget as HTMLSelectElement).value)}>
                <option value="">any</option>
                {TRANSPORTS.map((t) => (
                  <option value={t} key={t}>
                    {t}
                  </option>
                ))}
              </select>
            </label>
          </div>
          <FilterBuilder conds={conds} join={join} onChange={(c, j) => (setConds(c), setJoin(j))} />
          <div class="row">
            <button type="submit" class="primary">
              Search
            </button>
            {query.filter ? <code class="small">{JSON.stringify(query.filter)}</code> : null}
          </div>
        </form>
      </Section>
      <Section
        title="Connections"
        actions={
          <>
            <button type="button" onClick={page.reload} disabled={page.loading}>
              Reload
            </button>
            <button type="button" class="danger" disabled={action.busy || query.transport !== ''} title={query.transport ? 'Bulk actions use the user and label filters only' : undefined} onClick={bulk}>
              Disconnect all matching…
            </button>
          </>
        }
      >
        <Failure error={action.error} />
        <Done text={action.done} />
        <Failure error={page.error} what="connections" />
        {page.data?.nodes_missing?.length ? <div class="note error">Nodes that did not answer in time: {page.data.nodes_missing.join(', ')}</div> : null}
        {!page.data && page.loading ? <Loading what="Gathering connections from every node" /> : null}
        {page.data && rows.length === 0 ? <Empty>No connection matches.</Empty> : null}
        {rows.length > 0 ? (
          <div class="table-wrap">
            <table class="connections">
              <thead>
                <tr>
                  <th>User</th>
                  <th>Client</th>
                  <th>Transport</th>
                  <th>Labels</th>
                  <th>Remote address</th>
                  <th>Node</th>
                  <th>Connected since</th>
                  <th>Channels</th>
                  <th>
                    <span class="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {rows.map(([client, c]) => {
                  const chans = Object.keys(c.state?.channels ?? {});
                  return (
                    <tr key={client} data-client={client} data-user={c.user}>
                      <td data-label="User">{c.user || <span class="muted">anonymous</span>}</td>
                      <td data-label="Client" class="mono small">
                        {client}
                      </td>
                      <td data-label="Transport">
                        {c.transport} <span class="muted small">{c.protocol}</span>
                      </td>
                      <td data-label="Labels">
                        {Object.entries(c.labels ?? {}).map(([k, v]) => (
                          <span class="chip" key={k}>
                            {k}={v}
                          </span>
                        ))}
                      </td>
                      <td data-label="Remote address" class="mono small">
                        {c.remote_addr}
                      </td>
                      <td data-label="Node" class="nowrap" title={c.node_uid ? `uid ${c.node_uid}` : undefined}>
                        {c.node}
                      </td>
                      <td data-label="Connected since">{fmtTime(c.connected_at_ms)}</td>
                      <td data-label="Channels">{chans.length ? chans.join(', ') : <span class="muted">none</span>}</td>
                      <td class="row-actions"><div>
                        <button type="button" class="danger small" onClick={() => setPending({ kind: 'disconnect', client, user: c.user })}>
                          Disconnect
                        </button>
                        <button
                          type="button"
                          class="small"
                          disabled={chans.length === 0}
                          onClick={() => (setChannel(chans[0] ?? ''), setPending({ kind: 'unsubscribe', client, user: c.user, channels: chans }))}
                        >
                          Unsubscribe
                        </button>
                        <button type="button" class="small" onClick={() => refresh(client, c.user)}>
                          Refresh
                        </button>
                      </div></td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        ) : null}
        <div class="row pager">
          <button type="button" disabled={cursors.length < 2} onClick={() => setCursors(cursors.slice(0, -1))}>
            ← Previous
          </button>
          <span class="muted small">Page {cursors.length}</span>
          <button type="button" disabled={!page.data?.next_cursor} onClick={() => setCursors([...cursors, page.data!.next_cursor!])}>
            Next →
          </button>
        </div>
      </Section>
      {pending ? (
        <Confirm
          title={pending.kind === 'bulk' ? `Disconnect all ${pending.count} matching?` : pending.kind === 'disconnect' ? 'Disconnect this connection?' : 'Unsubscribe from a channel'}
          confirmLabel={pending.kind === 'bulk' ? `Disconnect all ${pending.count}` : pending.kind === 'disconnect' ? 'Disconnect' : 'Unsubscribe'}
          danger={pending.kind !== 'unsubscribe'}
          onCancel={() => setPending(undefined)}
          onConfirm={confirm}
        >
          {pending.kind === 'bulk' ? (
            <p>
              This disconnects <strong>{pending.count}</strong> connection(s) matching {pending.query.user ? `user “${pending.query.user}”` : 'any user'}
              {pending.query.filter ? ' and the label filter' : ', with no label filter: every connection'}.
            </p>
          ) : null}
          {pending.kind === 'unsubscribe' ? (
            <label>
              Channel
              <select value={channel} onChange={(e) => setChannel((e.currentTarget as HTMLSelectElement).value)}>
                {pending.channels.map((ch) => (
                  <option key={ch}>{ch}</option>
                ))}
              </select>
            </label>
          ) : (
            <div class="row wrap">
              <label>
                Code
                <input type="number" min={3000} max={4999} value={code} onInput={(e) => setCode((e.currentTarget as HTMLInputElement).value)} />
              </label>
              <label class="grow">
                Reason
                <input maxLength={123} value={reason} onInput={(e) => setReason((e.currentTarget as HTMLInputElement).value)} />
              </label>
            </div>
          )}
          <p class="muted small">Codes 3000–3499 let the client reconnect; 3500–3999 and 4500–4999 tell it not to.</p>
        </Confirm>
      ) : null}
    </>
  );
}
