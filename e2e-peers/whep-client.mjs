#!/usr/bin/env node
// WHEP player (werift): recvonly video, counts the RTP packets it receives.
//
//   node whep-client.mjs --url 'http://127.0.0.1:P/rtc/v1/whep/?app=live&stream=s1'
//        [--min-rtp 50] [--timeout-ms 30000] [--hold-ms 0] [--delete]
//        [--strip-offer-candidates] [--rewrite-candidate-port PORT] [--rewrite-candidate-host HOST]
//        [--legacy --streamurl webrtc://127.0.0.1/live/s1]   (SRS JSON API: --url .../rtc/v1/play/)
//
// stdout (one JSON object per line):
//   {"event":"answer","status":201,"location":"...","candidates":[...]}
//   {"event":"connected","iceState":"connected"}
//   {"event":"result","rtpReceived":n,"location":"..."}
//   {"event":"deleted","status":200}                 with --delete
//   {"event":"error","reason":"..."}                 on failure (exit code != 0)
// Succeeds (exit 0) once --min-rtp packets arrived (after --hold-ms, if given).

import {
  armDeadline, connected, deleteResource, emit, exit, fail, gatheringComplete, intArg, log,
  loopbackPeerConnection, onExit, parseArgs, postOffer, requireLoopbackUrl, rewriteCandidates, run,
  sleep, stripCandidates,
} from './lib.mjs';

const args = parseArgs(process.argv.slice(2), {
  flags: ['delete', 'strip-offer-candidates', 'legacy'],
  defaults: { 'min-rtp': '50', 'timeout-ms': '30000', 'hold-ms': '0' },
});

let stage = 'starting';
let rtpReceived = 0;

run(async () => {
  if (!args.url) fail('--url is required', 64);
  const url = requireLoopbackUrl(args.url).toString();
  const minRtp = intArg(args, 'min-rtp');
  armDeadline(intArg(args, 'timeout-ms'), () => `stage: ${stage}, rtpReceived ${rtpReceived}/${minRtp}`);

  const pc = loopbackPeerConnection();
  onExit(() => pc.close());
  pc.iceConnectionStateChange.subscribe((s) => log(`ice ${s}`));
  pc.connectionStateChange.subscribe((s) => log(`connection ${s}`));
  pc.addTransceiver('video', { direction: 'recvonly' });
  pc.onTrack.subscribe((track) => {
    log(`track ${track.kind}`);
    track.onReceiveRtp.subscribe(() => { rtpReceived++; });
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
    if (r.status !== 200 || body.code !== 0) fail(`legacy play -> ${r.status} ${JSON.stringify(body).slice(0, 300)}`);
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
  emit('connected', { iceState: pc.iceConnectionState });

  stage = 'receiving';
  while (rtpReceived < minRtp) await sleep(20);
  const holdMs = intArg(args, 'hold-ms');
  if (holdMs > 0) {
    stage = `holding ${holdMs} ms`;
    await sleep(holdMs);
  }
  emit('result', { rtpReceived, location, iceState: pc.iceConnectionState });
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
