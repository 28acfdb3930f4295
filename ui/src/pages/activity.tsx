import { useMemo, useState } from 'preact/hooks';
import { call } from '../api.js';
import { Bars, TimeChart } from '../chart.js';
import { Empty, Failure, Loading, Section, rowsOf } from '../components.js';
import { useLoad } from '../hooks.js';

const RANGES = [
  { label: '15 minutes', s: 900 },
  { label: '1 hour', s: 3600 },
  { label: '6 hours', s: 6 * 3600 },
  { label: '24 hours', s: 86400 },
  { label: '7 days', s: 7 * 86400 },
];

/** A timestamp field as Unix seconds, whether the server gives ISO text, seconds or ms. */
function seconds(v: unknown): number | undefined {
  if (typeof v === 'number') return v > 1e11 ? v / 1000 : v;
  if (typeof v === 'string' && v) {
    const t = Date.parse(v);
    return Number.isNaN(t) ? undefined : t / 1000;
  }
  return undefined;
}

const first = (r: Record<string, unknown>, keys: string[]): unknown => keys.map((k) => r[k]).find((v) => v !== undefined && v !== null);

/** Open sessions at each of 60 points of the range, from each session's connect and disconnect times. */
function overTime(sessions: Array<Record<string, unknown>>, since: number, until: number): { x: number[]; y: number[] } {
  const spans = sessions.map((s) => [seconds(first(s, ['connected_at', 'connected_at_ms'])) ?? since, seconds(first(s, ['disconnected_at', 'disconnected_at_ms'])) ?? Infinity] as const);
  const x: number[] = [];
  const y: number[] = [];
  for (let i = 0; i <= 60; i++) {
    const t = since + ((until - since) * i) / 60;
    x.push(t);
    y.push(spans.filter(([a, b]) => a <= t && t < b).length);
  }
  return { x, y };
}

export function Activity() {
  const [range, setRange] = useState(3600);
  const [now, setNow] = useState(() => Math.floor(Date.now() / 1000));
  const since = now - range;
  const sessions = useLoad(() => call<unknown>('activity_sessions', { since, until: now, limit: 1000 }), [since, now]);
  const channels = useLoad(() => call<unknown>('activity_channels', { since, until: now, top: 10 }), [since, now]);
  const sessionRows = rowsOf(sessions.data);
  const series = useMemo(() => overTime(sessionRows, since, now), [sessions.data]);
  const byTransport = useMemo(() => {
    const m = new Map<string, number>();
    for (const s of sessionRows) m.set(String(s.transport ?? 'unknown'), (m.get(String(s.transport ?? 'unknown')) ?? 0) + 1);
    return [...m].map(([name, value]) => ({ name, value })).sort((a, b) => b.value - a.value);
  }, [sessions.data]);
  const top = rowsOf(channels.data)
    .map((r) => ({ name: String(first(r, ['channel', 'name']) ?? '?'), value: Number(first(r, ['publications', 'messages', 'count', 'deliveries']) ?? 0) }))
    .sort((a, b) => b.value - a.value)
    .slice(0, 10);
  const unavailable = sessions.error?.unavailable && channels.error?.unavailable;
  return (
    <>
      <div class="row wrap toolbar">
        <label class="inline">
          Range{' '}
          <select value={range} onChange={(e) => (setRange(Number((e.currentTarget as HTMLSelectElement).value)), setNow(Math.floor(Date.now() / 1000)))}>
            {RANGES.map((r) => (
              <option value={r.s} key={r.s}>
                last {r.label}
              </option>
            ))}
          </select>
        </label>
        <button type="button" onClick={() => setNow(Math.floor(Date.now() / 1000))}>
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
          <div class="split even">
            <Section title="Sessions by transport">
              {sessions.data && byTransport.length === 0 ? <Empty>No sessions in this range.</Empty> : null}
              <Bars items={byTransport} label="Sessions by transport" unit="sessions" />
            </Section>
            <Section title="Top channels by messages">
              <Failure error={channels.error} what="activity_channels" />
              {!channels.data && channels.loading ? <Loading /> : null}
              {channels.data && top.length === 0 ? <Empty>No messages in this range.</Empty> : null}
              <Bars items={top} label="Top channels by messages" unit="msgs" />
            </Section>
          </div>
        </>
      )}
    </>
  );
}
