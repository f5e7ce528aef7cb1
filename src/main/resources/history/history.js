// The history page: a table over GET api/requests, the detail of one exchange over
// GET api/requests/{id}, a channel's summary and charts over GET api/channels/{channel}/summary
// and .../buckets. The address is the view: ?channel=demo&state=failed opens with those
// filters, ?request=<id> with that exchange open, ?window=1h with the summary and charts over
// the last hour; each change is a history entry, so back and forward work.
// Everything recorded is data: it is only ever set as textContent, never parsed as markup.
'use strict';

(function () {
  // Relative to the page (/history/), so the page works under any management base path.
  const API = 'api/';
  const STATES = ['pending', 'success', 'failed', 'timeout', 'error'];
  // The filters that belong in the address (and in the API's query).
  const FILTERS = ['channel', 'state', 'status', 'client_auth', 'from', 'to', 'limit'];
  const SVG = 'http://www.w3.org/2000/svg';
  // The summary's and the charts' window when the From filter does not set it: its length
  // and the width of its bars, in seconds. About a hundred bars each, and a short default
  // with fine bars: a new reader's first requests, sent over a minute or so, make several
  // bars rather than one.
  const WINDOWS = {
    '15m': { seconds: 15 * 60, bucket: 10 },
    '1h': { seconds: 3600, bucket: 30 },
    '6h': { seconds: 6 * 3600, bucket: 180 },
    '1d': { seconds: 86400, bucket: 900 },
  };
  const DEFAULT_WINDOW = '15m';
  // Round bar widths (seconds) for a window that the From filter sets: the first that makes
  // at most BARS bars, else the API chooses.
  const WIDTHS = [1, 5, 10, 30, 60, 180, 300, 900, 3600, 6 * 3600, 86400];
  const BARS = 120;

  const byId = (id) => document.getElementById(id);

  // The filters of the table shown, and the cursors of its pages: pages[0] is the newest.
  // Each load takes a number; an answer that arrives after a newer load began is dropped.
  const view = { filters: null, window: null, pages: [null], next: null, loads: 0, summaries: 0, details: 0, charts: 0 };

  // Same-origin requests carry the HTTP Basic credentials the browser asked for when the
  // page was opened (said explicitly, though it is fetch's default). The page never polls:
  // it reads the API when asked to.
  async function getJson(url) {
    const response = await fetch(url, { headers: { Accept: 'application/json' }, credentials: 'same-origin' });
    let body = null;
    try {
      body = await response.json();
    } catch (ignored) {
      // not JSON: reported by status below
    }
    if (!response.ok) {
      const what = body && body.message ? body.message
        : response.status === 401 ? 'Not signed in: reload the page to give a reader\'s name and password'
          : 'HTTP ' + response.status;
      throw new Error(what);
    }
    return body;
  }

  function say(text, isError) {
    const message = byId('message');
    message.textContent = text;
    message.className = isError ? 'error' : '';
  }

  function element(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) {
      node.textContent = String(text);
    }
    if (className) {
      node.className = className;
    }
    return node;
  }

  // "2026-01-31T12:00:00.123456Z" -> local date and time to the second; the exact instant in the title.
  function timeCell(instant) {
    const cell = element('td', instant ? new Date(instant).toLocaleString() : '');
    if (instant) {
      cell.title = instant;
    }
    return cell;
  }

  // A datetime-local value (local time) as an ISO-8601 instant, or '' when empty.
  function toInstant(local, name) {
    if (!local) {
      return '';
    }
    const date = new Date(local);
    if (isNaN(date.getTime())) {
      throw new Error(name + ' is not a date and time');
    }
    return date.toISOString();
  }

  // An ISO-8601 instant as a datetime-local value (local time, to the second).
  function toLocal(instant) {
    const date = new Date(instant);
    if (isNaN(date.getTime())) {
      return '';
    }
    const pad = (n) => String(n).padStart(2, '0');
    return date.getFullYear() + '-' + pad(date.getMonth() + 1) + '-' + pad(date.getDate()) + 'T'
      + pad(date.getHours()) + ':' + pad(date.getMinutes()) + ':' + pad(date.getSeconds());
  }

  function filtersFromForm() {
    const filters = new URLSearchParams();
    const channel = byId('filter-channel').value.trim();
    const state = byId('filter-state').value;
    const status = byId('filter-status').value.trim();
    const clientAuth = byId('filter-client-auth').value.trim();
    const from = toInstant(byId('filter-from').value, 'From');
    const to = toInstant(byId('filter-to').value, 'To');
    if (channel) filters.set('channel', channel);
    if (state) filters.set('state', state);
    if (status) filters.set('status', status);
    if (clientAuth) filters.set('client_auth', clientAuth);
    if (from) filters.set('from', from);
    if (to) filters.set('to', to);
    if (byId('filter-limit').value !== '50') filters.set('limit', byId('filter-limit').value);
    return filters;
  }

  function formFromFilters(filters) {
    byId('filter-channel').value = filters.get('channel') || '';
    byId('filter-state').value = STATES.includes(filters.get('state')) ? filters.get('state') : '';
    byId('filter-status').value = filters.get('status') || '';
    byId('filter-client-auth').value = filters.get('client_auth') || '';
    byId('filter-from').value = filters.has('from') ? toLocal(filters.get('from')) : '';
    byId('filter-to').value = filters.has('to') ? toLocal(filters.get('to')) : '';
    const limit = filters.get('limit') || '50';
    if (Array.from(byId('filter-limit').options).some((option) => option.value === limit)) {
      byId('filter-limit').value = limit;
    }
  }

  // The address of a view: its filters, the charts' window and the open exchange, in the
  // query string.
  function addressOf(filters, requestId, windowName) {
    const query = new URLSearchParams(filters);
    if (windowName && windowName !== DEFAULT_WINDOW) {
      query.set('window', windowName);
    }
    if (requestId) {
      query.set('request', requestId);
    }
    const text = query.toString();
    return location.pathname + (text ? '?' + text : '');
  }

  // The view an address names. Links made before the query string (#channel=...&id=...)
  // still open what they named.
  function readAddress() {
    const legacy = !location.search && location.hash.length > 1;
    const query = new URLSearchParams(legacy ? location.hash.slice(1) : location.search);
    const filters = new URLSearchParams();
    for (const name of FILTERS) {
      if (query.get(name)) {
        filters.set(name, query.get(name));
      }
    }
    const windowName = query.get('window');
    return { filters, window: Object.hasOwn(WINDOWS, windowName || '') ? windowName : DEFAULT_WINDOW,
      request: query.get('request') || query.get('id') || null };
  }

  // A new history entry for a view the reader chose; none when it is the one shown.
  // refresh: read the table again even if its filters are those shown (Apply, Reset).
  // windowName: the charts' window, the one shown unless given.
  function go(filters, requestId, refresh, windowName) {
    const address = addressOf(filters, requestId, windowName === undefined ? view.window : windowName);
    if (address !== location.pathname + location.search) {
      history.pushState(null, '', address);
    }
    if (refresh) {
      view.filters = null;
    }
    return show(readAddress());
  }

  // Shows the view of the address: the table is read again only when its filters changed,
  // the summary and charts when they or the window did.
  async function show(address) {
    formFromFilters(address.filters);
    byId('chart-window').value = address.window;
    const windowChanged = view.window !== address.window;
    view.window = address.window;
    if (view.filters === null || view.filters.toString() !== address.filters.toString()) {
      await apply(address.filters);
    } else if (windowChanged) {
      try {
        await showSummary();
      } catch (error) {
        say(error.message, true);
      }
    }
    if (address.request) {
      // Read again unless it is the one open: a new window for the charts keeps the reader
      // where they are.
      if (byId('detail').hidden || byId('detail-id').textContent !== address.request) {
        await openDetail(address.request);
      }
    } else {
      byId('detail').hidden = true;
      markSelected(null);
    }
  }

  async function showPage(index) {
    const query = new URLSearchParams(view.filters);
    const cursor = view.pages[index];
    if (cursor) {
      query.set('cursor', cursor);
    }
    const load = ++view.loads;
    say('Loading…', false);
    const page = await getJson(API + 'requests?' + query.toString());
    if (load !== view.loads) {
      return;
    }
    view.pages.length = index + 1;
    view.next = page.next;
    if (page.next) {
      view.pages.push(page.next);
    }
    const body = byId('requests').tBodies[0];
    body.replaceChildren();
    for (const request of page.requests) {
      body.appendChild(row(request));
    }
    byId('older').disabled = !page.next;
    byId('newest').disabled = index === 0;
    byId('older').dataset.page = String(index + 1);
    const shown = page.requests.length;
    say(shown === 0 ? 'No recorded request matches.'
      : 'Page ' + (index + 1) + ': ' + shown + ' request' + (shown === 1 ? '' : 's')
        + (page.next ? ', older ones on the next page.' : '.'), false);
  }

  function row(request) {
    const tr = element('tr', null, 'state-' + request.state);
    tr.dataset.id = request.id;
    tr.tabIndex = 0;
    const started = timeCell(request.started_at);
    // A real link: it can be opened in a new tab or copied; a plain click stays on the page.
    const link = element('a', started.textContent);
    link.href = addressOf(view.filters, request.id, view.window);
    started.replaceChildren(link);
    tr.appendChild(started);
    tr.appendChild(element('td', request.channel_id, 'channel'));
    tr.appendChild(element('td', request.state, 'state'));
    tr.appendChild(element('td', request.client_auth, 'client-auth'));
    tr.appendChild(element('td', request.response_status, 'status'));
    tr.appendChild(element('td', request.latency_ms === null ? '' : request.latency_ms + ' ms', 'latency'));
    tr.appendChild(element('td', request.request_method, 'method'));
    tr.appendChild(element('td', request.request_path, 'path'));
    tr.addEventListener('click', (event) => {
      if (event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) {
        return;
      }
      event.preventDefault();
      go(view.filters, request.id);
    });
    tr.addEventListener('keydown', (event) => {
      if (event.key === 'Enter') {
        event.preventDefault();
        go(view.filters, request.id);
      }
    });
    return tr;
  }

  async function showSummary() {
    const section = byId('summary');
    const channel = view.filters.get('channel');
    const load = ++view.summaries;
    // Hidden until this channel's answers are in: a channel the reader may not read (404)
    // shows nothing rather than the previous one's.
    section.hidden = true;
    if (!channel) {
      return;
    }
    const range = chartRange();
    const query = new URLSearchParams();
    query.set('from', range.from);
    if (range.to) query.set('to', range.to);
    const fixed = view.filters.has('from');
    byId('chart-window').disabled = fixed;
    byId('chart-window-hint').textContent = fixed ? 'from the From and To filters' : '';
    const [summary] = await Promise.all([
      getJson(API + 'channels/' + encodeURIComponent(channel) + '/summary?' + query.toString()),
      showCharts(channel, range),
    ]);
    if (load !== view.summaries) {
      return;
    }
    byId('summary-channel').textContent = summary.channel_id;
    byId('summary-window').textContent = new Date(summary.from).toLocaleString() + ' to '
      + new Date(summary.to).toLocaleString();
    const parts = ['total ' + summary.total];
    for (const state of STATES) {
      parts.push(state + ' ' + summary.states[state]);
    }
    const latency = summary.latency_ms;
    const ms = (value) => (value === null ? '–' : Math.round(value * 10) / 10 + ' ms');
    parts.push('latency p50 ' + ms(latency.p50) + ', p95 ' + ms(latency.p95));
    byId('summary-counts').textContent = parts.join(' · ');
    section.hidden = false;
  }

  // The summary's and the charts' window: from the From filter when it is given, else the
  // chosen window back from To or now; to the To filter, else the server's now (so that a
  // browser whose clock is behind still sees the latest requests). Without the From filter
  // the start is aligned to the bars, so that each bar is a round span of the clock.
  function chartRange() {
    const to = view.filters.get('to');
    const end = to ? Date.parse(to) : Date.now();
    if (view.filters.has('from')) {
      const from = view.filters.get('from');
      const seconds = (end - Date.parse(from)) / 1000;
      return { from, to, bucket: WIDTHS.find((width) => seconds / width <= BARS) };
    }
    const chosen = WINDOWS[view.window];
    const start = Math.floor((end / 1000 - chosen.seconds) / chosen.bucket) * chosen.bucket;
    return { from: new Date(start * 1000).toISOString(), to, bucket: chosen.bucket };
  }

  // Microseconds as milliseconds to the microsecond.
  function micros(value) {
    return value === undefined || value === null ? null : (value / 1000).toFixed(3) + ' ms';
  }

  // --- charts: inline SVG, drawn here (the page loads nothing from elsewhere)

  function svg(tag, attributes, text) {
    const node = document.createElementNS(SVG, tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      node.setAttribute(name, String(value));
    }
    if (text !== undefined) {
      node.textContent = String(text);
    }
    return node;
  }

  const CHART = { width: 640, height: 160, left: 44, bottom: 18, top: 6 };

  // An empty plot with its y axis from 0 to max and the window's ends under the x axis.
  function plot(max, unit, buckets) {
    const root = svg('svg', { width: CHART.width, height: CHART.height, viewBox: '0 0 ' + CHART.width + ' '
      + CHART.height, role: 'img' });
    const bottom = CHART.height - CHART.bottom;
    root.appendChild(svg('line', { class: 'axis', x1: CHART.left, y1: bottom, x2: CHART.width, y2: bottom }));
    root.appendChild(svg('line', { class: 'axis', x1: CHART.left, y1: CHART.top, x2: CHART.left, y2: bottom }));
    root.appendChild(svg('text', { x: CHART.left - 4, y: CHART.top + 8, 'text-anchor': 'end' }, max + unit));
    root.appendChild(svg('text', { x: CHART.left - 4, y: bottom, 'text-anchor': 'end' }, '0'));
    if (buckets.length > 0) {
      const label = (instant) => new Date(instant).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
      root.appendChild(svg('text', { x: CHART.left, y: CHART.height - 4 }, label(buckets[0].start)));
      root.appendChild(svg('text', { x: CHART.width, y: CHART.height - 4, 'text-anchor': 'end' },
        label(buckets[buckets.length - 1].start)));
    }
    return root;
  }

  // A round number at or above value, for the top of an axis.
  function ceiling(value) {
    if (value <= 0) {
      return 1;
    }
    const step = Math.pow(10, Math.floor(Math.log10(value)));
    return [1, 2, 5, 10].map((f) => f * step).find((top) => top >= value);
  }

  // One column per bucket, its states stacked bottom up, each with a tooltip of its counts.
  function drawRequests(buckets) {
    const top = ceiling(Math.max(0, ...buckets.map((bucket) => bucket.total)));
    const root = plot(top, '', buckets);
    const innerHeight = CHART.height - CHART.bottom - CHART.top;
    const slot = (CHART.width - CHART.left) / Math.max(1, buckets.length);
    buckets.forEach((bucket, index) => {
      const group = svg('g', { class: 'bucket' });
      group.appendChild(svg('title', {}, new Date(bucket.start).toLocaleString() + ': ' + bucket.total
        + ' requests' + STATES.filter((state) => bucket.states[state] > 0)
        .map((state) => ', ' + state + ' ' + bucket.states[state]).join('')));
      let y = CHART.height - CHART.bottom;
      for (const state of ['success', 'failed', 'timeout', 'error', 'pending']) {
        const height = bucket.states[state] / top * innerHeight;
        if (height > 0) {
          y -= height;
          group.appendChild(svg('rect', { class: 'bar-' + state, x: CHART.left + index * slot + slot * 0.1, y,
            width: Math.max(1, slot * 0.8), height }));
        }
      }
      root.appendChild(group);
    });
    return root;
  }

  // p50 and p95 as lines, broken where a bucket has no latency.
  function drawLatency(buckets) {
    const top = ceiling(Math.max(0, ...buckets.map((bucket) => bucket.latency_ms.p95 || 0)));
    const root = plot(top, ' ms', buckets);
    const innerHeight = CHART.height - CHART.bottom - CHART.top;
    const slot = (CHART.width - CHART.left) / Math.max(1, buckets.length);
    for (const name of ['p95', 'p50']) {
      let points = [];
      const flush = () => {
        if (points.length > 0) {
          root.appendChild(svg('polyline', { class: 'line-' + name, points: points.join(' ') }));
        }
        points = [];
      };
      buckets.forEach((bucket, index) => {
        const value = bucket.latency_ms[name];
        if (value === null) {
          flush();
          return;
        }
        const x = CHART.left + (index + 0.5) * slot;
        const y = CHART.height - CHART.bottom - value / top * innerHeight;
        points.push(x.toFixed(1) + ',' + y.toFixed(1));
        // A dot as well: a bucket alone between empty ones makes no line.
        root.appendChild(svg('circle', { class: 'dot-' + name, cx: x.toFixed(1), cy: y.toFixed(1), r: 2 }));
      });
      flush();
    }
    return root;
  }

  function widthInWords(seconds) {
    if (seconds % 86400 === 0) return seconds / 86400 === 1 ? 'day' : seconds / 86400 + ' days';
    if (seconds % 3600 === 0) return seconds / 3600 === 1 ? 'hour' : seconds / 3600 + ' hours';
    if (seconds % 60 === 0) return seconds / 60 === 1 ? 'minute' : seconds / 60 + ' minutes';
    return seconds + ' seconds';
  }

  async function showCharts(channel, range) {
    const load = ++view.charts;
    const query = new URLSearchParams();
    query.set('from', range.from);
    if (range.to) query.set('to', range.to);
    if (range.bucket) query.set('bucket', range.bucket + 's');
    const answer = await getJson(API + 'channels/' + encodeURIComponent(channel) + '/buckets?' + query.toString());
    if (load !== view.charts) {
      return;
    }
    byId('chart-requests-unit').textContent = '(per ' + widthInWords(answer.bucket_seconds) + ', by state)';
    const legend = byId('chart-requests-legend');
    legend.replaceChildren(...['success', 'failed', 'timeout', 'error', 'pending']
      .map((state) => element('span', state, 'key key-' + state)));
    byId('chart-requests-plot').replaceChildren(drawRequests(answer.buckets));
    byId('chart-latency-plot').replaceChildren(drawLatency(answer.buckets));
  }

  // --- one exchange

  const REASONS = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 408: 'Request Timeout',
    409: 'Conflict', 429: 'Too Many Requests', 500: 'Internal Server Error', 502: 'Bad Gateway',
    503: 'Service Unavailable', 504: 'Gateway Timeout' };

  function statusInWords(status) {
    return status + (REASONS[status] ? ' (' + REASONS[status] + ')' : '');
  }

  // What happened, in one or two sentences a person can read aloud.
  function explain(request) {
    const event = request.event || {};
    const box = byId('detail-explanation');
    const took = event.latency_ms === null || event.latency_ms === undefined ? '' : ' after ' + event.latency_ms + ' ms';
    let text;
    switch (request.state) {
      case 'success':
        text = 'The sink answered ' + statusInWords(event.response_status) + took + ' and the whole response reached the client.';
        break;
      case 'failed':
        text = 'The sink answered with an error status, ' + statusInWords(event.response_status) + took
          + '; the client got that answer as it was.';
        break;
      case 'timeout':
        text = 'The sink did not answer in time' + took + ': the client got 504 (Gateway Timeout).';
        break;
      case 'error':
        text = 'The exchange did not complete: ' + (event.error_message || 'no reason was recorded') + '.';
        break;
      default:
        text = 'No outcome yet: the request is still being handled, or its outcome is not written yet.';
    }
    if (request.state !== 'error' && event.error_message) {
      text += ' The gateway says: ' + event.error_message + '.';
    }
    box.textContent = text;
    box.className = 'explanation' + (request.state === 'success' ? '' : request.state === 'pending' ? ' pending' : ' bad');
  }

  // The moments of the exchange, from its arrival, as far as they were recorded: the sink
  // timings (connect_us, reused_connection, request_sent_us, response_us) only when the
  // detail has them.
  function moments(request) {
    const event = request.event || {};
    const known = (value) => value !== undefined && value !== null;
    const steps = [{ at: 0, what: 'arrived at the gateway (' + new Date(request.started_at).toLocaleString() + ')' }];
    if (event.reused_connection === true) {
      steps.push({ at: null, what: 'went out on a pooled connection to the sink' });
    } else if (known(event.connect_us)) {
      steps.push({ at: null, what: 'connected to the sink (a new connection, ' + (event.connect_us / 1000).toFixed(3)
        + ' ms to connect)' });
    }
    if (known(event.request_sent_us)) {
      steps.push({ at: event.request_sent_us / 1000, what: 'request sent to the sink, to its last byte' });
    }
    if (known(event.ttfb_ms)) {
      steps.push({ at: event.ttfb_ms, what: 'the sink\'s response headers arrived' });
    }
    if (known(event.latency_ms)) {
      steps.push({ at: event.latency_ms, what: (request.state === 'success' || request.state === 'failed'
        ? 'last byte relayed to the client' : 'the exchange ended') + (known(event.response_us)
        ? ' (the body took ' + (event.response_us / 1000).toFixed(3) + ' ms)' : '') });
    }
    return steps;
  }

  // A bar from arrival to the last byte: sending, waiting for the sink, receiving.
  function drawTimeline(steps) {
    const end = Math.max(...steps.map((step) => step.at || 0));
    const width = 640;
    const root = svg('svg', { width, height: 34, viewBox: '0 0 ' + width + ' 34', role: 'img' });
    if (end <= 0) {
      return root;
    }
    const x = (ms) => 4 + ms / end * (width - 8);
    const sent = steps.find((step) => step.what.startsWith('request sent'));
    const headers = steps.find((step) => step.what.startsWith('the sink\'s response'));
    const phases = [['phase-request', 0, sent ? sent.at : (headers ? headers.at : end)],
      ['phase-wait', sent ? sent.at : null, headers ? headers.at : null],
      ['phase-response', headers ? headers.at : null, end]];
    for (const [name, from, to] of phases) {
      if (from !== null && to !== null && to > from) {
        root.appendChild(svg('rect', { class: name, x: x(from), y: 4, width: x(to) - x(from), height: 14 }));
      }
    }
    for (const step of steps) {
      if (step.at !== null) {
        root.appendChild(svg('line', { class: 'mark', x1: x(step.at), y1: 2, x2: x(step.at), y2: 20 }));
      }
    }
    root.appendChild(svg('text', { x: 4, y: 31 }, '0 ms'));
    root.appendChild(svg('text', { x: width - 4, y: 31, 'text-anchor': 'end' }, end + ' ms'));
    return root;
  }

  function timeline(request) {
    const steps = moments(request);
    const list = byId('timeline');
    list.replaceChildren();
    for (const step of steps) {
      const item = element('li');
      item.appendChild(element('span', step.at === null ? '' : '+' + step.at.toFixed(step.at % 1 ? 3 : 0) + ' ms',
        'offset'));
      item.appendChild(document.createTextNode(step.what));
      list.appendChild(item);
    }
    byId('timeline-plot').replaceChildren(drawTimeline(steps));
  }

  // Whether the channel is still defined as it was when the request went through.
  function snapshotMark(request) {
    const mark = byId('snapshot-changed');
    const current = request.current_snapshot;
    if (request.snapshot_is_current === false && current) {
      mark.textContent = 'Configuration changed since: the channel\'s current definition (' + current.config_hash.slice(0, 12)
        + '…, in force since ' + new Date(current.in_force_at).toLocaleString() + ') differs from the one below.';
      mark.className = 'changed';
      mark.hidden = false;
    } else if (request.snapshot_is_current === true) {
      mark.textContent = 'This is the channel\'s current definition.';
      mark.className = 'current';
      mark.hidden = false;
    } else {
      mark.hidden = true;
    }
  }

  function fields(tableId, entries) {
    const body = byId(tableId).tBodies[0];
    body.replaceChildren();
    for (const [label, value, id] of entries) {
      const tr = element('tr');
      tr.appendChild(element('th', label));
      const cell = element('td', value === null || value === undefined ? '—' : value);
      if (id) {
        cell.id = id;
      }
      tr.appendChild(cell);
      body.appendChild(tr);
    }
  }

  function headers(tableId, pairs) {
    const body = byId(tableId).tBodies[0];
    body.replaceChildren();
    if (!pairs) {
      const tr = element('tr');
      tr.appendChild(element('td', 'none recorded', 'none'));
      body.appendChild(tr);
      return;
    }
    for (const pair of pairs) {
      const tr = element('tr');
      tr.appendChild(element('th', pair.name));
      tr.appendChild(pair.value === null ? element('td', '(wiped)', 'wiped') : element('td', pair.value));
      tr.appendChild(element('td', pair.encoding === 'base64' ? 'Base64 of the bytes (holds a NUL)' : '', 'encoding'));
      body.appendChild(tr);
    }
  }

  function bodyOf(prefix, body, wiped) {
    const preview = byId(prefix + '-body-preview');
    if (!body) {
      fields(prefix + '-body', [['recorded', 'nothing']]);
      preview.textContent = '';
      return;
    }
    let shown;
    if (body.preview === null) {
      shown = 'none stored';
    } else if (wiped) {
      shown = 'wiped';
    } else {
      shown = body.preview_bytes + ' bytes, ' + (body.preview_encoding === 'utf-8' ? 'UTF-8 text' : 'Base64')
        + (body.truncated ? ' (truncated: the body is longer)' : ' (the whole body)');
    }
    fields(prefix + '-body', [
      ['size', body.size === null ? null : body.size + ' bytes', prefix + '-body-size'],
      ['SHA-256', body.sha256, prefix + '-body-sha256'],
      ['preview', shown, prefix + '-body-preview-info'],
    ]);
    preview.textContent = body.preview === null ? '' : body.preview;
    preview.className = body.preview_encoding === 'base64' ? 'base64' : '';
  }

  function markSelected(id) {
    for (const tr of byId('requests').tBodies[0].rows) {
      tr.classList.toggle('selected', tr.dataset.id === id);
    }
  }

  async function openDetail(id) {
    const load = ++view.details;
    let request;
    try {
      request = await getJson(API + 'requests/' + encodeURIComponent(id));
    } catch (error) {
      say('Could not load ' + id + ': ' + error.message, true);
      return;
    }
    if (load !== view.details) {
      return;
    }
    markSelected(request.id);
    const event = request.event || {};
    byId('detail-id').textContent = request.id;
    byId('detail-link').href = addressOf(new URLSearchParams(), request.id);
    explain(request);
    timeline(request);
    fields('detail-fields', [
      ['channel', request.channel_id, 'detail-channel'],
      ['state', request.state, 'detail-state'],
      ['sink status', event.response_status, 'detail-status'],
      ['event type', request.event ? event.type : 'no event yet (pending)', 'detail-type'],
      ['method', event.request_method, 'detail-method'],
      ['path', event.request_path, 'detail-path'],
      ['query', event.request_query],
      ['sink URL', event.sink_url],
      ['client', request.client_identity],
      ['client authenticated as', request.client_auth, 'detail-client-auth'],
      ['started', request.started_at],
      ['completed', request.completed_at],
      ['latency', event.latency_ms === undefined || event.latency_ms === null ? null : event.latency_ms + ' ms',
        'detail-latency'],
      ['time to first byte', event.ttfb_ms === undefined || event.ttfb_ms === null ? null : event.ttfb_ms + ' ms'],
      ['sink connection', event.reused_connection === true ? 'reused from the pool'
        : event.reused_connection === false ? 'new' : null, 'detail-connection'],
      ['connect to sink', micros(event.connect_us), 'detail-connect'],
      ['request sent (from arrival)', micros(event.request_sent_us), 'detail-request-sent'],
      ['response relayed (from sink headers)', micros(event.response_us), 'detail-response'],
      ['error', event.error_message, 'detail-error'],
      ['recorded by', request.owner],
      ['outcome written', event.inserted_at],
      ['wiped', event.wiped_at ? event.wiped_at + ' (previews and header values removed by retention)' : null,
        'detail-wiped'],
    ]);
    const wiped = Boolean(event.wiped_at);
    headers('request-headers', request.event ? event.request_headers : null);
    bodyOf('request', request.event ? event.request_body : null, wiped);
    headers('response-headers', request.event ? event.response_headers : null);
    bodyOf('response', request.event ? event.response_body : null, wiped);
    const snapshot = request.snapshot;
    fields('snapshot', [
      ['id', request.channel_snapshot_id, 'snapshot-id'],
      ['config hash', snapshot ? snapshot.config_hash : null],
      ['created', snapshot ? snapshot.created_at : null],
    ]);
    byId('snapshot-definition').textContent = snapshot ? JSON.stringify(snapshot.definition, null, 2) : '';
    snapshotMark(request);
    byId('detail').hidden = false;
    byId('detail').scrollIntoView({ block: 'start' });
  }

  function closeDetail() {
    go(view.filters, null);
  }

  async function apply(filters) {
    view.filters = filters;
    view.pages = [null];
    byId('detail').hidden = true;
    // Both settle before a failure is told, so the table's "Page 1: ..." cannot overwrite it.
    const failed = (await Promise.allSettled([showPage(0), showSummary()]))
      .find((result) => result.status === 'rejected');
    if (failed) {
      say(failed.reason.message, true);
    }
  }

  async function turn(index) {
    try {
      await showPage(index);
    } catch (error) {
      say(error.message, true);
    }
  }

  document.addEventListener('DOMContentLoaded', () => {
    byId('filters').addEventListener('submit', (event) => {
      event.preventDefault();
      let filters;
      try {
        filters = filtersFromForm();
      } catch (error) {
        say(error.message, true);
        return;
      }
      go(filters, null, true);
    });
    byId('reset').addEventListener('click', () => {
      byId('filters').reset();
      go(new URLSearchParams(), null, true, DEFAULT_WINDOW);
    });
    byId('chart-window').addEventListener('change', () => {
      go(view.filters, readAddress().request, false, byId('chart-window').value);
    });
    byId('chart-window-form').addEventListener('submit', (event) => event.preventDefault());
    byId('older').addEventListener('click', () => turn(Number(byId('older').dataset.page)));
    byId('newest').addEventListener('click', () => turn(0));
    byId('detail-close').addEventListener('click', closeDetail);

    // Back and forward: the entry's address is the view to show.
    window.addEventListener('popstate', () => show(readAddress()));
    const address = readAddress();
    if (location.hash) {
      // An old #... link: the same view at its new address.
      history.replaceState(null, '', addressOf(address.filters, address.request, address.window));
    }
    show(address);
  });
}());
