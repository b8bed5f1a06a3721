#!/usr/bin/env node
// Origin stand-in: behaves like an SRS origin's WebRTC HTTP API, with real werift peers.
//
//   node origin.mjs [--http-port 0] [--timeout-ms 30000]
//                   [--register http://127.0.0.1:PORT/api/v1/srs/register] [--register-interval-ms 1000]
//
// stdout (one JSON object per line):
//   {"event":"ready","port":<http port>,"pid":<pid>}
//   {"event":"session","id":...,"kind":"whip|whep","app":...,"stream":...}   per created session
//   {"event":"connected","id":...}                                           per connected session
//   {"event":"closed","id":...}                                              per DELETEd session
//   {"event":"exit","reason":"lifetime"}                                     when --timeout-ms elapses (exit 0)
// Endpoints: POST/PATCH/DELETE/OPTIONS /rtc/v1/whip/ and /rtc/v1/whep/, POST /rtc/v1/publish/ and
// /rtc/v1/play/ (legacy JSON), GET /stats. Listens on 127.0.0.1 only.

import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { MediaStreamTrack } from 'werift';
import {
  ORIGIN_CODECS, connected, emit, exit, fail, gatheringComplete, intArg, log, loopbackPeerConnection,
  onExit, parseArgs, requireLoopbackUrl, run, startSyntheticRtp,
} from './lib.mjs';

const args = parseArgs(process.argv.slice(2), {
  defaults: { 'http-port': '0', 'timeout-ms': '30000', 'register-interval-ms': '1000' },
});
const MAX_BODY = 1 << 20;
const serverId = `vid-${randomBytes(4).toString('hex')}`;
const serviceId = randomBytes(4).toString('hex');
/** @type {Map<string, any>} */
const sessions = new Map();

const hex = (n) => randomBytes(n).toString('hex');

function iceUfrag(sdp) {
  const m = /^a=ice-ufrag:(\S+)/m.exec(sdp);
  return m ? m[1] : '';
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(Object.assign(new Error('body too large'), { status: 413 }));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res, status, body = '', headers = {}) {
  res.writeHead(status, {
    'Access-Control-Allow-Origin': '*',
    'Access-Control-Expose-Headers': 'Location, ETag',
    ...headers,
  });
  res.end(body);
}

/** Creates a session answering `offerSdp`; kind "whip" receives, "whep" sends. */
async function createSession(kind, app, stream, offerSdp) {
  const id = hex(8);
  const pc = loopbackPeerConnection({ codecs: ORIGIN_CODECS });
  const s = {
    id, app, stream, kind, pc,
    rtpReceived: 0, rtpAudioReceived: 0, rtpSent: 0, dcEchoed: 0,
    closed: false, etag: `"${hex(6)}"`, sender: null,
  };
  sessions.set(id, s);
  pc.iceConnectionStateChange.subscribe((st) => log(`session ${id} ice ${st}`));
  pc.connectionStateChange.subscribe((st) => log(`session ${id} connection ${st}`));
  pc.onDataChannel.subscribe((dc) => {
    log(`session ${id} data channel ${dc.label}`);
    dc.onMessage.subscribe((msg) => {
      const text = Buffer.isBuffer(msg) ? msg.toString('utf8') : String(msg);
      dc.send(`echo:${text}`);
      s.dcEchoed++;
    });
  });
  pc.onTrack.subscribe((track) => {
    track.onReceiveRtp.subscribe(() => {
      if (track.kind === 'video') s.rtpReceived++;
      else s.rtpAudioReceived++;
    });
  });
  let track;
  if (kind === 'whep') {
    track = new MediaStreamTrack({ kind: 'video' });
    pc.addTransceiver(track, { direction: 'sendonly' });
  }
  await pc.setRemoteDescription({ type: 'offer', sdp: offerSdp });
  const answer = await pc.createAnswer();
  await pc.setLocalDescription(answer);
  await gatheringComplete(pc);
  const answerSdp = pc.localDescription.sdp;
  s.sessionId = `${iceUfrag(answerSdp)}:${iceUfrag(offerSdp)}`;
  emit('session', { id, kind, app, stream });
  connected(pc).then(() => {
    emit('connected', { id });
    if (kind === 'whep' && !s.closed) {
      const tr = pc.getTransceivers().find((t) => t.sender.track === track);
      const mimeType = tr?.sender.codec?.mimeType ?? 'video/VP8';
      log(`session ${id} sending synthetic ${mimeType}`);
      s.sender = startSyntheticRtp(track, { mimeType });
    }
  }, (e) => log(`session ${id} did not connect: ${e.message}`));
  return { s, answerSdp };
}

async function closeSession(s) {
  if (s.closed) return;
  s.closed = true;
  s.sender?.stop();
  await s.pc.close();
  emit('closed', { id: s.id });
}

function sessionStats(s) {
  return {
    id: s.id,
    app: s.app,
    stream: s.stream,
    kind: s.kind,
    iceState: s.pc.iceConnectionState,
    connectionState: s.pc.connectionState,
    rtpReceived: s.rtpReceived,
    rtpAudioReceived: s.rtpAudioReceived,
    rtpSent: s.sender ? s.sender.sent() : 0,
    dcEchoed: s.dcEchoed,
    closed: s.closed,
  };
}

function parseStreamUrl(streamurl) {
  // webrtc://host[:port]/app/stream[?query]
  const m = /^webrtc:\/\/[^/]+\/(.+)\/([^/?]+)(\?.*)?$/.exec(streamurl ?? '');
  return m ? { app: m[1], stream: m[2] } : null;
}

