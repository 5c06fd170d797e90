// A time range picker shared by the logs and metrics pages: presets relative to now
// (15m … 7d) or a custom from/to, both in UTC. The value lives in the URL, so a shared link
// shows the same range: `since=1h` (or the page's own key), or `from=…&to=…` for a custom
// range ('YYYY-MM-DDTHH:MM', UTC).
import { useId } from 'preact/hooks';

export const PRESETS = [
  ['15m', 'Last 15 minutes', 900],
  ['1h', 'Last hour', 3600],
  ['6h', 'Last 6 hours', 21600],
  ['24h', 'Last 24 hours', 86400],
  ['7d', 'Last 7 days', 604800],
];
const SECONDS = Object.fromEntries(PRESETS.map(([k, , s]) => [k, s]));

// {preset} or {from, to} from the route's params; `key` is the preset's param name.
export function rangeFromParams(params, key = 'since', fallback = '1h') {
  const from = params.get('from');
  const to = params.get('to');
  if (from && to) return { preset: 'custom', from, to };
  const preset = params.get(key);
  return { preset: SECONDS[preset] ? preset : fallback };
}

// The URL params of a range (merge them with the page's own).
export function rangeToParams(range, key = 'since') {
  return range.preset === 'custom' ? { from: range.from, to: range.to } : { [key]: range.preset };
}

// 'YYYY-MM-DDTHH:MM[:SS]' read as UTC -> Unix seconds (NaN when malformed).
export function parseUtc(text) {
  if (!text) return NaN;
  const t = /^\d{4}-\d\d-\d\dT\d\d:\d\d$/.test(text) ? text + ':00Z' : /Z$/.test(text) ? text : text + 'Z';
  return Date.parse(t) / 1000;
}

// Unix seconds -> 'YYYY-MM-DDTHH:MM' in UTC (what a datetime-local input holds).
export const formatUtc = (seconds) => new Date(seconds * 1000).toISOString().slice(0, 16);

// {start, end, seconds} in Unix seconds, or {error} for a custom range that does not parse.
export function resolveRange(range, now = Date.now()) {
  if (range.preset === 'custom') {
    const start = parseUtc(range.from);
    const end = parseUtc(range.to);
    if (!Number.isFinite(start) || !Number.isFinite(end)) return { error: 'Enter both ends of the range as UTC date and time.' };
    if (start >= end) return { error: 'The start of the range must be before its end.' };
    return { start, end, seconds: end - start };
  }
  const end = Math.floor(now / 1000);
  const seconds = SECONDS[range.preset] ?? 3600;
  return { start: end - seconds, end, seconds };
}

export function describeRange(range) {
  if (range.preset !== 'custom') return PRESETS.find(([k]) => k === range.preset)?.[1] ?? range.preset;
  return `${range.from.replace('T', ' ')} – ${range.to.replace('T', ' ')} UTC`;
}

// Controlled: `value` is a range, `onChange(range)` gets the new one. Picking a custom range
// starts from the current preset's window so both fields are filled.
export function TimeRange({ value, onChange, label = 'Time range' }) {
  const id = useId();
  const pick = (preset) => {
    if (preset !== 'custom') return onChange({ preset });
    const r = resolveRange(value);
    // Whole minutes (what the inputs hold), widened so the window still covers its last lines.
    const end = Math.ceil((r.end ?? Date.now() / 1000) / 60) * 60;
    return onChange({ preset: 'custom', from: formatUtc(Math.floor((r.start ?? end - 3600) / 60) * 60), to: formatUtc(end) });
  };
  return (
    <div class="time-range">
      <div>
        <label for={id + 'p'}>{label}</label>
        <select id={id + 'p'} value={value.preset} onChange={(e) => pick(e.currentTarget.value)}>
          {PRESETS.map(([k, text]) => <option key={k} value={k}>{text}</option>)}
          <option value="custom">Custom (UTC)…</option>
        </select>
      </div>
      {value.preset === 'custom' && (
        <>
          <div>
            <label for={id + 'f'}>From (UTC)</label>
            <input id={id + 'f'} type="datetime-local" required value={value.from}
              onInput={(e) => onChange({ ...value, from: e.currentTarget.value })} />
          </div>
          <div>
            <label for={id + 't'}>To (UTC)</label>
            <input id={id + 't'} type="datetime-local" required value={value.to}
              onInput={(e) => onChange({ ...value, to: e.currentTarget.value })} />
          </div>
        </>
      )}
    </div>
  );
}
