import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

const PALETTE = ['#2f7ed8', '#d9480f', '#2b8a3e', '#862e9c', '#e67700', '#0b7285', '#c2255c', '#5c940d'];

// Wide enough for the longest tick label ("-9,900"), which uPlot's fixed default clips.
function axisWidth(self, values) {
  const longest = (values ?? []).reduce((n, v) => Math.max(n, String(v).length), 0);
  return Math.max(50, longest * 8 + 20);
}

// A time chart over uPlot. `times` in Unix seconds; `series` = [{label, values}] with
// values aligned to `times` (null = gap). Resizes with its container.
export function TimeChart({ times, series, height = 240, yLabel, title }) {
  const box = useRef(null);
  const plot = useRef(null);
  useEffect(() => {
    if (!box.current) return undefined;
    const opts = {
      width: box.current.clientWidth || 600,
      height,
      title,
      scales: { x: { time: true } },
      // Times in UTC, like every time the API and the rest of the dashboard show.
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1e3), 'Etc/UTC'),
      axes: [{ stroke: 'currentColor', grid: { stroke: 'rgba(128,128,128,0.2)' } },
        { stroke: 'currentColor', label: yLabel, grid: { stroke: 'rgba(128,128,128,0.2)' }, size: axisWidth }],
      series: [{}, ...series.map((s, i) => ({ label: s.label, stroke: PALETTE[i % PALETTE.length], width: 1.5, spanGaps: false }))],
      legend: { show: series.length > 0 && series.length <= 12 },
    };
    plot.current = new uPlot(opts, [times, ...series.map((s) => s.values)], box.current);
    const resize = new ResizeObserver(() => plot.current?.setSize({ width: box.current.clientWidth, height }));
    resize.observe(box.current);
    return () => {
      resize.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
  }, [times, series, height, yLabel, title]);
  return <div class="chart" ref={box} role="img" aria-label={title ?? 'chart'} />;
}