async function handle(req, res) {
  const url = new URL(req.url, 'http://127.0.0.1');
  const path = url.pathname.endsWith('/') ? url.pathname : `${url.pathname}/`;
  const q = url.searchParams;
  log(`${req.method} ${req.url}`);

  if (req.method === 'OPTIONS') {
    return send(res, 204, '', {
      'Access-Control-Allow-Methods': 'GET, POST, PATCH, DELETE, OPTIONS',
      'Access-Control-Allow-Headers': 'Content-Type, If-Match, Authorization',
    });
  }
  if (req.method === 'GET' && path === '/stats/') {
    return send(res, 200, JSON.stringify({ server: serverId, sessions: [...sessions.values()].map(sessionStats) }),
      { 'Content-Type': 'application/json' });
  }
  const whipWhep = path === '/rtc/v1/whip/' ? 'whip' : path === '/rtc/v1/whep/' ? 'whep' : null;
  if (whipWhep && q.has('session')) {
    const s = sessions.get(q.get('session'));
    if (!s || s.closed) return send(res, 404, 'session not found\n', { 'Content-Type': 'text/plain' });
    if (req.method === 'DELETE') {
      await closeSession(s);
      return send(res, 200, '');
    }
    if (req.method === 'PATCH') {
      const ct = req.headers['content-type'] ?? '';
      await readBody(req);
      if (!ct.startsWith('application/trickle-ice-sdpfrag')) {
        return send(res, 415, 'expected application/trickle-ice-sdpfrag\n', { 'Content-Type': 'text/plain' });
      }
      return send(res, 204, '');
    }
    return send(res, 405, 'method not allowed\n', { 'Content-Type': 'text/plain' });
  }
  if (whipWhep && req.method === 'POST') {
    const app = q.get('app');
    const stream = q.get('stream');
    if (!app || !stream) return send(res, 400, 'app and stream are required\n', { 'Content-Type': 'text/plain' });
    const offer = await readBody(req);
    if (!offer.startsWith('v=0')) return send(res, 400, 'body is not an SDP offer\n', { 'Content-Type': 'text/plain' });
    const { s, answerSdp } = await createSession(whipWhep, app, stream, offer);
    const location = `/rtc/v1/${whipWhep}/?app=${encodeURIComponent(app)}&stream=${encodeURIComponent(stream)}&session=${s.id}`;
    return send(res, 201, answerSdp, { 'Content-Type': 'application/sdp', ETag: s.etag, Location: location });
  }
  const legacy = path === '/rtc/v1/publish/' ? 'whip' : path === '/rtc/v1/play/' ? 'whep' : null;
  if (legacy && req.method === 'POST') {
    let body;
    try {
      body = JSON.parse(await readBody(req));
    } catch {
      return send(res, 400, JSON.stringify({ code: 400, msg: 'invalid json' }), { 'Content-Type': 'application/json' });
    }
    const key = parseStreamUrl(body.streamurl);
    if (!key || typeof body.sdp !== 'string') {
      return send(res, 400, JSON.stringify({ code: 400, msg: 'streamurl and sdp required' }), { 'Content-Type': 'application/json' });
    }
    const { s, answerSdp } = await createSession(legacy, key.app, key.stream, body.sdp);
    return send(res, 200, JSON.stringify({
      code: 0, server: serverId, service: serviceId, pid: String(process.pid), sdp: answerSdp, sessionid: s.sessionId,
    }), { 'Content-Type': 'application/json' });
  }
  return send(res, 404, 'not found\n', { 'Content-Type': 'text/plain' });
}

function startHeartbeat(registerUrl, httpPort, intervalMs) {
  const deviceId = `origin-${httpPort}`;
  const beat = async () => {
    const body = {
      device_id: deviceId, ip: '127.0.0.1', server: serverId, service: serviceId, pid: String(process.pid),
      rtmp: ['1935'], http: ['8080'], api: [String(httpPort)], srt: [], rtc: ['udp://0.0.0.0:8000'],
    };
    try {
      const r = await fetch(registerUrl, {
        method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
        signal: AbortSignal.timeout(Math.max(500, intervalMs)),
      });
      await r.text();
      if (r.status >= 300) log(`register -> ${r.status}`);
    } catch (e) {
      log(`register failed: ${e.message}`);
    }
  };
  beat();
  const t = setInterval(beat, intervalMs);
  onExit(() => clearInterval(t));
}

run(async () => {
  const timeoutMs = intArg(args, 'timeout-ms');
  const server = http.createServer((req, res) => {
    handle(req, res).catch((e) => {
      log(`error: ${e.stack ?? e}`);
      if (!res.headersSent) send(res, e.status ?? 500, `${e.message}\n`, { 'Content-Type': 'text/plain' });
      else res.destroy();
    });
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(intArg(args, 'http-port'), '127.0.0.1', resolve);
  }).catch((e) => fail(`cannot listen: ${e.message}`));
  const port = server.address().port;
  onExit(async () => {
    server.close();
    server.closeAllConnections?.();
    await Promise.allSettled([...sessions.values()].map((s) => closeSession(s)));
  });
  if (args.register) {
    requireLoopbackUrl(args.register);
    startHeartbeat(args.register, port, intArg(args, 'register-interval-ms'));
  }
  setTimeout(() => {
    emit('exit', { reason: 'lifetime' });
    exit(0);
  }, timeoutMs);
  emit('ready', { port, pid: process.pid });
  log(`origin stand-in ${serverId} listening on 127.0.0.1:${port}`);
});
