#!/usr/bin/env node
// Opens the gateway's admin console (/console/) in headless Chromium (Debian's /usr/bin/chromium
// driven by playwright-core), waits until the page shows what the caller expects, and saves a
// screenshot. Every request the page makes must go to the gateway itself (the console ships
// without any CDN); anything else is blocked and fails the run.
//
//   node console-page.mjs --url 'http://127.0.0.1:P/console/?token=T' --screenshot out.png
//        [--expect TEXT]... (in the sessions table)  [--rate-protocol srt] [--timeout-ms 60000]
//        [--chromium /usr/bin/chromium]
//
// stdout (one JSON object per line):
//   {"event":"shown","status":"...","sessions":[["webrtc","stream",...],...],"streams":[...],"origins":[...],
//    "drops":[...],"rates":{"webrtc":"...","srt":"..."}}
//   {"event":"screenshot","path":"...","bytes":n}
//   {"event":"error","reason":"..."}                 on failure (exit code != 0)

import fs from 'node:fs';
import { chromium } from 'playwright-core';
import { armDeadline, emit, exit, fail, intArg, log, onExit, parseArgs, requireLoopbackUrl, run } from './lib.mjs';

const argv = process.argv.slice(2);
const expected = [];
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--expect') {
    expected.push(argv[i + 1]);
    argv.splice(i, 2);
    i--;
  }
}
const args = parseArgs(argv, {
  defaults: { 'timeout-ms': '60000', chromium: '/usr/bin/chromium', 'rate-protocol': '' },
});

let stage = 'starting';

run(async () => {
  if (!args.url) fail('--url is required', 64);
  if (!args.screenshot) fail('--screenshot is required', 64);
  const url = requireLoopbackUrl(args.url);
  armDeadline(intArg(args, 'timeout-ms'), () => `stage: ${stage}`);

  stage = 'launching chromium';
  const browser = await chromium.launch({
    executablePath: args.chromium,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-default-apps', '--disable-domain-reliability'],
  });
  onExit(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const problems = [];
  await page.route('**/*', (route) => {
    const u = new URL(route.request().url());
    if (u.host !== url.host) {
      problems.push('request outside the gateway: ' + u.href);
      return route.abort();
    }
    return route.continue();
  });
  page.on('pageerror', (e) => problems.push('page error: ' + e.message));
  page.on('console', (m) => { if (m.type() === 'error') problems.push('console error: ' + m.text()); });

  stage = 'loading ' + url.href;
  const response = await page.goto(url.href);
  if (!response || response.status() !== 200) fail(`GET ${url.href}: ${response && response.status()}`);

  stage = 'waiting for ' + JSON.stringify(expected) + (args['rate-protocol'] ? ' and a ' + args['rate-protocol'] + ' rate' : '');
  const waitMs = Math.max(5000, intArg(args, 'timeout-ms') - 10000);
  const shown = page.waitForFunction(({ expected, rateProtocol }) => {
    const text = document.querySelector('#sessions tbody')?.innerText ?? '';
    if (!expected.every((e) => text.includes(e))) return false;
    if (!rateProtocol) return true;
    const rate = document.getElementById('rate-' + rateProtocol)?.textContent ?? '';
    return /[1-9]/.test(rate.replace(/^[a-z]+:/, ''));
  }, { expected, rateProtocol: args['rate-protocol'] }, { polling: 250, timeout: waitMs });
  try {
    await shown;
  } catch (e) {
    // Say what the page showed instead, and keep a screenshot of it.
    await page.screenshot({ path: args.screenshot, fullPage: true }).catch(() => {});
    const text = await page.innerText('main').catch(() => '(no page text)');
    fail(`the page did not show ${JSON.stringify(expected)} within ${waitMs} ms; status: `
      + `${await page.textContent('#status').catch(() => '?')}; page: ${text.replace(/\s+/g, ' ').slice(0, 1500)}`
      + (problems.length ? '; ' + problems.join('; ') : ''));
  }
  // a few more refreshes so the chart has a few points
  await page.waitForTimeout(6500);

  const table = (id) => page.$$eval(`#${id} tbody tr`, (rows) => rows.map((r) => [...r.cells].map((c) => c.innerText)));
  emit('shown', {
    status: await page.textContent('#status'),
    sessions: await table('sessions'),
    streams: await table('streams'),
    origins: await table('origins'),
    drops: await table('drops'),
    rates: {
      webrtc: await page.textContent('#rate-webrtc'),
      srt: await page.textContent('#rate-srt'),
    },
  });
  await page.screenshot({ path: args.screenshot, fullPage: true });
  emit('screenshot', { path: args.screenshot, bytes: fs.statSync(args.screenshot).size });
  if (problems.length) fail(problems.join('; '));
  log('done');
  await exit(0);
});
