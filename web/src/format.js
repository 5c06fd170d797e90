// Number and time formatting shared by the pages: UTC everywhere the API speaks UTC, the
// browser's locale for digits.
export const pct = (ratio, digits = 2) =>
  ratio === null || ratio === undefined || Number.isNaN(ratio) ? '–' : `${(ratio * 100).toFixed(digits)}%`;

export const ms = (v) => (v === null || v === undefined ? '–' : v < 1000 ? `${Math.round(v)} ms` : `${(v / 1000).toFixed(2)} s`);

export function duration(seconds) {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '–';
  const s = Math.abs(seconds);
  if (s < 60) return `${Math.round(seconds)}s`;
  if (s < 3600) return `${Math.round(seconds / 60)}m`;
  if (s < 86400) return `${(seconds / 3600).toFixed(1)}h`;
  return `${(seconds / 86400).toFixed(1)}d`;
}

// Accepts epoch ms, epoch seconds (< 1e11) or an RFC 3339 string.
export function toDate(t) {
  if (t === null || t === undefined || t === '') return null;
  if (typeof t === 'number') return new Date(t < 1e11 ? t * 1000 : t);
  const d = new Date(t);
  return Number.isNaN(d.getTime()) ? null : d;
}

export function time(t) {
  const d = toDate(t);
  return d ? d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '–';
}

export function ago(t, now = Date.now()) {
  const d = toDate(t);
  if (!d) return '–';
  const s = (now - d.getTime()) / 1000;
  return s >= 0 ? `${duration(s)} ago` : `in ${duration(-s)}`;
}

export const count = (n) => (n === null || n === undefined ? '–' : Number(n).toLocaleString('en'));
