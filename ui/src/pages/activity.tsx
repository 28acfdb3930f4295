import { useMemo, useState } from 'preact/hooks';
import { call } from '../api.js';
import { Bars, TimeChart } from '../chart.js';
import { Empty, Failure, Loading, Section, fmtBytes } from '../components.js';
import { useLoad } from '../hooks.js';

const RANGES = [
  { label: '15 minutes', s: 900 },
  { label: '1 hour', s: 3600 },
  { label: '6 hours', s: 6 * 3600 },
  { label: '24 hours', s: 86400 },
  { label: '7 days', s: 7 * 86400 },
];

/** One entry of `activity_sessions`; times in Unix seconds, `disconnected_at` 0 = still open. */
interface Session {
  client: string;
  user: string;
  transport: string;
  protocol: string;
  remote_addr: string;
  app_name: string;
  app_version: string;
  /** The node's name as `info` reports it; `node_uid` tells apart nodes of the same name. */
  node: string;
  node_uid?: string;
  connected_at: number;
  disconnected_at: number;
  disconnect_code: number;
  disconnect_reason: string;
}

interface Minute {
  /** Unix seconds at the minute's start. */
  minute: number;
  publications: number;
  deliveries: number;
  bytes: number;
}

/** One entry of `activity_channels`: totals over the range and the minutes they add up from. */
interface ChannelActivity {
  channel: string;
  publications: number;
  deliveries: number;
  bytes: number;
  minutes: Minute[];
}

const SESSION_LIMIT = 1000;
const nowSec = (): number => Math.floor(Date.now() / 1000);
const when = (s: number): string => new Date(s * 1000).toLocaleString();

/** Sessions connected in the range, and those connected before it that are still open (they count too). */
async function loadSessions(since: number): Promise<{ sessions: Session[]; more: boolean }> {
  // until 0: up to the present, so a session connected this very second is not cut off.
  const [inRange, open] = await Promise.all([
    call<{ sessions: Session[]; next_cursor?: string }>('activity_sessions', { since, until: 0, limit: SESSION_LIMIT }),
    call<{ sessions: Session[] }>('activity_sessions', { open_only: true, until: since, limit: SESSION_LIMIT }),
  ]);
  return { sessions: [...inRange.sessions, ...open.sessions], more: Boolean(inRange.next_cursor) };
}

/** Open sessions at each of 60 points of the range, from each session's connect and disconnect times. */
function overTime(sessions: Session[], since: number, until: number): { x: number[]; y: number[] } {
  const spans = sessions.map((s) => [s.connected_at, s.disconnected_at || Infinity] as const);
  const x: number[] = [];
  const y: number[] = [];
  for (let i = 0; i <= 60; i++) {
    const t = since + ((until - since) * i) / 60;
    x.push(t);
    y.push(spans.filter(([a, b]) => a <= t && t < b).length);
  }
  return { x, y };
}

/** Publications and deliveries per minute over the range, summed over the listed channels. */
function perMinute(channels: ChannelActivity[], since: number, until: number): { x: number[]; pubs: number[]; dels: number[] } {
  const first = since - (since % 60);
  const x: number[] = [];
  for (let m = first; m <= until; m += 60) x.push(m);
  const pubs = x.map(() => 0);
  const dels = x.map(() => 0);
  for (const c of channels) {
    for (const m of c.minutes) {
      const i = (m.minute - first) / 60;
      if (i < 0 || i >= x.length) continue;
      pubs[i] += m.publications;
      dels[i] += m.deliveries;
    }
  }
  return { x, pubs, dels };
}

