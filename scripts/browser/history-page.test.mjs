// The history page in a real headless Chromium (Debian's, through playwright-core): filters
// by state, pages with the cursor, opens one exchange and checks its detail, and checks that
// recorded data is shown as text, never as markup. Run by scripts/history-browser-test.sh,
// which starts the gateway, sends the requests and passes what it sent in the environment:
//   HISTORY_URL      the page, e.g. http://127.0.0.1:8081/history
//   CHANNEL          the channel the requests went through
//   SUCCESS_ID       a request answered 200 by the echo sink, with body ECHO_BODY
//   FAILED_ID        a request answered 503
//   MARKUP_ID        a request whose body is MARKUP_BODY and whose X-Markup header is markup too
//   OTHER_USER, OTHER_PASSWORD   a reader granted another channel than CHANNEL only (optional)
//   CHROMIUM         the browser [/usr/bin/chromium]
//   SCREENSHOTS      where the views' screenshots go [docs/screenshots of the repository]
// Exits 0 when every check passed, 1 otherwise.
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const env = (name) => {
  const value = process.env[name];
  if (!value) {
    throw new Error(name + ' is not set');
  }
  return value;
};

const HISTORY_URL = env('HISTORY_URL');
const CHANNEL = env('CHANNEL');
const SUCCESS_ID = env('SUCCESS_ID');
const FAILED_ID = env('FAILED_ID');
const ECHO_BODY = env('ECHO_BODY');
const MARKUP_ID = env('MARKUP_ID');
const MARKUP_BODY = env('MARKUP_BODY');
const TIMEOUT = 15000;
const SCREENSHOTS = process.env.SCREENSHOTS
  || join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs', 'screenshots');
mkdirSync(SCREENSHOTS, { recursive: true });

