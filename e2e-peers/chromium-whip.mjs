#!/usr/bin/env node
// WHIP publisher in headless Chromium (Debian's /usr/bin/chromium driven by playwright-core):
// fake camera + microphone, sendonly, no ICE servers, max-bundle. Node does the HTTP signalling
// (no CORS in the way); the page only runs the RTCPeerConnection.
//
//   node chromium-whip.mjs --url 'http://127.0.0.1:P/rtc/v1/whip/?app=live&stream=s1'
//        [--seconds 5] [--timeout-ms 30000] [--delete] [--strip-offer-candidates]
//        [--rewrite-candidate-port PORT] [--rewrite-candidate-host HOST]
//        [--chromium /usr/bin/chromium] [--all-candidates]
//
// By default only the offer's 127.0.0.1 candidates are sent (Chromium also gathers on other
// interfaces; the peers must stay on loopback). --strip-offer-candidates removes all of them.
//
// stdout (one JSON object per line):
//   {"event":"answer","status":201,"location":"...","candidates":[...]}
//   {"event":"connected","connectionState":"connected"}
//   {"event":"result","connectionState":"connected","bytesSent":n,"packetsSent":n,"location":"..."}
//   {"event":"deleted","status":200}                 with --delete
//   {"event":"error","reason":"..."}                 on failure (exit code != 0)

import http from 'node:http';
import { chromium } from 'playwright-core';
import {
  armDeadline, deleteResource, emit, exit, fail, intArg, log, onExit, parseArgs, postOffer,
  requireLoopbackUrl, rewriteCandidates, run, stripCandidates,
} from './lib.mjs';

const args = parseArgs(process.argv.slice(2), {
  flags: ['delete', 'strip-offer-candidates', 'all-candidates'],
  defaults: { seconds: '5', 'timeout-ms': '30000', chromium: '/usr/bin/chromium' },
});

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-default-apps',
  '--disable-domain-reliability',
  '--allow-loopback-in-peer-connection',
  '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream',
];

let stage = 'starting';

run(async () => {
  if (!args.url) fail('--url is required', 64);
  const url = requireLoopbackUrl(args.url).toString();
  const seconds = intArg(args, 'seconds');
  armDeadline(intArg(args, 'timeout-ms'), () => `stage: ${stage}`);

  stage = 'launching chromium';
  const browser = await chromium.launch({
    executablePath: args.chromium,
    headless: true,
    args: CHROMIUM_ARGS,
    timeout: 20000,
  });
  onExit(() => browser.close());
  const page = await browser.newPage();
  page.on('console', (m) => log(`page: ${m.text()}`));
  page.on('pageerror', (e) => log(`page error: ${e.message}`));
  // getUserMedia needs a secure context; about:blank is not one, http://127.0.0.1 is.
  const pageServer = http.createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html' });
    res.end('<!doctype html><title>chromium-whip</title>');
  });
  await new Promise((resolve) => pageServer.listen(0, '127.0.0.1', resolve));
  onExit(() => pageServer.close());
  await page.goto(`http://127.0.0.1:${pageServer.address().port}/`);

  stage = 'getUserMedia + createOffer';
  let offer = await page.evaluate(async () => {
    const stream = await navigator.mediaDevices.getUserMedia({ video: true, audio: true });
    const pc = new RTCPeerConnection({ iceServers: [], bundlePolicy: 'max-bundle' });
    window.pc = pc;
    pc.addEventListener('connectionstatechange', () => console.log(`connectionState ${pc.connectionState}`));
    pc.addEventListener('iceconnectionstatechange', () => console.log(`iceConnectionState ${pc.iceConnectionState}`));
    for (const track of stream.getTracks()) {
      pc.addTransceiver(track, { direction: 'sendonly', streams: [stream] });
    }
    await pc.setLocalDescription(await pc.createOffer());
    if (pc.iceGatheringState !== 'complete') {
      await new Promise((resolve) => {
        pc.addEventListener('icegatheringstatechange', () => {
          if (pc.iceGatheringState === 'complete') resolve();
        });
        setTimeout(resolve, 5000); // gathering on loopback is fast; never wait forever
      });
    }
    return pc.localDescription.sdp;
  });
  if (args['strip-offer-candidates']) {
    offer = stripCandidates(offer);
  } else if (!args['all-candidates']) {
    offer = offer.split(/\r?\n/)
      .filter((l) => !l.startsWith('a=candidate') || l.split(' ')[4] === '127.0.0.1')
      .join('\r\n');
  }
  log('offer candidates:', JSON.stringify(candidateSummary(offer)));

  stage = 'signalling';
  const r = await postOffer(url, offer);
  let answer = r.answer;
  emit('answer', { status: r.status, location: r.location, etag: r.etag, candidates: candidateSummary(answer) });
  if (args['rewrite-candidate-port'] || args['rewrite-candidate-host']) {
    answer = rewriteCandidates(answer, { host: args['rewrite-candidate-host'], port: args['rewrite-candidate-port'] });
  }

  stage = 'connecting (ICE/DTLS)';
  const state = await page.evaluate(async (sdp) => {
    const pc = window.pc;
    await pc.setRemoteDescription({ type: 'answer', sdp });
    if (pc.connectionState === 'connected') return 'connected';
    return new Promise((resolve) => {
      pc.addEventListener('connectionstatechange', () => {
        if (['connected', 'failed', 'closed'].includes(pc.connectionState)) resolve(pc.connectionState);
      });
    });
  }, answer);
  if (state !== 'connected') fail(`connectionState ${state}`);
  emit('connected', { connectionState: state });

  stage = `publishing for ${seconds} s`;
  await page.waitForTimeout(seconds * 1000);
  const stats = await page.evaluate(async () => {
    const report = await window.pc.getStats();
    let bytesSent = 0;
    let packetsSent = 0;
    report.forEach((s) => {
      if (s.type === 'outbound-rtp') {
        bytesSent += s.bytesSent ?? 0;
        packetsSent += s.packetsSent ?? 0;
      }
    });
    return { connectionState: window.pc.connectionState, bytesSent, packetsSent };
  });
  emit('result', { ...stats, location: r.absoluteLocation });
  if (stats.connectionState !== 'connected') fail(`connectionState ${stats.connectionState} after ${seconds} s`);
  if (stats.bytesSent <= 0) fail('no bytes sent');
  if (args.delete) {
    if (!r.absoluteLocation) fail('--delete: the answer had no Location');
    stage = 'deleting';
    emit('deleted', { status: await deleteResource(r.absoluteLocation) });
  }
  await exit(0);
});

function candidateSummary(sdp) {
  return sdp.split(/\r?\n/).filter((l) => l.startsWith('a=candidate'))
    .map((l) => l.split(' ').slice(4, 8).filter((_, i) => i !== 2).join(' '));
}
