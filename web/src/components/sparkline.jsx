// Small inline SVG charts: cheap enough to draw a thousand on one page (uPlot is for the
// large interactive charts).

// A line through `values` (nulls leave gaps), scaled to its own range.
export function Sparkline({ values, width = 120, height = 24, label }) {
  const nums = values.filter((v) => v !== null && v !== undefined && Number.isFinite(v));
  if (!nums.length) return <svg class="spark" width={width} height={height} role="img" aria-label={label ?? 'no data'} />;
  const min = Math.min(...nums);
  const max = Math.max(...nums);
  const span = max - min || 1;
  const step = values.length > 1 ? width / (values.length - 1) : 0;
  let d = '';
  let pen = false;
  values.forEach((v, i) => {
    if (v === null || v === undefined || !Number.isFinite(v)) {
      pen = false;
      return;
    }
    const x = (i * step).toFixed(1);
    const y = (height - 2 - ((v - min) / span) * (height - 4)).toFixed(1);
    d += `${pen ? 'L' : 'M'}${x} ${y}`;
    pen = true;
  });
  // A single point (a new check, one sample so far) is a dot, not nothing.
  const dot = nums.length === 1 ? d.match(/M([\d.]+) ([\d.]+)/) : null;
  return (
    <svg class="spark" width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label={label ?? `from ${min} to ${max}`}>
      {dot ? <circle cx={dot[1]} cy={dot[2]} r="2" fill="currentColor" /> : <path d={d} fill="none" stroke="currentColor" stroke-width="1.5" />}
    </svg>
  );
}

// One bar per period (a day): green when fully up, amber under 99.9%, red under 99%, grey
// without data. `days` = [{label, uptime (0..1 or null)}], oldest first.
export function UptimeBars({ days, height = 24, label = 'uptime per day' }) {
  const w = 4;
  const gap = 1;
  return (
    <svg class="bars" width={days.length * (w + gap)} height={height} role="img" aria-label={label}>
      {days.map((d, i) => {
        const tone = d.uptime === null || d.uptime === undefined ? 'none' : d.uptime >= 0.999 ? 'ok' : d.uptime >= 0.99 ? 'warn' : 'bad';
        return (
          <rect key={i} x={i * (w + gap)} y="0" width={w} height={height} rx="1" class={`bar-${tone}`}>
            <title>{`${d.label}: ${d.uptime === null || d.uptime === undefined ? 'no data' : (d.uptime * 100).toFixed(3) + '%'}`}</title>
          </rect>
        );
      })}
    </svg>
  );
}

// A half-circle gauge for a ratio in [0, 1] (the error budget left); below 0 shows empty.
export function Gauge({ ratio, label, size = 120 }) {
  const r = size / 2 - 8;
  const clamped = Math.max(0, Math.min(1, ratio ?? 0));
  const angle = Math.PI * (1 - clamped);
  const x = size / 2 + r * Math.cos(angle);
  const y = size / 2 - r * Math.sin(angle);
  const tone = ratio === null || ratio === undefined ? 'none' : ratio > 0.5 ? 'ok' : ratio > 0.2 ? 'warn' : 'bad';
  return (
    <svg class="gauge" width={size} height={size / 2 + 8} viewBox={`0 0 ${size} ${size / 2 + 8}`} role="img" aria-label={label}>
      <path d={`M8 ${size / 2} A${r} ${r} 0 0 1 ${size - 8} ${size / 2}`} class="gauge-track" fill="none" stroke-width="10" />
      {clamped > 0 && (
        <path d={`M8 ${size / 2} A${r} ${r} 0 0 1 ${x.toFixed(1)} ${y.toFixed(1)}`} class={`gauge-${tone}`} fill="none" stroke-width="10" />
      )}
    </svg>
  );
}
