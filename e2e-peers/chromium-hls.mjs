#!/usr/bin/env node
// HLS viewer in headless Chromium (Debian's /usr/bin/chromium driven by playwright-core): opens a
// player page (hls.js attached to a <video>, served by the proxy under test), waits until
// video.currentTime passes --seconds, and saves a screenshot of the page.
//
//   node chromium-hls.mjs --url 'http://127.0.0.1:P/hls-player.html?src=/live/livestream.m3u8'
//        [--seconds 3] [--screenshot out.png] [--timeout-ms 45000] [--chromium /usr/bin/chromium]
//
// stdout (one JSON object per line):
//   {"event":"playing","currentTime":t}
//   {"event":"result","currentTime":t,"videoWidth":w,"videoHeight":h,"colours":n,"screenshot":"..."}
//
// "colours" counts distinct colours of the current frame drawn onto a 32x24 canvas: a black or
// frozen-blank video has 1, a picture many. The result waits for a picture (>= 4 colours), and the
// screenshot is retaken (briefly) while the headless compositor still shows a blank page.
//   {"event":"error","reason":"..."}                 on failure (exit code != 0)

import { chromium } from 'playwright-core';
import { statSync } from 'node:fs';
import { armDeadline, emit, exit, fail, intArg, log, onExit, parseArgs, requireLoopbackUrl, run, sleep } from './lib.mjs';

const args = parseArgs(process.argv.slice(2), {
  defaults: { seconds: '3', 'timeout-ms': '45000', chromium: '/usr/bin/chromium' },
});

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
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--autoplay-policy=no-user-gesture-required'],
    timeout: 20000,
  });
  onExit(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 480, height: 320 } });
  page.on('console', (m) => log(`page: ${m.text()}`));
  page.on('pageerror', (e) => log(`page error: ${e.message}`));
  page.on('requestfailed', (r) => log(`request failed: ${r.url()} ${r.failure()?.errorText}`));

  stage = 'loading the player page';
  const response = await page.goto(url);
  if (!response || response.status() !== 200) fail(`player page answered ${response?.status()}`);

  stage = `waiting for currentTime > ${seconds} and a picture`;
  let announced = false;
  for (;;) {
    const s = await page.evaluate(() => {
      const v = document.querySelector('video');
      let colours = 0;
      if (v && v.videoWidth > 0) {
        const c = document.createElement('canvas');
        c.width = 32;
        c.height = 24;
        const g = c.getContext('2d');
        g.drawImage(v, 0, 0, 32, 24);
        const px = g.getImageData(0, 0, 32, 24).data;
        const seen = new Set();
        for (let i = 0; i < px.length; i += 4) seen.add((px[i] >> 4) << 8 | (px[i + 1] >> 4) << 4 | (px[i + 2] >> 4));
        colours = seen.size;
      }
      return { t: v ? v.currentTime : -1, w: v?.videoWidth ?? 0, h: v?.videoHeight ?? 0, colours,
        err: window.hlsFatal ?? null };
    });
    if (s.err) fail(`hls.js fatal error: ${s.err}`);
    if (s.t > 0 && !announced) {
      emit('playing', { currentTime: s.t });
      announced = true;
    }
    if (s.t > seconds && s.colours >= 4) {
      let screenshot = null;
      if (args.screenshot) {
        for (let attempt = 0; attempt < 10; attempt++) {
          await page.screenshot({ path: args.screenshot });
          if (statSync(args.screenshot).size > 2000) break;
          await sleep(200);
        }
        screenshot = args.screenshot;
      }
      emit('result', { currentTime: s.t, videoWidth: s.w, videoHeight: s.h, colours: s.colours, screenshot });
      break;
    }
    await sleep(200);
  }
  await exit(0);
});