function SessionsTable({ sessions }: { sessions: Session[] }) {
  return (
    <div class="table-wrap">
      <table aria-label="Sessions">
        <thead>
          <tr>
            <th>User</th>
            <th>Client</th>
            <th>Transport</th>
            <th>App</th>
            <th>Node</th>
            <th>Connected</th>
            <th>Disconnected</th>
          </tr>
        </thead>
        <tbody>
          {sessions.map((s) => (
            <tr key={s.client} data-client={s.client} data-user={s.user}>
              <td data-label="User">{s.user || <span class="muted">anonymous</span>}</td>
              <td data-label="Client" class="mono small">
                {s.client}
              </td>
              <td data-label="Transport">
                {s.transport} <span class="muted small">{s.protocol}</span>
              </td>
              <td data-label="App">{s.app_name ? `${s.app_name} ${s.app_version}`.trim() : <span class="muted">—</span>}</td>
              <td data-label="Node" title={s.node_uid ? `uid ${s.node_uid}` : undefined}>
                {s.node}
              </td>
              <td data-label="Connected">{when(s.connected_at)}</td>
              <td data-label="Disconnected">
                {s.disconnected_at ? (
                  <>
                    {when(s.disconnected_at)}{' '}
                    <span class="muted small">
                      {s.disconnect_code} {s.disconnect_reason}
                    </span>
                  </>
                ) : (
                  <span class="chip">open</span>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function ChannelsTable({ channels }: { channels: ChannelActivity[] }) {
  return (
    <div class="table-wrap">
      <table aria-label="Channel traffic">
        <thead>
          <tr>
            <th>Channel</th>
            <th class="num">Publications</th>
            <th class="num">Deliveries</th>
            <th class="num">Published bytes</th>
          </tr>
        </thead>
        <tbody>
          {channels.map((c) => (
            <tr key={c.channel} data-channel={c.channel}>
              <td data-label="Channel" class="mono">
                {c.channel}
              </td>
              <td data-label="Publications" class="num">{c.publications.toLocaleString()}</td>
              <td data-label="Deliveries" class="num">{c.deliveries.toLocaleString()}</td>
              <td data-label="Published bytes" class="num">{fmtBytes(c.bytes)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function Activity() {
  const [range, setRange] = useState(3600);
  const [now, setNow] = useState(nowSec);
  const since = now - range;
  const sessions = useLoad(() => loadSessions(since), [since, now]);
  // Minutes are keyed by their start: begin at the minute that holds `since`, end at the present.
  const channels = useLoad(() => call<{ channels: ChannelActivity[]; dropped: number }>('activity_channels', { since: since - (since % 60), until: 0, top: 10 }), [since, now]);
  const sessionRows = sessions.data?.sessions ?? [];
  const channelRows = channels.data?.channels ?? [];
  const series = useMemo(() => overTime(sessionRows, since, now), [sessions.data]);
  const traffic = useMemo(() => perMinute(channelRows, since, now), [channels.data]);
  const byTransport = useMemo(() => {
    const m = new Map<string, number>();
    for (const s of sessionRows) m.set(s.transport || 'unknown', (m.get(s.transport || 'unknown') ?? 0) + 1);
    return [...m].map(([name, value]) => ({ name, value })).sort((a, b) => b.value - a.value);
  }, [sessions.data]);
  const top = channelRows.map((c) => ({ name: c.channel, value: c.publications }));
  const unavailable = sessions.error?.unavailable && channels.error?.unavailable;
  return (
    <>
      <div class="row wrap toolbar">
        <label class="inline">
          Range{' '}
          <select value={range} onChange={(e) => (setRange(Number((e.currentTarget as HTMLSelectElement).value)), setNow(nowSec()))}>
            {RANGES.map((r) => (
              <option value={r.s} key={r.s}>
                last {r.label}
              </option>
            ))}
          </select>
        </label>
        <button type="button" onClick={() => setNow(nowSec())}>
          Refresh
        </button>
      </div>
      {unavailable ? (
        <Failure error={sessions.error} what="activity analytics (activity_sessions, activity_channels)" />
      ) : (
        <>
          <Section title="Connections over time">
            <Failure error={sessions.error} what="activity_sessions" />
            {!sessions.data && sessions.loading ? <Loading /> : null}
            {sessions.data ? <TimeChart x={series.x} series={[{ label: 'open sessions', values: series.y }]} label="Open sessions over the chosen range" /> : null}
          </Section>
          <Section title="Messages per minute">
            <Failure error={channels.error} what="activity_channels" />
            {!channels.data && channels.loading ? <Loading /> : null}
            {channels.data ? (
              <TimeChart
                x={traffic.x}
                series={[
                  { label: 'publications', values: traffic.pubs },
                  { label: 'deliveries', values: traffic.dels },
                ]}
                label="Publications and deliveries per minute in the top channels"
              />
            ) : null}
            {channels.data?.dropped ? <p class="muted small">{channels.data.dropped.toLocaleString()} activity events dropped by this node (buffer full).</p> : null}
          </Section>
          <div class="split even">
            <Section title="Sessions by transport">
              {sessions.data && byTransport.length === 0 ? <Empty>No sessions in this range.</Empty> : null}
              <Bars items={byTransport} label="Sessions by transport" unit="sessions" />
            </Section>
            <Section title="Top channels by publications">
              {channels.data && top.length === 0 ? <Empty>No messages in this range.</Empty> : null}
              <Bars items={top} label="Top channels by publications" unit="pubs" />
            </Section>
          </div>
          {channelRows.length > 0 ? (
            <Section title="Channel traffic">
              <ChannelsTable channels={channelRows} />
            </Section>
          ) : null}
          {sessionRows.length > 0 ? (
            <Section title="Sessions">
              {sessions.data?.more ? <p class="muted small">The newest {SESSION_LIMIT.toLocaleString()} sessions of the range; choose a shorter range to see all.</p> : null}
              <SessionsTable sessions={sessionRows} />
            </Section>
          ) : null}
        </>
      )}
    </>
  );
}
