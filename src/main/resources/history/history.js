// The history page: a table over GET api/requests, the detail of one exchange over
// GET api/requests/{id}, a channel's summary over GET api/channels/{channel}/summary.
// Everything recorded is data: it is only ever set as textContent, never parsed as markup.
'use strict';

(function () {
  // Relative to the page (/history/), so the page works under any management base path.
  const API = 'api/';
  const STATES = ['pending', 'success', 'failed', 'timeout', 'error'];

  const byId = (id) => document.getElementById(id);

  // The filters of the table shown, and the cursors of its pages: pages[0] is the newest.
  // Each load takes a number; an answer that arrives after a newer load began is dropped.
  const view = { filters: new URLSearchParams(), pages: [null], next: null, loads: 0, summaries: 0, details: 0 };

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
    filters.set('limit', byId('filter-limit').value);
    return filters;
  }

  function formFromFilters(filters) {
    byId('filter-channel').value = filters.get('channel') || '';
    byId('filter-state').value = STATES.includes(filters.get('state')) ? filters.get('state') : '';
    byId('filter-status').value = filters.get('status') || '';
    byId('filter-client-auth').value = filters.get('client_auth') || '';
    byId('filter-from').value = filters.has('from') ? toLocal(filters.get('from')) : '';
    byId('filter-to').value = filters.has('to') ? toLocal(filters.get('to')) : '';
    const limit = filters.get('limit');
    if (limit && Array.from(byId('filter-limit').options).some((option) => option.value === limit)) {
      byId('filter-limit').value = limit;
    }
  }

  // The filters and the open exchange live in the address's fragment, so a view can be shared.
  function remember(openId) {
    const fragment = new URLSearchParams(view.filters);
    if (openId) {
      fragment.set('id', openId);
    }
    history.replaceState(null, '', '#' + fragment.toString());
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
    tr.appendChild(timeCell(request.started_at));
    tr.appendChild(element('td', request.channel_id, 'channel'));
    tr.appendChild(element('td', request.state, 'state'));
    tr.appendChild(element('td', request.client_auth, 'client-auth'));
    tr.appendChild(element('td', request.response_status, 'status'));
    tr.appendChild(element('td', request.latency_ms === null ? '' : request.latency_ms + ' ms', 'latency'));
    tr.appendChild(element('td', request.request_method, 'method'));
    tr.appendChild(element('td', request.request_path, 'path'));
    tr.addEventListener('click', () => openDetail(request.id));
    tr.addEventListener('keydown', (event) => {
      if (event.key === 'Enter') {
        openDetail(request.id);
      }
    });
    return tr;
  }

  async function showSummary() {
    const section = byId('summary');
    const channel = view.filters.get('channel');
    const load = ++view.summaries;
    if (!channel) {
      section.hidden = true;
      return;
    }
    const query = new URLSearchParams();
    if (view.filters.has('from')) query.set('from', view.filters.get('from'));
    if (view.filters.has('to')) query.set('to', view.filters.get('to'));
    const summary = await getJson(API + 'channels/' + encodeURIComponent(channel) + '/summary?' + query.toString());
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

  // Microseconds as milliseconds to the microsecond.
  function micros(value) {
    return value === undefined || value === null ? null : (value / 1000).toFixed(3) + ' ms';
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
    for (const tr of byId('requests').tBodies[0].rows) {
      tr.classList.toggle('selected', tr.dataset.id === request.id);
    }
    const event = request.event || {};
    byId('detail-id').textContent = request.id;
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
    byId('detail').hidden = false;
    remember(request.id);
    byId('detail').scrollIntoView({ block: 'start' });
  }

  function closeDetail() {
    byId('detail').hidden = true;
    remember(null);
  }

  async function apply(filters) {
    view.filters = filters;
    view.pages = [null];
    byId('detail').hidden = true;
    remember(null);
    try {
      await Promise.all([showPage(0), showSummary()]);
    } catch (error) {
      say(error.message, true);
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
      apply(filters);
    });
    byId('reset').addEventListener('click', () => {
      byId('filters').reset();
      apply(filtersFromForm());
    });
    byId('older').addEventListener('click', () => turn(Number(byId('older').dataset.page)));
    byId('newest').addEventListener('click', () => turn(0));
    byId('detail-close').addEventListener('click', closeDetail);

    const fragment = new URLSearchParams(location.hash.slice(1));
    const openId = fragment.get('id');
    fragment.delete('id');
    formFromFilters(fragment);
    if (!fragment.has('limit')) {
      fragment.set('limit', byId('filter-limit').value);
    }
    apply(fragment).then(() => {
      if (openId) {
        openDetail(openId);
      }
    });
  });
}());
