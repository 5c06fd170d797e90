// The dashboard only calls the public API, with the key the user logged in with. The key
// lives in sessionStorage (gone when the tab closes), never in a URL.
const KEY = 'pharos.key';

export const session = {
  key: () => sessionStorage.getItem(KEY),
  set: (key) => sessionStorage.setItem(KEY, key),
  clear: () => sessionStorage.removeItem(KEY),
};

export class ApiError extends Error {
  constructor(status, code, message, body) {
    super(message);
    this.status = status;
    this.code = code;
    this.body = body;
  }
}

function headers(json) {
  const h = { Authorization: `Bearer ${session.key() ?? ''}` };
  if (json) h['Content-Type'] = 'application/json';
  return h;
}

async function fail(res) {
  let body = null;
  try {
    body = await res.json();
  } catch {
    // not JSON: the status line says enough
  }
  if (res.status === 401) {
    session.clear();
    window.dispatchEvent(new Event('pharos:logout'));
  }
  // Our envelope {"error": {code, message}}, or the Prometheus shape the metrics routes keep
  // for Grafana: {"status": "error", "errorType", "error": "message"}.
  const err = typeof body?.error === 'string' ? { code: body.errorType, message: body.error } : body?.error ?? {};
  throw new ApiError(res.status, err.code ?? 'http_' + res.status, err.message ?? res.statusText, body);
}

// `api('/api/v1/checks')` -> parsed JSON; `{method, body}` for writes; `{text: true}` for a
// text answer (CSV, Prometheus text). Throws ApiError with the API's own message.
export async function api(path, { method = 'GET', body, text = false, signal } = {}) {
  const res = await fetch(path, {
    method,
    headers: headers(body !== undefined),
    body: body === undefined ? undefined : JSON.stringify(body),
    signal,
  });
  if (!res.ok) await fail(res);
  if (res.status === 204) return null;
  return text ? res.text() : res.json();
}

// A streaming GET (text/event-stream) read with fetch, because EventSource cannot send an
// Authorization header. Calls onEvent({event, data}) per event until `signal` aborts.
export async function stream(path, onEvent, signal) {
  const res = await fetch(path, { headers: headers(false), signal });
  if (!res.ok) await fail(res);
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = 'message';
      const data = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
      }
      if (data.length) onEvent({ event, data: data.join('\n') });
    }
  }
}

export const q = (params) => {
  const s = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') s.set(k, v);
  const text = s.toString();
  return text ? '?' + text : '';
};
