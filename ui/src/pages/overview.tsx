import { call, session } from '../api.js';
import { Failure, Loading, Section, fmtBytes, fmtDuration } from '../components.js';
import { useLoad } from '../hooks.js';

interface NodeInfo {
  uid: string;
  name: string;
  version: string;
  num_clients: number;
  num_users: number;
  num_channels: number;
  num_subs: number;
  uptime: number;
  process?: { cpu: number; rss: number };
}

/** Nodes of the cluster and their totals, from `info`, every 3 s. */
export function Overview() {
  const info = useLoad(() => call<{ nodes: NodeInfo[] }>('info'), [], 3000);
  const here = useLoad(session, [], 3000);
  const engine = here.data?.engine;
  const nodes = info.data?.nodes ?? [];
  const total = (k: 'num_clients' | 'num_users' | 'num_channels' | 'num_subs') => nodes.reduce((n, x) => n + x[k], 0);
  return (
    <>
      <Failure error={info.error} what="info" />
      {!info.data && info.loading ? <Loading what="Asking every node" /> : null}
      {info.data ? (
        <>
          <div class="stats" aria-label="Cluster totals">
            <Stat label="Nodes" value={nodes.length} />
            <Stat label="Connections" value={total('num_clients')} />
            <Stat label="Users" value={total('num_users')} />
            <Stat label="Subscriptions" value={total('num_subs')} />
            <Stat label="Channels" value={total('num_channels')} />
          </div>
          {engine ? (
            <p class={`note ${engine.state === 'ok' ? 'ok' : 'error'}`} role="status">
              Engine <strong>{engine.type}</strong>
              {engine.broker ? (
                <>
                  {' '}
                  with the <strong>{engine.broker}</strong> broker
                </>
              ) : null}
              {engine.presence_manager ? (
                <>
                  {engine.broker ? ' and' : ' with'} the <strong>{engine.presence_manager}</strong> presence manager
                </>
              ) : null}
              : {engine.state === 'ok' ? 'delivering' : engine.state} (as node {here.data?.node} sees it)
            </p>
          ) : null}
          <Section title="Nodes" actions={<span class="muted small">{info.loading ? 'refreshing…' : 'live, every 3 s'}</span>}>
            <div class="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th>Name</th>
                    <th>Version</th>
                    <th>Uptime</th>
                    <th class="num">Connections</th>
                    <th class="num">Users</th>
                    <th class="num">Subscriptions</th>
                    <th class="num">Channels</th>
                    <th class="num">CPU</th>
                    <th class="num">Memory</th>
                  </tr>
                </thead>
                <tbody>
                  {nodes.map((n) => (
                    <tr key={n.uid}>
                      <td data-label="Name">
                        <strong>{n.name}</strong>
                        <div class="muted small mono">{n.uid}</div>
                      </td>
                      <td data-label="Version">{n.version}</td>
                      <td data-label="Uptime">{fmtDuration(n.uptime)}</td>
                      <td data-label="Connections" class="num">{n.num_clients}</td>
                      <td data-label="Users" class="num">{n.num_users}</td>
                      <td data-label="Subscriptions" class="num">{n.num_subs}</td>
                      <td data-label="Channels" class="num">{n.num_channels}</td>
                      <td data-label="CPU" class="num">{n.process ? `${n.process.cpu.toFixed(1)}%` : '—'}</td>
                      <td data-label="Memory" class="num">{n.process ? fmtBytes(n.process.rss) : '—'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </Section>
        </>
      ) : null}
    </>
  );
}

function Stat({ label, value }: { label: string; value: number }) {
  return (
    <div class="stat">
      <div class="stat-value">{value.toLocaleString()}</div>
      <div class="stat-label">{label}</div>
    </div>
  );
}
