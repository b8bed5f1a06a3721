// Shared helpers of the e2e peers: argument parsing, the stdout JSON-lines protocol, the hard
// deadline, loopback-only werift peer connections and synthetic RTP.
//
// Protocol: every line on stdout is one JSON object with an "event" field; logs go to stderr.
// Exit code 0 = success, non-zero = failure (the last stdout line is then {"event":"error",...}).

import { DtlsClient, RTCPeerConnection, RtpHeader, RtpPacket, useH264, useOPUS, useVP8 } from 'werift';

// Workaround for werift 0.24.x (dtls/src/flight/client/flight3.ts): when the DTLS client's
// ClientHello is retransmitted (a loaded CPU is enough), the werift DTLS server answers each copy
// with a HelloVerifyRequest; the second one makes Flight3.exec throw ("if (this.dtls.flight === 3)
// throw new Error()"), RTCDtlsTransport.start() rejects and marks the transport failed, so SRTP is
// never set up - while the handshake itself completes and the data channel keeps working. Seen as
// "rtpReceived 0, dcEchoed 5" with several sessions at once. Duplicate HelloVerifyRequests (msg
// type 3) after flight 3 are dropped here, as RFC 6347 section 4.2.4 would have them handled.
{
  const connect = DtlsClient.prototype.connect;
  DtlsClient.prototype.connect = function patchedConnect(...a) {
    const inner = this.onHandleHandshakes;
    this.onHandleHandshakes = async (assembled) => {
      const kept = this.dtls.flight >= 3 ? assembled.filter((h) => h.msg_type !== 3) : assembled;
      if (kept.length !== assembled.length) log('werift workaround: dropped a duplicate DTLS HelloVerifyRequest');
      if (kept.length === 0) return;
      return inner(kept);
    };
    return connect.apply(this, a);
  };
}

/** Parses `--name value` and `--flag` arguments into an object (kebab-case keys). */
export function parseArgs(argv, { flags = [], defaults = {} } = {}) {
  const out = { ...defaults };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) fail(`unexpected argument: ${a}`, 64);
    const eq = a.indexOf('=');
    if (eq > 0) {
      out[a.slice(2, eq)] = a.slice(eq + 1);
      continue;
    }
    const name = a.slice(2);
    if (flags.includes(name)) {
      out[name] = true;
    } else {
      if (i + 1 >= argv.length) fail(`missing value for --${name}`, 64);
      out[name] = argv[++i];
    }
  }
  return out;
}

export function intArg(args, name) {
  const v = Number.parseInt(String(args[name]), 10);
  if (!Number.isFinite(v)) fail(`--${name} must be an integer, got ${args[name]}`, 64);
  return v;
}

/** Prints one protocol event on stdout. */
export function emit(event, fields = {}) {
  process.stdout.write(JSON.stringify({ event, ...fields }) + '\n');
}

export function log(...parts) {
  process.stderr.write(`[${new Date().toISOString()}] ${parts.join(' ')}\n`);
}

let exiting = false;
const cleanups = [];

/** Registers a cleanup run (best effort, bounded) before the process exits. */
export function onExit(fn) {
  cleanups.push(fn);
}

/** Runs the cleanups then exits; the first call wins. */
export async function exit(code) {
  if (exiting) return;
  exiting = true;
  const timer = setTimeout(() => process.exit(code), 3000);
  for (const fn of cleanups.reverse()) {
    try {
      await fn();
    } catch (e) {
      log('cleanup failed:', e?.message ?? e);
    }
  }
  clearTimeout(timer);
  // Let stdout drain before exiting.
  process.stdout.write('', () => process.exit(code));
}

/** Prints an error event, logs it and exits non-zero. */
export function fail(reason, code = 1) {
  if (!exiting) {
    emit('error', { reason: String(reason) });
    log('FAIL:', reason);
  }
  exit(code);
  // Stop the caller's flow; exit() finishes asynchronously.
  throw new FailedError(reason);
}

export class FailedError extends Error {}

/** Arms the hard deadline: the process always exits (code 3) by `ms` milliseconds. */
export function armDeadline(ms, what = 'deadline') {
  const t = setTimeout(() => {
    emit('error', { reason: `timeout after ${ms} ms (${what()})` });
    log('FAIL: timeout after', ms, 'ms:', what());
    exit(3);
    setTimeout(() => process.exit(3), 3500).unref();
  }, ms);
  return t;
}

/** Runs main and turns rejections into a failure exit. */
export function run(main) {
  process.on('SIGTERM', () => { log('SIGTERM'); exit(143); });
  process.on('SIGINT', () => { log('SIGINT'); exit(130); });
  main().catch((e) => {
    if (e instanceof FailedError || exiting) return; // already reported
    emit('error', { reason: String(e?.message ?? e) });
    log('FAIL:', e?.stack ?? e);
    exit(1);
  });
}

