import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

/** A time series (x in Unix seconds) drawn by uPlot, sized to its container. */
export function TimeChart({ x, series, label }: { x: number[]; series: Array<{ label: string; values: number[] }>; label: string }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return undefined;
    const css = getComputedStyle(document.documentElement);
    const fg = css.getPropertyValue('--muted').trim() || '#888';
    const colors = [css.getPropertyValue('--accent').trim() || '#3b82f6', '#e67e22', '#16a34a', '#a855f7'];
    const axis = { stroke: fg, grid: { stroke: css.getPropertyValue('--line').trim() || '#ddd', width: 1 }, ticks: { stroke: fg } };
    const plot = new uPlot(
      {
        width: el.clientWidth || 600,
        height: 220,
        series: [{}, ...series.map((s, i) => ({ label: s.label, stroke: colors[i % colors.length], width: 2, fill: i === 0 ? `${colors[0]}22` : undefined }))],
        axes: [axis, axis],
        scales: { y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] } },
      },
      [x, ...series.map((s) => s.values)],
      el,
    );
    const resize = new ResizeObserver(() => plot.setSize({ width: el.clientWidth, height: 220 }));
    resize.observe(el);
    return () => (resize.disconnect(), plot.destroy());
  }, [x, series]);
  return <div ref={box} class="chart" role="img" aria-label={label} />;
}

/** Horizontal bars for categories: plain elements, readable by screen readers as a list. */
export function Bars({ items, label, unit }: { items: Array<{ name: string; value: number }>; label: string; unit: string }) {
  const max = Math.max(1, ...items.map((i) => i.value));
  return (
    <ul class="bars" aria-label={label}>
      {items.map((i) => (
        <li key={i.name}>
          <span class="bar-name mono" title={i.name}>
            {i.name}
          </span>
          <span class="bar-track">
            <span class="bar" style={{ width: `${(100 * i.value) / max}%` }} />
          </span>
          <span class="bar-value">
            {i.value.toLocaleString()} {unit}
          </span>
        </li>
      ))}
    </ul>
  );
}
