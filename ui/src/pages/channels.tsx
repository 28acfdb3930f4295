import { useState } from 'preact/hooks';
import { call } from '../api.js';
import { Confirm, Done, Empty, Failure, Json, Loading, Section } from '../components.js';
import { useAction, useLoad } from '../hooks.js';

interface Pub {
  data: unknown;
  offset?: number;
  info?: { user: string; client: string };
  tags?: Record<string, string>;
}

export function Channels() {
  const [pattern, setPattern] = useState('');
  const [applied, setApplied] = useState('');
  const [selected, setSelected] = useState('');
  const list = useLoad(() => call<{ channels: Record<string, { num_clients: number }> }>('channels', { pattern: applied }), [applied], 5000);
  const names = Object.entries(list.data?.channels ?? {}).sort((a, b) => b[1].num_clients - a[1].num_clients || a[0].localeCompare(b[0]));
  return (
    <div class="split">
      <Section title="Channels" actions={<span class="muted small">{list.loading ? 'refreshing…' : 'with subscribers on this node'}</span>}>
        <form class="row" onSubmit={(e) => (e.preventDefault(), setApplied(pattern.trim()))}>
          <input aria-label="Channel pattern" placeholder="pattern, e.g. chat:*" value={pattern} onInput={(e) => setPattern((e.currentTarget as HTMLInputElement).value)} />
          <button type="submit">Filter</button>
        </form>
        <Failure error={list.error} what="channels" />
        {!list.data && list.loading ? <Loading /> : null}
        {list.data && names.length === 0 ? <Empty>No channel has subscribers. Open one by name below.</Empty> : null}
        <ul class="list" aria-label="Channels">
          {names.map(([name, c]) => (
            <li key={name}>
              <button type="button" class={`list-item${name === selected ? ' selected' : ''}`} aria-pressed={name === selected} onClick={() => setSelected(name)}>
                <span class="mono">{name}</span>
                <span class="badge" title="subscribers">
                  {c.num_clients}
                </span>
              </button>
            </li>
          ))}
        </ul>
        <form class="row" onSubmit={(e) => (e.preventDefault(), setSelected(((e.currentTarget as HTMLFormElement).elements.namedItem('open') as HTMLInputElement).value.trim()))}>
          <input name="open" aria-label="Open channel by name" placeholder="open a channel by name" />
          <button type="submit">Open</button>
        </form>
      </Section>
      {selected ? <ChannelDetail key={selected} channel={selected} /> : <Section title="Channel">{<Empty>Choose a channel to see its presence and history, and to publish.</Empty>}</Section>}
    </div>
  );
}

function ChannelDetail({ channel }: { channel: string }) {
  const presence = useLoad(() => call<{ presence: Record<string, { user: string; client: string }> }>('presence', { channel }), [channel], 5000);
  const history = useLoad(() => call<{ publications: Pub[]; epoch: string; offset: number }>('history', { channel, limit: 50, reverse: true }), [channel]);
  const action = useAction();
  const [data, setData] = useState('{"text": "hello"}');
  const [confirmRemove, setConfirmRemove] = useState(false);
  const publish = (e: Event) => {
    e.preventDefault();
    void action.run(async () => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(data);
      } catch (err) {
        throw new Error(`data is not JSON: ${(err as Error).message}`);
      }
      const r = await call<{ offset?: number; epoch?: string }>('publish', { channel, data: parsed });
      history.reload();
      return `Published to ${channel}${r.offset ? ` at offset ${r.offset}` : ''}.`;
    });
  };
  const remove = () => {
    setConfirmRemove(false);
    void action.run(async () => {
      await call('history_remove', { channel });
      history.reload();
      return `History of ${channel} removed.`;
    });
  };
  const clients = Object.values(presence.data?.presence ?? {});
  return (
    <div class="stack">
      <Section title={`Publish to ${channel}`}>
        <form onSubmit={publish}>
          <label>
            Data (JSON)
            <textarea name="data" rows={3} class="mono" value={data} onInput={(e) => setData((e.currentTarget as HTMLTextAreaElement).value)} />
          </label>
          <div class="row">
            <button type="submit" class="primary" disabled={action.busy}>
              Publish
            </button>
          </div>
        </form>
        <Failure error={action.error} />
        <Done text={action.done} />
      </Section>
      <Section title={`Presence (${clients.length})`}>
        <Failure error={presence.error} what="presence" />
        {!presence.data && presence.loading ? <Loading /> : null}
        {presence.data && clients.length === 0 ? <Empty>Nobody is present.</Empty> : null}
        {clients.length ? (
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th>User</th>
                  <th>Client</th>
                </tr>
              </thead>
              <tbody>
                {clients.map((c) => (
                  <tr key={c.client}>
                    <td data-label="User">{c.user || <span class="muted">anonymous</span>}</td>
                    <td data-label="Client" class="mono small">
                      {c.client}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
      </Section>
      <Section
        title="History, newest first"
        actions={
          <>
            <button type="button" onClick={history.reload}>
              Reload
            </button>
            <button type="button" class="danger" onClick={() => setConfirmRemove(true)}>
              Remove history…
            </button>
          </>
        }
      >
        <Failure error={history.error} what="history" />
        {!history.data && history.loading ? <Loading /> : null}
        {history.data ? (
          <p class="muted small">
            epoch <span class="mono">{history.data.epoch || '—'}</span>, top offset {history.data.offset}
          </p>
        ) : null}
        {history.data && history.data.publications.length === 0 ? <Empty>No publications kept.</Empty> : null}
        <ol class="history">
          {history.data?.publications.map((p, i) => (
            <li key={`${p.offset ?? i}`}>
              <div class="row between">
                <span class="badge">#{p.offset ?? '—'}</span>
                {p.info ? <span class="muted small">from {p.info.user || 'anonymous'}</span> : null}
              </div>
              <Json value={p.data} />
            </li>
          ))}
        </ol>
      </Section>
      {confirmRemove ? (
        <Confirm title={`Remove the history of ${channel}?`} confirmLabel="Remove history" danger onCancel={() => setConfirmRemove(false)} onConfirm={remove}>
          <p>Subscribers that recover from history lose the publications kept now.</p>
        </Confirm>
      ) : null}
    </div>
  );
}