/** A werift peer connection restricted to loopback IPv4 and no STUN/TURN. */
export function loopbackPeerConnection(extra = {}) {
  return new RTCPeerConnection({
    iceServers: [],
    // werift's host-address discovery skips loopback and would add every other NIC; turning
    // both families off leaves exactly the additional address 127.0.0.1 (ice.js gather()), and
    // iceInterfaceAddresses makes the UDP socket bind to 127.0.0.1 instead of 0.0.0.0.
    iceUseIpv4: false,
    iceUseIpv6: false,
    iceInterfaceAddresses: { udp4: '127.0.0.1' },
    iceAdditionalHostAddresses: ['127.0.0.1'],
    bundlePolicy: 'max-bundle',
    codecs: { video: [useVP8()], audio: [useOPUS()] },
    ...extra,
  });
}

/** Codecs the origin stand-in accepts: VP8 or H264 video, Opus audio. */
export const ORIGIN_CODECS = { video: [useVP8(), useH264()], audio: [useOPUS()] };

/** Resolves when the peer connection's ICE gathering is complete (or already is). */
export function gatheringComplete(pc) {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    const sub = pc.iceGatheringStateChange.subscribe((s) => {
      if (s === 'complete') {
        sub.unSubscribe();
        resolve();
      }
    });
  });
}

/** Resolves when connectionState becomes connected; rejects on failed/closed. */
export function connected(pc) {
  if (pc.connectionState === 'connected') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const sub = pc.connectionStateChange.subscribe((s) => {
      if (s === 'connected') {
        sub.unSubscribe();
        resolve();
      } else if (s === 'failed' || s === 'closed') {
        sub.unSubscribe();
        reject(new Error(`connectionState ${s} (ice ${pc.iceConnectionState})`));
      }
    });
  });
}

/**
 * Sends synthetic VP8 RTP on a local werift track at about `pps` packets per second.
 * Each packet carries a minimal VP8 payload descriptor (S=1) and a small filler; the sender
 * rewrites SSRC and payload type from the negotiated codec. Returns {stop(), sent()}.
 */
export function startSyntheticRtp(track, { pps = 30, count = Infinity, onDone, mimeType = 'video/VP8' } = {}) {
  let seq = Math.floor(Math.random() * 0xffff);
  let ts = Math.floor(Math.random() * 0xffffffff);
  let sent = 0;
  const payload = Buffer.alloc(200, 0x5a);
  if (/h264/i.test(mimeType)) {
    payload[0] = 0x41; // H264 single NAL unit packet: NRI=2, type 1 (non-IDR slice)
  } else {
    payload[0] = 0x10; // VP8 payload descriptor: S=1, PID=0
    payload[1] = 0x00; // VP8 frame header byte 0 (key frame bit = 0 means key frame)
  }
  const timer = setInterval(() => {
    if (sent >= count) {
      clearInterval(timer);
      onDone?.(sent);
      return;
    }
    const header = new RtpHeader({
      payloadType: 96,
      sequenceNumber: seq,
      timestamp: ts >>> 0,
      marker: true,
      ssrc: 0,
    });
    track.writeRtp(new RtpPacket(header, payload));
    seq = (seq + 1) & 0xffff;
    ts = (ts + 3000) >>> 0; // 90 kHz clock at 30 fps
    sent++;
  }, Math.max(1, Math.round(1000 / pps)));
  return {
    stop() { clearInterval(timer); },
    sent() { return sent; },
  };
}

/** Removes a=candidate and a=end-of-candidates lines (what the proxy does to offers). */
export function stripCandidates(sdp) {
  return sdp
    .split(/\r?\n/)
    .filter((l) => !l.startsWith('a=candidate') && !l.startsWith('a=end-of-candidates'))
    .join('\r\n');
}

/**
 * Rewrites every a=candidate line's connection address and/or port in an SDP.
 * candidate:<foundation> <component> <transport> <priority> <address> <port> typ ...
 */
export function rewriteCandidates(sdp, { host, port } = {}) {
  return sdp
    .split(/\r?\n/)
    .map((l) => {
      if (!l.startsWith('a=candidate')) return l;
      const f = l.split(' ');
      if (f.length < 8) return l;
      if (host) f[4] = host;
      if (port) f[5] = String(port);
      return f.join(' ');
    })
    .join('\r\n');
}

/** The loopback check every HTTP target must pass. */
export function requireLoopbackUrl(u) {
  const url = new URL(u);
  const h = url.hostname.replace(/^\[|\]$/g, '');
  if (h !== '127.0.0.1' && h !== '::1' && h !== 'localhost') {
    fail(`refusing non-loopback URL ${u}`, 64);
  }
  return url;
}

/** Posts an SDP offer (WHIP/WHEP) and returns {status, location, etag, answer}. */
export async function postOffer(url, sdp, signal) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/sdp', Accept: 'application/sdp' },
    body: sdp,
    signal,
  });
  const body = await res.text();
  if (res.status !== 201 && res.status !== 200) {
    throw new Error(`POST ${url} -> ${res.status}: ${body.slice(0, 500)}`);
  }
  const location = res.headers.get('location');
  return {
    status: res.status,
    location,
    absoluteLocation: location ? new URL(location, url).toString() : null,
    etag: res.headers.get('etag'),
    answer: body,
  };
}

/** DELETEs a resource URL and returns the status. */
export async function deleteResource(url) {
  const res = await fetch(url, { method: 'DELETE' });
  await res.text();
  return res.status;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
