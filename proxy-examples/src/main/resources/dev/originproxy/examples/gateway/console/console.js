// originproxy admin console: plain JavaScript, no library, no network access beyond this gateway's
// own system API. Reads the JSON views and /metrics every 2 s; with a views token, sends it as a
// bearer token (from ?token=... or the token field; kept in sessionStorage for this tab only).
'use strict';

const REFRESH_MS = 2000;
const HISTORY = 150; // points: 5 minutes at 2 s
const COLORS = { webrtc: '#2f6fde', srt: '#d9822b', rtmp: '#1a7f37', http: '#7b3fb5' };
const STALE_HEARTBEAT_S = 30;

const params = new URLSearchParams(location.search);
let token = params.get('token') || sessionStorage.getItem('originproxy.token') || '';
if (params.get('token')) {
  sessionStorage.setItem('originproxy.token', token);
}

const history = []; // {t, rates: {protocol: bits/s}}
let previous = null; // {t, bytes: Map(sessionKey -> total bytes), protocols}

class AuthError extends Error {}

async function get(path, asText) {
  const headers = token ? { Authorization: 'Bearer ' + token } : {};
  const r = await fetch(path, { headers, cache: 'no-store' });
  if (r.status === 401 || r.status === 403) {
    throw new AuthError(path + ': ' + r.status);
  }
  if (!r.ok) {
    throw new Error(path + ': ' + r.status + ' ' + (await r.text()).slice(0, 200));
  }
  return asText ? r.text() : r.json();
}

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  if (cls) e.className = cls;
  return e;
}

function fill(tableId, rows, columns) {
  const body = document.querySelector('#' + tableId + ' tbody');
  body.replaceChildren();
  if (rows.length === 0) {
    const tr = el('tr');
    const td = el('td', 'none', 'empty');
    td.colSpan = columns;
    tr.append(td);
    body.append(tr);
    return;
  }
  for (const cells of rows) {
    const tr = el('tr');
    for (const c of cells) {
      tr.append(c instanceof Node ? c : el('td', c));
    }
    body.append(tr);
  }
}

function td(content, cls) {
  const cell = el('td', null, cls);
  if (content instanceof Node) cell.append(content); else cell.textContent = content;
  return cell;
}

function proto(name) {
  return td(el('span', name, 'proto ' + (COLORS[name] ? name : 'other')));
}

function age(iso) {
  if (!iso) return '—';
  const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  if (s < 60) return s + ' s';
  if (s < 3600) return Math.floor(s / 60) + ' m ' + (s % 60) + ' s';
  return Math.floor(s / 3600) + ' h ' + Math.floor((s % 3600) / 60) + ' m';
}

function bytes(n) {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1000 && i < units.length - 1) { n /= 1000; i++; }
  return (i === 0 ? n : n.toFixed(1)) + ' ' + units[i];
}

function bits(n) {
  const units = ['bit/s', 'kbit/s', 'Mbit/s', 'Gbit/s'];
  let i = 0;
  while (n >= 1000 && i < units.length - 1) { n /= 1000; i++; }
  return (i === 0 ? Math.round(n) : n.toFixed(1)) + ' ' + units[i];
}

function counts(count, unit, byteCount) {
  return td(count === undefined ? '—' : count + ' ' + unit + ' / ' + bytes(byteCount), 'num');
}

/**
 * Every live session as one row shape, whatever its protocol: each array of the sessions view is
 * one protocol (webrtc, srt, rtmp, http, and whatever a later gateway adds); a row's own
 * "protocol" field (http_flv, http_ts) wins. Counters are packets (UDP) or messages (RTMP).
 */
