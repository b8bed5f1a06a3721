#!/usr/bin/env node
// WHIP publisher (werift): sendonly synthetic VP8 video plus a data channel.
//
//   node whip-client.mjs --url 'http://127.0.0.1:P/rtc/v1/whip/?app=live&stream=s1'
//        [--rtp-packets 60] [--messages 5] [--timeout-ms 30000] [--hold-ms 0] [--delete]
//        [--strip-offer-candidates] [--rewrite-candidate-port PORT] [--rewrite-candidate-host HOST]
//        [--legacy --streamurl webrtc://127.0.0.1/live/s1]   (SRS JSON API: --url .../rtc/v1/publish/)
//
// stdout (one JSON object per line):
//   {"event":"answer","status":201,"location":"...","candidates":["127.0.0.1 50123 host",...]}
//   {"event":"connected","iceState":"connected"}
//   {"event":"result","rtpSent":n,"echoes":k,"location":"..."}
//   {"event":"deleted","status":200}                 with --delete
//   {"event":"error","reason":"..."}                 on failure (exit code != 0)
// Succeeds (exit 0) when ICE+DTLS connected, all RTP packets were sent and every data channel
// message came back prefixed with "echo:".

import { MediaStreamTrack } from 'werift';
import {
  armDeadline, connected, deleteResource, emit, exit, fail, gatheringComplete, intArg, log,
  loopbackPeerConnection, onExit, parseArgs, postOffer, requireLoopbackUrl, rewriteCandidates, run,
  sleep, startSyntheticRtp, stripCandidates,
} from './lib.mjs';

const args = parseArgs(process.argv.slice(2), {
  flags: ['delete', 'strip-offer-candidates', 'legacy'],
  defaults: { 'rtp-packets': '60', messages: '5', 'timeout-ms': '30000', 'hold-ms': '0' },
});

let stage = 'starting';

run(async () => {
  if (!args.url) fail('--url is required', 64);
  const url = requireLoopbackUrl(args.url).toString();
  armDeadline(intArg(args, 'timeout-ms'), () => `stage: ${stage}`);
  const rtpPackets = intArg(args, 'rtp-packets');
  const messages = intArg(args, 'messages');

  const pc = loopbackPeerConnection();
  onExit(() => pc.close());
  pc.iceConnectionStateChange.subscribe((s) => log(`ice ${s}`));
  pc.connectionStateChange.subscribe((s) => log(`connection ${s}`));
  const track = new MediaStreamTrack({ kind: 'video' });
  pc.addTransceiver(track, { direction: 'sendonly' });
  const dc = pc.createDataChannel('e2e');
  const echoes = [];
  dc.onMessage.subscribe((m) => {
    const text = Buffer.isBuffer(m) ? m.toString('utf8') : String(m);
    if (text.startsWith('echo:')) echoes.push(text);
  });

  stage = 'gathering';
  await pc.setLocalDescription(await pc.createOffer());
  await gatheringComplete(pc);
  let offer = pc.localDescription.sdp;
  if (args['strip-offer-candidates']) offer = stripCandidates(offer);

  stage = 'signalling';
  let answer;
  let location = null;
  if (args.legacy) {
    if (!args.streamurl) fail('--legacy needs --streamurl webrtc://host/app/stream', 64);
    const r = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ api: url, streamurl: args.streamurl, clientip: null, sdp: offer }),
    });
    const body = await r.json();
    if (r.status !== 200 || body.code !== 0) fail(`legacy publish -> ${r.status} ${JSON.stringify(body).slice(0, 300)}`);
    answer = body.sdp;
    emit('answer', { status: r.status, sessionid: body.sessionid, candidates: candidateSummary(answer) });
  } else {
    const r = await postOffer(url, offer);
    answer = r.answer;
    location = r.absoluteLocation;
    emit('answer', { status: r.status, location: r.location, etag: r.etag, candidates: candidateSummary(answer) });
  }
  if (args['rewrite-candidate-port'] || args['rewrite-candidate-host']) {
    answer = rewriteCandidates(answer, {
      host: args['rewrite-candidate-host'],
      port: args['rewrite-candidate-port'],
    });
    log('rewrote answer candidates:', JSON.stringify(candidateSummary(answer)));
  }
  await pc.setRemoteDescription({ type: 'answer', sdp: answer });

  stage = 'connecting (ICE/DTLS)';
  await connected(pc);
  stage = 'opening data channel';
  if (dc.readyState !== 'open') {
    await new Promise((resolve) => {
      const sub = dc.stateChanged.subscribe((s) => {
        if (s === 'open') { sub.unSubscribe(); resolve(); }
      });
    });
  }
  emit('connected', { iceState: pc.iceConnectionState });

  stage = 'sending';
  const sending = new Promise((resolve) => {
    startSyntheticRtp(track, { count: rtpPackets, onDone: resolve });
  });
  for (let i = 0; i < messages; i++) dc.send(`hello-${i}`);
  const rtpSent = await sending;
  stage = `waiting for echoes (${echoes.length}/${messages})`;
  while (echoes.length < messages) {
    await sleep(20);
    stage = `waiting for echoes (${echoes.length}/${messages})`;
  }
  const holdMs = intArg(args, 'hold-ms');
  if (holdMs > 0) {
    stage = `holding ${holdMs} ms`;
    await sleep(holdMs);
  }
  emit('result', { rtpSent, echoes: echoes.length, location, iceState: pc.iceConnectionState });
  if (args.delete) {
    if (!location) fail('--delete: the answer had no Location');
    stage = 'deleting';
    emit('deleted', { status: await deleteResource(location) });
  }
  await exit(0);
});

function candidateSummary(sdp) {
  return sdp.split(/\r?\n/).filter((l) => l.startsWith('a=candidate'))
    .map((l) => l.split(' ').slice(4, 8).filter((_, i) => i !== 2).join(' '));
}
