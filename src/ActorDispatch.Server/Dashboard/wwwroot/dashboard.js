// ActorDispatch dashboard: polls the REST API (never more than 2 s apart) and drives its delivery
// controls. Plain script, no framework and no build step. Every text from the server goes into the
// page through textContent or attributes, never as HTML.
'use strict';

(() => {
  const params = new URLSearchParams(location.search);
  // ?interval=<ms> for a quicker page (tests); never slower than every 2 s.
  const POLL_MS = Math.min(2000, Math.max(250, Number(params.get('interval')) || 1000));
  const HISTORY = 60; // sparkline samples
  const AUTH_KEY = 'actordispatch.dashboard.auth';
  const NAMESPACES_KEY = 'actordispatch.dashboard.namespaces';
  const API = '../api/v1'; // the page is /ui/: relative, so that it also works behind a path prefix

  const $ = (id) => document.getElementById(id);

  const state = {
    auth: sessionStorage.getItem(AUTH_KEY), // an Authorization header value, or null
    authRequired: false,
    who: sessionStorage.getItem(AUTH_KEY + '.who') || '',
    namespaces: initialNamespaces(),
    sections: new Map(), // namespace -> section elements
    history: new Map(), // "ns/id" -> { delivered, at, rates[] }
    selected: null, // { ns, id, name }
    parkedRows: new Map(), // sequence -> tr
    timer: 0,
    running: false,
  };

  class ApiError extends Error {
    constructor(status, message) {
      super(message);
      this.status = status;
    }
  }

  // ---- API ----

  async function api(method, path, body) {
    const headers = { Accept: 'application/json' };
    if (state.auth) headers.Authorization = state.auth;
    // credentials 'omit': the browser neither sends nor asks for its own stored credentials (no
    // native login prompt on a 401); the page sends the ones entered in it.
    const init = { method, headers, credentials: 'omit', cache: 'no-store' };
    if (method === 'POST' || method === 'PUT') {
      headers['Content-Type'] = 'application/json'; // the API refuses any other, also for no body
      init.body = body === undefined ? '' : JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(API + path, init);
    } catch (e) {
      throw new ApiError(0, 'the server cannot be reached; retrying');
    }
    const text = await response.text();
    let data = null;
    if (text) {
      try {
        data = JSON.parse(text);
      } catch (e) {
        data = null;
      }
    }
    if (!response.ok) throw new ApiError(response.status, (data && typeof data.error === 'string') ? data.error : response.statusText);
    return data;
  }

  const subscriptionPath = (ns, id, rest) =>
    `/namespaces/${encodeURIComponent(ns)}/subscriptions/${encodeURIComponent(id)}${rest || ''}`;

  // ---- helpers ----

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === 'class') node.className = v;
      else if (k === 'text') node.textContent = v;
      else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v);
    }
    for (const c of children) node.append(c);
    return node;
  }

  function setText(node, value) {
    const text = value === null || value === undefined ? '' : String(value);
    if (node.textContent !== text) node.textContent = text;
  }

  function initialNamespaces() {
    const fromUrl = params.getAll('ns').flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
    if (fromUrl.length) return [...new Set(fromUrl)];
    try {
      const stored = JSON.parse(localStorage.getItem(NAMESPACES_KEY) || 'null');
      if (Array.isArray(stored) && stored.length) return stored.filter((v) => typeof v === 'string');
    } catch (e) {
      // a bad entry: start over
    }
    return ['default'];
  }

  function saveNamespaces() {
    localStorage.setItem(NAMESPACES_KEY, JSON.stringify(state.namespaces));
    const url = new URL(location.href);
    url.searchParams.delete('ns');
    for (const ns of state.namespaces) url.searchParams.append('ns', ns);
    history.replaceState(null, '', url);
  }

  let messageTimer = 0;
  function showMessage(text, kind) {
    const box = $('message');
    clearTimeout(messageTimer);
    setText(box, text);
    box.className = 'message ' + (kind || 'error');
    box.hidden = false;
    if (kind === 'ok') messageTimer = setTimeout(() => { box.hidden = true; }, 5000);
  }

  function clearMessage(onlyKind) {
    const box = $('message');
    if (!onlyKind || box.classList.contains(onlyKind)) box.hidden = true;
  }

  function describe(error) {
    if (error.status === 403) return `Refused (403): ${error.message}. Your credentials do not allow this.`;
    if (error.status === 401) return 'Refused (401): sign in with the API\u2019s credentials.';
    if (error.status === 0) return error.message;
    return `Failed (${error.status}): ${error.message}`;
  }

  // ---- server facts and cluster ----

  function showServer(status) {
    const facts = $('server');
    facts.replaceChildren();
    const add = (name, value) => {
      if (value === null || value === undefined || value === '') return;
      facts.append(el('dt', { text: name }), el('dd', { text: value, 'data-fact': name }));
    };
    add('node', status.node);
    add('version', status.version);
    add('storage', status.storage);
    add('uptime', status.uptime);
    const cluster = status.cluster;
    $('cluster').hidden = !cluster;
    if (cluster) {
      add('leader', cluster.leader || '(none)');
      $('members').replaceChildren(...(cluster.members || []).map((m) =>
        el('tr', { class: m.node === cluster.self ? 'self' : '' },
          el('td', { text: m.node }), el('td', { text: m.address }), el('td', { text: m.status, class: 'member-' + m.status }))));
    }
  }

  // ---- namespaces ----

  function sectionOf(ns) {
    let s = state.sections.get(ns);
    if (s) return s;
    const head = el('span', { class: 'head', 'data-field': 'head' });
    const error = el('p', { class: 'ns-error', hidden: '' });
    const none = el('p', { class: 'none', text: 'No durable subscriptions.', hidden: '' });
    const tbody = el('tbody');
    const remove = el('button', { type: 'button', class: 'link', title: 'Stop showing this namespace', text: '\u00d7' });
    remove.addEventListener('click', () => removeNamespace(ns));
    const section = el('section', { class: 'card namespace', 'data-namespace': ns },
      el('h2', {}, 'Namespace ', el('span', { class: 'ns-name', text: ns }), ' ', head, ' ', remove),
      error,
      el('table', { class: 'subscriptions' },
        el('thead', {}, el('tr', {}, ...['Subscription', 'Transport', 'Connection', 'Node', 'Offset', 'Lag', 'In flight', 'Parked', 'State',
          'Deliveries/s', ''].map((h) => el('th', { text: h })))),
        tbody),
      none);
    $('namespaces').append(section);
    s = { section, head, error, none, tbody, rows: new Map() };
    state.sections.set(ns, s);
    return s;
  }

  function removeNamespace(ns) {
    state.namespaces = state.namespaces.filter((n) => n !== ns);
    const s = state.sections.get(ns);
    if (s) s.section.remove();
    state.sections.delete(ns);
    if (state.selected && state.selected.ns === ns) closeDetail();
    saveNamespaces();
  }

  async function refreshNamespace(ns) {
    const s = sectionOf(ns);
    let view;
    try {
      view = await api('GET', `/namespaces/${encodeURIComponent(ns)}/overview`);
    } catch (e) {
      if (e.status === 401) throw e;
      setText(s.error, describe(e));
      s.error.hidden = false;
      return;
    }
    s.error.hidden = true;
    setText(s.head, `head ${view.head}`);
    const seen = new Set();
    for (const entry of view.subscriptions) {
      seen.add(entry.id);
      updateRow(ns, s, entry, Date.parse(view.at));
    }
    for (const [id, row] of s.rows) {
      if (!seen.has(id)) {
        row.tr.remove();
        s.rows.delete(id);
        state.history.delete(ns + '/' + id);
        if (state.selected && state.selected.id === id) closeDetail();
      }
    }
    s.none.hidden = view.subscriptions.length > 0;
  }

  const FIELDS = ['transport', 'connection', 'node', 'offset', 'lag', 'inFlight', 'parked', 'state'];

  function rowOf(ns, s, entry) {
    let row = s.rows.get(entry.id);
    if (row) return row;
    const cells = {};
    const tr = el('tr', { 'data-subscription': `${ns}/${entry.name}` });
    tr.append(el('td', { class: 'name', text: entry.name }));
    for (const f of FIELDS) tr.append(cells[f] = el('td', { 'data-field': f, class: f }));
    const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
    svg.setAttribute('class', 'spark');
    svg.setAttribute('viewBox', '0 0 120 24');
    svg.setAttribute('preserveAspectRatio', 'none');
    const line = document.createElementNS('http://www.w3.org/2000/svg', 'polyline');
    svg.append(line);
    const rate = el('span', { class: 'rate-value', 'data-field': 'rate' });
    tr.append(el('td', { class: 'rate' }, svg, rate));
    const toggle = el('button', { type: 'button', 'data-action': 'toggle' });
    const details = el('button', { type: 'button', 'data-action': 'details', text: 'Parked & reset' });
    tr.append(el('td', { class: 'actions' }, toggle, ' ', details));
    row = { tr, cells, line, rate, toggle, details, entry };
    toggle.addEventListener('click', () => {
      const paused = row.entry.status && row.entry.status.paused;
      operate(paused ? 'resume' : 'pause', ns, row.entry, () => api('POST', subscriptionPath(ns, row.entry.id, paused ? '/resume' : '/pause')));
    });
    details.addEventListener('click', () => openDetail(ns, row.entry));
    s.tbody.append(tr);
    s.rows.set(entry.id, row);
    return row;
  }

  function updateRow(ns, s, entry, at) {
    const row = rowOf(ns, s, entry);
    row.entry = entry;
    const st = entry.status;
    const c = row.cells;
    setText(c.transport, entry.transport);
    if (!st) {
      for (const f of FIELDS.slice(1)) setText(c[f], '');
      setText(c.state, entry.error || 'unknown');
      c.state.className = 'state unknown';
      row.toggle.disabled = true;
      return;
    }
    row.toggle.disabled = false;
    setText(c.connection, st.connection ? (entry.connectionAddress ? `${st.connection} (${entry.connectionAddress})` : st.connection) : '\u2014');
    setText(c.node, st.node || '\u2014');
    setText(c.offset, st.currentOffset);
    setText(c.lag, st.lag);
    setText(c.inFlight, st.inFlight);
    setText(c.parked, st.parked);
    c.parked.classList.toggle('warn', st.parked > 0);
    const stateText = st.paused ? 'paused' : (st.connection ? 'delivering' : 'no connection');
    setText(c.state, stateText);
    c.state.className = 'state ' + stateText.replace(' ', '-');
    setText(row.toggle, st.paused ? 'Resume' : 'Pause');
    sample(ns, entry, st, at, row);
    if (state.selected && state.selected.id === entry.id) showDetailFigures(entry);
  }

  // Deliveries per second between successive answers. The dispatcher's counter starts again with
  // each new connection: a drop counts from zero.
  function sample(ns, entry, st, at, row) {
    const key = ns + '/' + entry.id;
    let h = state.history.get(key);
    if (!h) {
      h = { delivered: st.delivered, at, rates: [] };
      state.history.set(key, h);
    } else if (at > h.at) {
      const delta = st.delivered >= h.delivered ? st.delivered - h.delivered : st.delivered;
      h.rates.push(delta / ((at - h.at) / 1000));
      if (h.rates.length > HISTORY) h.rates.shift();
      h.delivered = st.delivered;
      h.at = at;
    }
    const max = Math.max(1, ...h.rates);
    const step = 120 / (HISTORY - 1);
    const offset = HISTORY - h.rates.length;
    row.line.setAttribute('points', h.rates.map((r, i) => `${((offset + i) * step).toFixed(1)},${(23 - (r / max) * 22).toFixed(1)}`).join(' '));
    const last = h.rates.length ? h.rates[h.rates.length - 1] : 0;
    setText(row.rate, last >= 10 ? last.toFixed(0) : last.toFixed(1));
  }

  // ---- operations ----

  async function operate(what, ns, entry, call) {
    try {
      const result = await call();
      let done = `${what}: ${ns}/${entry.name}`;
      if (result && typeof result.replaying === 'number') done += ` (${result.replaying} replaying)`;
      if (result && typeof result.discarded === 'number') done += ` (${result.discarded} discarded)`;
      showMessage(done, 'ok');
    } catch (e) {
      if (e.status === 401) return needSignIn(true);
      showMessage(`${what} ${ns}/${entry.name}: ${describe(e)}`, 'error');
    }
    refreshSoon();
  }

  // ---- detail: parked events and reset ----

  function openDetail(ns, entry) {
    state.selected = { ns, id: entry.id, name: entry.name };
    state.parkedRows.clear();
    $('parked').replaceChildren();
    setText($('detail-name'), `${ns}/${entry.name}`);
    $('detail').hidden = false;
    $('detail').setAttribute('data-subscription', `${ns}/${entry.name}`);
    showDetailFigures(entry);
    refreshSoon();
  }

  function closeDetail() {
    state.selected = null;
    $('detail').hidden = true;
  }

  function showDetailFigures(entry) {
    const parked = entry.status ? entry.status.parked : 0;
    setText($('parked-count'), `(${parked})`);
  }

  async function refreshParked() {
    const sel = state.selected;
    if (!sel) return;
    let list;
    try {
      list = await api('GET', subscriptionPath(sel.ns, sel.id, '/parked?limit=100'));
    } catch (e) {
      if (e.status === 401) throw e;
      if (e.status === 404) return closeDetail();
      showMessage(describe(e), 'error');
      return;
    }
    if (state.selected !== sel) return;
    const seen = new Set();
    const body = $('parked');
    for (const p of list) {
      seen.add(p.sequence);
      let tr = state.parkedRows.get(p.sequence);
      if (!tr) {
        const replay = el('button', { type: 'button', 'data-action': 'replay', text: 'Replay' });
        const discard = el('button', { type: 'button', 'data-action': 'discard', class: 'danger', text: 'Discard' });
        replay.addEventListener('click', () => operate(`replay #${p.sequence}`, sel.ns, sel,
          () => api('POST', subscriptionPath(sel.ns, sel.id, '/parked/replay'), { sequences: [p.sequence] })));
        discard.addEventListener('click', () => operate(`discard #${p.sequence}`, sel.ns, sel,
          () => api('DELETE', subscriptionPath(sel.ns, sel.id, `/parked/${p.sequence}`))));
        tr = el('tr', { 'data-sequence': String(p.sequence) },
          el('td', { text: p.sequence }), el('td', { class: 'mono', text: p.id }), el('td', { 'data-field': 'deliveries' }),
          el('td', { class: 'reason', 'data-field': 'reason' }), el('td', { text: new Date(p.parked).toLocaleString() }),
          el('td', { class: 'actions' }, replay, ' ', discard));
        state.parkedRows.set(p.sequence, tr);
      }
      setText(tr.querySelector('[data-field=deliveries]'), p.deliveries);
      setText(tr.querySelector('[data-field=reason]'), p.reason || '');
      body.append(tr); // in sequence order; append moves an existing row
    }
    for (const [seq, tr] of state.parkedRows) {
      if (!seen.has(seq)) {
        tr.remove();
        state.parkedRows.delete(seq);
      }
    }
    $('parked-none').hidden = list.length > 0;
  }

  // ---- sign-in ----

  function basic(user, password) {
    const bytes = new TextEncoder().encode(`${user}:${password}`);
    let binary = '';
    for (const b of bytes) binary += String.fromCharCode(b);
    return 'Basic ' + btoa(binary);
  }

  function needSignIn(refused) {
    state.authRequired = true;
    $('main').hidden = true;
    $('sign-in').hidden = false;
    $('sign-out').hidden = true;
    setText($('who'), '');
    showMessage(refused && state.auth
      ? 'Refused (401): the server did not accept these credentials.'
      : 'Sign in: this server needs the API\u2019s credentials.', 'error');
    stop();
  }

  function signedIn() {
    $('sign-in').hidden = true;
    $('main').hidden = false;
    $('sign-out').hidden = !state.authRequired;
    setText($('who'), state.authRequired ? state.who : '');
  }

  $('sign-in').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const form = ev.target;
    const key = form.apikey.value.trim();
    if (key) {
      state.auth = 'Bearer ' + key;
      state.who = 'API key';
    } else {
      state.auth = basic(form.user.value, form.password.value);
      state.who = form.user.value;
    }
    form.password.value = '';
    form.apikey.value = '';
    sessionStorage.setItem(AUTH_KEY, state.auth);
    sessionStorage.setItem(AUTH_KEY + '.who', state.who);
    clearMessage();
    start();
  });

  $('sign-out').addEventListener('click', () => {
    state.auth = null;
    sessionStorage.removeItem(AUTH_KEY);
    sessionStorage.removeItem(AUTH_KEY + '.who');
    needSignIn(false);
  });

  // ---- forms ----

  $('add-namespace').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const ns = ev.target.ns.value.trim();
    if (!ns) return;
    if (!state.namespaces.includes(ns)) state.namespaces.push(ns);
    ev.target.ns.value = '';
    saveNamespaces();
    refreshSoon();
  });

  $('reset').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const sel = state.selected;
    if (!sel) return;
    const firstEvent = ev.target.firstEvent.value.trim();
    operate(`reset to ${firstEvent}`, sel.ns, sel, () => api('POST', subscriptionPath(sel.ns, sel.id, '/reset'), { firstEvent }));
  });

  $('replay-all').addEventListener('click', () => {
    const sel = state.selected;
    if (sel) operate('replay all', sel.ns, sel, () => api('POST', subscriptionPath(sel.ns, sel.id, '/parked/replay'), {}));
  });

  $('discard-all').addEventListener('click', () => {
    const sel = state.selected;
    if (sel) operate('discard all', sel.ns, sel, () => api('DELETE', subscriptionPath(sel.ns, sel.id, '/parked')));
  });

  $('detail-close').addEventListener('click', closeDetail);

  // ---- the loop ----

  // One refresh at a time: a request for another while one runs (after an operation) makes the
  // next one follow at once.
  let busy = false;
  let again = false;

  async function refresh() {
    if (busy) {
      again = true;
      return;
    }
    busy = true;
    clearTimeout(state.timer);
    try {
      showServer(await api('GET', '/status'));
      signedIn();
      await Promise.all(state.namespaces.map(refreshNamespace));
      await refreshParked();
      clearMessage('stale');
      setText($('updated'), 'updated ' + new Date().toLocaleTimeString());
      $('live').classList.toggle('tick');
    } catch (e) {
      if (e.status === 401) needSignIn(true);
      else showMessage(describe(e), 'stale');
    } finally {
      busy = false;
    }
    if (state.running) state.timer = setTimeout(refresh, again ? 0 : POLL_MS);
    again = false;
  }

  function refreshSoon() {
    if (state.running) refresh();
  }

  function start() {
    state.running = true;
    refresh();
  }

  function stop() {
    state.running = false;
    clearTimeout(state.timer);
  }

  start();
})();