function sessionRows(view) {
  const out = [];
  for (const [key, list] of Object.entries(view)) {
    if (!Array.isArray(list)) continue;
    for (const s of list) {
      const c = s.counters;
      out.push({
        protocol: s.protocol || key, chart: key, id: s.id, stream: s.stream, direction: s.direction,
        origin: s.origin, started: s.started_at,
        client: s.client || s.caller || (s.clients || []).join(', ') || '—',
        c: c && {
          unit: c.messages_from_client !== undefined ? 'msg' : 'pkt',
          fromClient: c.packets_from_client ?? c.messages_from_client,
          bytesFromClient: c.bytes_from_client,
          fromOrigin: c.packets_from_origin ?? c.messages_from_origin,
          bytesFromOrigin: c.bytes_from_origin,
          dropped: c.dropped,
        },
      });
    }
  }
  return out;
}

/** Bits/s per protocol since the last poll, from sessions present in both polls. */
function throughput(sessions, now) {
  const totals = new Map();
  const rates = {};
  for (const p of Object.keys(COLORS)) rates[p] = 0;
  for (const s of sessions) {
    if (!s.c) continue;
    const key = s.chart + '/' + s.id;
    const total = s.c.bytesFromClient + s.c.bytesFromOrigin;
    totals.set(key, total);
    if (previous && previous.bytes.has(key)) {
      const delta = total - previous.bytes.get(key);
      if (delta > 0) rates[s.chart] = (rates[s.chart] || 0) + delta;
    }
  }
  if (previous) {
    const seconds = (now - previous.t) / 1000;
    for (const p of Object.keys(rates)) rates[p] = seconds > 0 ? rates[p] * 8 / seconds : 0;
    history.push({ t: now, rates });
    while (history.length > HISTORY) history.shift();
  }
  previous = { t: now, bytes: totals };
}

function drawChart() {
  const canvas = document.getElementById('chart');
  const ratio = window.devicePixelRatio || 1;
  const w = canvas.clientWidth, h = canvas.clientHeight;
  canvas.width = w * ratio; canvas.height = h * ratio;
  const g = canvas.getContext('2d');
  g.scale(ratio, ratio);
  g.clearRect(0, 0, w, h);
  const left = 70, bottom = h - 20, top = 10, right = w - 10;
  let max = 1000;
  for (const p of history) for (const v of Object.values(p.rates)) max = Math.max(max, v);
  max *= 1.1;
  g.strokeStyle = '#dde1e8'; g.fillStyle = '#6b7385'; g.font = '11px system-ui, sans-serif';
  for (let i = 0; i <= 4; i++) {
    const y = bottom - (bottom - top) * i / 4;
    g.beginPath(); g.moveTo(left, y); g.lineTo(right, y); g.stroke();
    g.fillText(bits(max * i / 4), 4, y + 4);
  }
  g.fillText('-5 min', left, h - 4);
  g.fillText('now', right - 22, h - 4);
  const x = i => right - (HISTORY - 1 - i - (HISTORY - history.length)) * (right - left) / (HISTORY - 1);
  for (const [protocol, color] of Object.entries(COLORS)) {
    g.strokeStyle = color; g.lineWidth = 2; g.beginPath();
    history.forEach((p, i) => {
      const y = bottom - (bottom - top) * (p.rates[protocol] || 0) / max;
      if (i === 0) g.moveTo(x(i), y); else g.lineTo(x(i), y);
    });
    g.stroke();
  }
  const legend = document.getElementById('legend');
  legend.replaceChildren();
  const last = history.length ? history[history.length - 1].rates : {};
  for (const [protocol, color] of Object.entries(COLORS)) {
    const item = el('span', protocol + ': ' + bits(last[protocol] || 0));
    const swatch = el('i'); swatch.style.background = color;
    item.prepend(swatch);
    item.id = 'rate-' + protocol;
    legend.append(item);
  }
}