let failures = 0;
function check(condition, what, detail) {
  if (condition) {
    console.log('  ok    ' + what);
  } else {
    failures++;
    console.log('  FAIL  ' + what + (detail === undefined ? '' : ': ' + JSON.stringify(detail)));
  }
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  // The history needs a reader: the credentials a person types into the browser's prompt.
  const page = await browser.newPage({
    viewport: { width: 1280, height: 900 },
    httpCredentials: { username: process.env.HISTORY_USER || 'demo', password: process.env.HISTORY_PASSWORD || '' },
  });
  page.setDefaultTimeout(TIMEOUT);
  const problems = [];
  page.on('console', (message) => {
    if (message.type() === 'error') {
      problems.push('console: ' + message.text());
    }
  });
  page.on('pageerror', (error) => problems.push('page error: ' + error.message));
  page.on('response', (response) => {
    if (response.status() >= 400) {
      problems.push('HTTP ' + response.status() + ': ' + response.url());
    }
  });
  page.on('dialog', (dialog) => {
    problems.push('dialog: ' + dialog.message());
    dialog.dismiss();
  });

  // Filters the table and waits for the answer of the API.
  async function applyFilters(filters) {
    await page.fill('#filter-channel', filters.channel || '');
    await page.selectOption('#filter-state', filters.state || '');
    await page.fill('#filter-status', filters.status || '');
    await page.selectOption('#filter-limit', filters.limit || '50');
    const answered = page.waitForResponse((response) => response.url().includes('/history/api/requests?'));
    await page.click('#apply');
    const response = await answered;
    await page.waitForFunction(() => document.getElementById('message').textContent !== 'Loading…');
    return response;
  }

  const rows = () => page.$$eval('#requests tbody tr', (trs) => trs.map((tr) => ({
    id: tr.dataset.id,
    channel: tr.querySelector('td.channel').textContent,
    state: tr.querySelector('td.state').textContent,
    status: tr.querySelector('td.status').textContent,
    latency: tr.querySelector('td.latency').textContent,
  })));

  console.log('history page: ' + HISTORY_URL);
  const opened = await page.goto(HISTORY_URL);
  check(opened.ok(), 'the page opens (after the redirect to history/)', opened.status());
  check(new URL(page.url()).pathname.endsWith('/history/'), 'the page is at /history/', page.url());
  await page.waitForSelector('#requests tbody tr');
  check((await rows()).length > 0, 'the table shows recent requests');

  console.log('filter by state "failed" on channel ' + CHANNEL);
  const failedAnswer = await applyFilters({ channel: CHANNEL, state: 'failed' });
  check(failedAnswer.url().includes('state=failed'), 'the page asked the API for state=failed', failedAnswer.url());
  let shown = await rows();
  check(shown.length > 0, 'failed requests are shown', shown.length);
  check(shown.every((row) => row.state === 'failed'), 'every row shown is failed', shown.map((row) => row.state));
  check(shown.every((row) => row.channel === CHANNEL), 'every row shown is of the channel');
  check(shown.some((row) => row.id === FAILED_ID && row.status === '503'),
    'the failed request is shown with status 503', shown);
  check(!shown.some((row) => row.id === SUCCESS_ID), 'the successful request is not shown');
  // The summary is a request of its own, made beside the list's.
  const summaryShown = await page.waitForSelector('#summary:not([hidden])').then(() => true, () => false);
  check(summaryShown, 'the channel summary is shown');
  check(/failed [1-9]/.test(await page.textContent('#summary-counts')), 'the summary counts failed requests',
    await page.textContent('#summary-counts'));

  console.log('filter by state "success", 20 rows a page, then older');
  await applyFilters({ channel: CHANNEL, state: 'success', limit: '20' });
  const first = await rows();
  check(first.length === 20, 'the first page has 20 rows', first.length);
  check(first.every((row) => row.state === 'success'), 'every row shown is a success',
    first.map((row) => row.state));
  check(await page.isEnabled('#older'), '"Older" is enabled when there are older requests');
  const olderAnswer = page.waitForResponse((response) => response.url().includes('cursor='));
  await page.click('#older');
  await olderAnswer;
  await page.waitForFunction(() => /^Page 2/.test(document.getElementById('message').textContent));
  const second = await rows();
  check(second.length > 0, 'the older page has rows', second.length);
  check(second.every((row) => row.state === 'success'), 'every older row is a success');
  check(!second.some((row) => first.some((other) => other.id === row.id)), 'no row is on both pages');
  await page.click('#newest');
  await page.waitForFunction(() => /^Page 1/.test(document.getElementById('message').textContent));

  console.log('open one exchange: ' + SUCCESS_ID);
  await applyFilters({ channel: CHANNEL, state: 'success', limit: '500' });
  const row = page.locator('#requests tbody tr[data-id="' + SUCCESS_ID + '"]');
  check(await row.count() === 1, 'the successful request is in the table');
  await row.click();
  await page.waitForSelector('#detail:not([hidden])');
  const text = async (selector) => (await page.textContent(selector)).trim();
  check(await text('#detail-id') === SUCCESS_ID, 'the detail is of that exchange', await text('#detail-id'));
  check(await text('#detail-state') === 'success', 'state success', await text('#detail-state'));
  check(await text('#detail-status') === '200', 'sink status 200', await text('#detail-status'));
  check(await text('#detail-method') === 'POST', 'method POST', await text('#detail-method'));
  check(await text('#detail-path') === '/channels/' + CHANNEL + '/echo', 'the path as called',
    await text('#detail-path'));
  check(/^\d+ ms$/.test(await text('#detail-latency')), 'a latency in ms', await text('#detail-latency'));
  check(await page.textContent('#request-body-preview') === ECHO_BODY, 'the request body preview is the text sent',
    await page.textContent('#request-body-preview'));
  check(await page.textContent('#response-body-preview') === ECHO_BODY, 'the response body preview is the echo',
    await page.textContent('#response-body-preview'));
  const bytes = String(Buffer.byteLength(ECHO_BODY, 'utf8')) + ' bytes';
  check(await text('#request-body-size') === bytes, 'the request body size', await text('#request-body-size'));
  check(/^[0-9a-f]{64}$/.test(await text('#request-body-sha256')), 'the request body hash',
    await text('#request-body-sha256'));
  const requestHeaders = await page.$$eval('#request-headers th', (ths) => ths.map((th) => th.textContent));
  check(requestHeaders.some((name) => name.toLowerCase() === 'content-type'), 'the request headers are listed',
    requestHeaders);
  check(/^[0-9a-f-]{36}$/.test(await text('#snapshot-id')), 'the channel snapshot is shown',
    await text('#snapshot-id'));
  check(JSON.parse(await page.textContent('#snapshot-definition')).id === CHANNEL,
    'the snapshot\'s definition is the channel\'s', await page.textContent('#snapshot-definition'));
  check(new URL(page.url()).searchParams.get('request') === SUCCESS_ID, 'the open exchange is in the address',
    page.url());
  const steps = await page.$$eval('#timeline li', (items) => items.map((item) => item.textContent));
  check(steps.length >= 3 && /arrived/.test(steps[0]) && steps.some((step) => /response headers/.test(step))
    && /last byte/.test(steps[steps.length - 1]), 'the timeline runs from arrival to the last byte', steps);
  check(await page.$('#timeline-plot svg rect') !== null, 'the timeline is drawn');
  check(/^The sink answered 200/.test(await text('#detail-explanation')), 'the outcome in plain words',
    await text('#detail-explanation'));
  check(/current definition/.test(await text('#snapshot-changed')), 'the snapshot is marked as the current one',
    await text('#snapshot-changed'));
  await page.locator('#detail').screenshot({ path: join(SCREENSHOTS, 'history-exchange.png') });

  console.log('back and forward');
  await page.goBack();
  await page.waitForSelector('#detail', { state: 'hidden' });
  check(!new URL(page.url()).searchParams.has('request'), 'back closes the exchange', page.url());
  await page.goForward();
  await page.waitForSelector('#detail:not([hidden])');
  check(await text('#detail-id') === SUCCESS_ID, 'forward opens it again', await text('#detail-id'));

  console.log('an exchange at its own address: the failed request');
  await page.goto('about:blank');
  await page.goto(HISTORY_URL + '/?request=' + FAILED_ID);
  await page.waitForFunction((id) => document.getElementById('detail-id').textContent === id, FAILED_ID);
  check(/Service Unavailable/.test(await text('#detail-explanation')), 'the failed outcome in plain words',
    await text('#detail-explanation'));

  console.log('a shared address: ?channel=' + CHANNEL + '&state=failed');
  await page.goto('about:blank');
  await page.goto(HISTORY_URL + '/?channel=' + encodeURIComponent(CHANNEL) + '&state=failed');
  await page.waitForSelector('#requests tbody tr');
  await page.waitForFunction(() => document.getElementById('message').textContent !== 'Loading…');
  check(await page.inputValue('#filter-channel') === CHANNEL, 'the form shows the channel of the address');
  check(await page.inputValue('#filter-state') === 'failed', 'the form shows the state of the address');
  shown = await rows();
  check(shown.length > 0 && shown.every((row) => row.state === 'failed'), 'the table shows that state only',
    shown.map((row) => row.state));
  const href = await page.getAttribute('#requests tbody tr:first-child a', 'href');
  check(new URLSearchParams(href.split('?')[1]).get('request') === shown[0].id, 'each row links to its exchange', href);
  await page.waitForSelector('#chart-requests-plot svg rect');
  const bars = await page.$$eval('#chart-requests-plot svg rect', (rects) => rects.map((rect) => rect.getAttribute('class')));
  check(bars.includes('bar-failed'), 'the chart stacks failed requests', bars);
  check(await page.$('#chart-latency-plot svg polyline.line-p95') !== null, 'the latency chart draws p95');
  // The default window: the last 15 minutes in 10-second bars, so the bursts the script sent
  // over about 45 seconds are bars of their own.
  check(await page.inputValue('#chart-window') === '15m', 'the charts\' window is the last 15 minutes by default');
  check(/per 10 seconds/.test(await text('#chart-requests-unit')), 'the bars are 10 seconds wide',
    await text('#chart-requests-unit'));
  const filled = () => page.$$eval('#chart-requests-plot svg g.bucket',
    (groups) => groups.filter((group) => group.querySelector('rect') !== null).length);
  check(await filled() >= 4, 'the requests chart shows several bars, one a burst', await filled());
  await page.screenshot({ path: join(SCREENSHOTS, 'history-list.png') });
  await page.locator('#summary').screenshot({ path: join(SCREENSHOTS, 'history-channel.png') });

  console.log('the charts\' window: the last hour, back, forward, and at its own address');
  const bucketsOf = (width) => page.waitForResponse((response) => response.url().includes('/buckets?')
    && new URL(response.url()).searchParams.get('bucket') === width);
  const caption = (words) => page.waitForFunction((expected) => document.getElementById('chart-requests-unit')
    .textContent.includes(expected), words);
  let buckets = bucketsOf('30s');
  await page.selectOption('#chart-window', '1h');
  check((await (await buckets).json()).buckets.length >= 120, 'the last hour is asked for in 30-second bars');
  await caption('per 30 seconds');
  check(new URL(page.url()).searchParams.get('window') === '1h', 'the window is in the address', page.url());
  check(new URL(page.url()).searchParams.get('state') === 'failed', 'the filters stay in the address', page.url());
  const groups = await page.$$eval('#chart-requests-plot svg g.bucket', (all) => all.length);
  check(groups >= 120 && groups <= 121, 'the chart has a bar slot for each half minute of the hour', groups);
  buckets = bucketsOf('10s');
  await page.goBack();
  await buckets;
  await caption('per 10 seconds');
  check(await page.inputValue('#chart-window') === '15m' && !new URL(page.url()).searchParams.has('window'),
    'back returns to the default window', page.url());
  buckets = bucketsOf('30s');
  await page.goForward();
  await buckets;
  await caption('per 30 seconds');
  check(await page.inputValue('#chart-window') === '1h', 'forward returns to the last hour',
    await page.inputValue('#chart-window'));
  await page.goto('about:blank');
  buckets = bucketsOf('180s');
  await page.goto(HISTORY_URL + '/?channel=' + encodeURIComponent(CHANNEL) + '&window=6h');
  await buckets;
  await caption('per 3 minutes');
  check(await page.inputValue('#chart-window') === '6h', 'an address with window=6h opens the last 6 hours');
  check(await filled() >= 1, 'the 6 hours\' chart shows the requests', await filled());

  console.log('recorded markup is shown as text: ' + MARKUP_ID);
  // A fresh load with the exchange in the address, as a shared link opens it.
  await page.goto('about:blank');
  await page.goto(HISTORY_URL + '/#channel=' + encodeURIComponent(CHANNEL) + '&id=' + MARKUP_ID);
  await page.waitForSelector('#detail:not([hidden])');
  await page.waitForFunction((id) => document.getElementById('detail-id').textContent === id, MARKUP_ID);
  check(await page.textContent('#request-body-preview') === MARKUP_BODY, 'the markup is shown as its text',
    await page.textContent('#request-body-preview'));
  const headerValues = await page.$$eval('#request-headers td', (tds) => tds.map((td) => td.textContent));
  check(headerValues.some((value) => value.includes('<img id="injected"')), 'a header value with markup is shown as text',
    headerValues);
  check(await page.$('#injected') === null, 'no element was made from them');

  check(problems.length === 0, 'no script error, console error, failed request or dialog', problems);

  if (process.env.OTHER_USER) {
    console.log('a reader granted another channel only: ' + process.env.OTHER_USER);
    const other = await browser.newPage({
      viewport: { width: 1280, height: 900 },
      httpCredentials: { username: process.env.OTHER_USER, password: process.env.OTHER_PASSWORD || '' },
    });
    other.setDefaultTimeout(TIMEOUT);
    const message = () => other.textContent('#message');
    const settled = () => other.waitForFunction(() => !['', 'Loading…'].includes(document.getElementById('message').textContent));
    await other.goto(HISTORY_URL);
    await settled();
    check(await other.$$eval('#requests tbody tr', (trs) => trs.length) === 0, 'the table shows none of ' + CHANNEL + '\'s',
      await message());
    await other.goto(HISTORY_URL + '/?channel=' + encodeURIComponent(CHANNEL));
    await settled();
    // The table's own message ("No recorded request matches.") comes first; the summary's
    // refusal is told once both have answered.
    await other.waitForFunction(() => /no channel/.test(document.getElementById('message').textContent))
      .catch(() => {});
    check(/no channel/.test(await message()) && await other.isHidden('#summary'),
      'a channel not granted has no summary and no charts', await message());
    await other.goto(HISTORY_URL + '/?request=' + SUCCESS_ID);
    await other.waitForFunction(() => /Could not load/.test(document.getElementById('message').textContent));
    check(await other.isHidden('#detail'), 'an exchange of a channel not granted is not shown', await message());
    await other.close();
  }
} finally {
  await browser.close();
}

console.log(failures === 0 ? 'history page: all checks passed' : 'history page: ' + failures + ' check(s) failed');
process.exit(failures === 0 ? 0 : 1);
