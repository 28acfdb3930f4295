import { actions } from '../api.js';
import { Empty, Failure, Loading, Section, fmtTime } from '../components.js';
import { useLoad } from '../hooks.js';

interface Action {
  at: string;
  user: string;
  address: string;
  action: string;
  params: unknown;
  ok: boolean;
  error?: string;
}

/** What operators did through the UI on this node, newest first. */
export function Actions() {
  const log = useLoad(() => actions<{ actions: Action[] }>(), [], 5000);
  return (
    <Section title="Actions log" actions={<span class="muted small">this node, newest first</span>}>
      <Failure error={log.error} />
      {!log.data && log.loading ? <Loading /> : null}
      {log.data && log.data.actions.length === 0 ? <Empty>Nothing has been done from the UI yet.</Empty> : null}
      {log.data?.actions.length ? (
        <div class="table-wrap">
          <table aria-label="Actions">
            <thead>
              <tr>
                <th>When</th>
                <th>Who</th>
                <th>Action</th>
                <th>Parameters</th>
                <th>Outcome</th>
              </tr>
            </thead>
            <tbody>
              {log.data.actions.map((a, i) => (
                <tr key={i}>
                  <td data-label="When">{fmtTime(a.at)}</td>
                  <td data-label="Who">
                    {a.user} <span class="muted small">{a.address}</span>
                  </td>
                  <td data-label="Action" class="mono small">
                    {a.action}
                  </td>
                  <td data-label="Parameters" class="mono small params">
                    {JSON.stringify(a.params)}
                  </td>
                  <td data-label="Outcome">{a.ok ? <span class="chip ok">ok</span> : <span class="chip warn">{a.error ?? 'failed'}</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </Section>
  );
}