/** Prometheus text lines whose metric name matches `name` (a RegExp source) as [{name, labels, value}]. */
function metric(text, name) {
  const out = [];
  const re = new RegExp('^(' + name + ')\\{([^}]*)\\} (\\S+)$', 'gm');
  let m;
  while ((m = re.exec(text)) !== null) {
    const labels = {};
    for (const kv of m[2].split(',')) {
      const eq = kv.indexOf('=');
      labels[kv.slice(0, eq)] = kv.slice(eq + 2, -1);
    }
    out.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return out;
}

/** The router a drop counter belongs to: its router label, else the word after originproxy_. */
function routerOf(d) {
  return d.labels.router || d.name.replace(/^originproxy_/, '').split('_')[0];
}

async function refresh() {
  const status = document.getElementById('status');
  try {
    const [versions, origins, streams, sessions, metrics] = await Promise.all([
      get('/api/v1/versions'), get('/api/v1/origins'), get('/api/v1/streams'), get('/api/v1/sessions'),
      get('/metrics', true)]);
    const now = Date.now();
    document.getElementById('version').textContent = versions.data ? versions.data.version : '';
    document.getElementById('token-form').hidden = !token;

    const rows = sessionRows(sessions);
    const placements = streams.streams || [];
    const streamsPerOrigin = new Map();
    for (const p of placements) streamsPerOrigin.set(p.origin, (streamsPerOrigin.get(p.origin) || 0) + 1);

    fill('origins', (origins.origins || []).map(o => {
      const heard = (Date.now() - Date.parse(o.last_heartbeat)) / 1000;
      const health = o.health || (heard <= STALE_HEARTBEAT_S ? 'ok' : 'stale');
      const ports = Object.keys(o).filter(k => Array.isArray(o[k]))
        .map(k => k + ' ' + o[k].join(' ')).join(' · ');
      return [o.id, o.ip, ports || '—', age(o.last_heartbeat) + ' ago', String(streamsPerOrigin.get(o.id) || 0),
        td(health, health === 'ok' ? 'ok' : 'bad')];
    }), 6);
    document.getElementById('origins-count').textContent = '(' + (origins.origins || []).length + ' live, '
      + (origins.balancer || '') + ' balancer)';

    const byStream = new Map();
    for (const p of placements) byStream.set(p.stream, { origin: p.origin, protocols: new Set(), pub: 0, play: 0 });
    for (const s of rows) {
      const e = byStream.get(s.stream) || { origin: s.origin, protocols: new Set(), pub: 0, play: 0 };
      e.protocols.add(s.protocol);
      if (s.direction === 'publish') e.pub++; else e.play++;
      byStream.set(s.stream, e);
    }
    fill('streams', [...byStream.entries()].map(([key, e]) =>
      [key, e.origin || '—', [...e.protocols].join(', ') || '—', String(e.pub), String(e.play)]), 5);
    document.getElementById('streams-count').textContent = '(' + byStream.size + ')';

    fill('sessions', rows.map(s => [proto(s.protocol), s.stream, s.direction, s.client, s.origin || '—',
      age(s.started), counts(s.c && s.c.fromClient, s.c && s.c.unit, s.c && s.c.bytesFromClient),
      counts(s.c && s.c.fromOrigin, s.c && s.c.unit, s.c && s.c.bytesFromOrigin),
      td(s.c && s.c.dropped !== undefined ? String(s.c.dropped) : '—', 'num')]), 9);
    document.getElementById('sessions-count').textContent = '(' + rows.length + ' live)';

    const drops = metric(metrics, 'originproxy_\\w*dropped\\w*_total').filter(d => d.value > 0 && d.labels.reason);
    fill('drops', drops.map(d => [proto(routerOf(d)), d.labels.reason, td(String(d.value), 'num')]), 3);

    throughput(rows, now);
    drawChart();
    status.className = 'status';
    status.textContent = 'updated ' + new Date(now).toLocaleTimeString();
  } catch (e) {
    status.className = 'status error';
    if (e instanceof AuthError) {
      status.textContent = token ? 'token refused' : 'this gateway needs the views token';
      document.getElementById('token-form').hidden = false;
    } else {
      status.textContent = 'cannot read the views: ' + e.message;
    }
  }
}

document.getElementById('token-form').addEventListener('submit', ev => {
  ev.preventDefault();
  token = document.getElementById('token').value.trim();
  sessionStorage.setItem('originproxy.token', token);
  refresh();
});

refresh();
setInterval(refresh, REFRESH_MS);
