/*! funnelscope.js: page views, track and identify from the browser to a funnelscope server. MIT. */
// <script src="https://YOUR-SERVER/fs.js" data-write-key="fs_w_…" async></script>
// Options (attributes, or window.funnelscopeConfig before the script): data-host (default: where fs.js came from),
// data-require-consent="true" (send and store nothing until funnelscope.consent(true)), data-auto-page="false",
// data-spa="true" (a page view on every history change). Do Not Track and Global Privacy Control are honoured:
// then nothing is sent and no identifier is stored.
((w, d) => {
  const script = d.currentScript;
  const cfg = w.funnelscopeConfig || {};
  const attr = (name, fallback) => {
    let v = cfg[name];
    if (v === undefined && script) v = script.getAttribute('data-' + name.replace(/[A-Z]/g, '-$&').toLowerCase());
    return v === null || v === undefined ? fallback : v;
  };
  const key = attr('writeKey', '');
  const host = attr('host', script?.src ? script.src.replace(/\/fs\.js(\?.*)?$/, '') : '');
  const nav = w.navigator;
  const dnt = nav.doNotTrack === '1' || w.doNotTrack === '1' || nav.globalPrivacyControl === true;
  let consented = String(attr('requireConsent', 'false')) !== 'true';
  let queue = [];
  let timer = null;
  const AID = 'fs_aid';
  const UID = 'fs_uid';

  function store(name, value) {
    try {
      if (value === null) w.localStorage.removeItem(name);
      else w.localStorage.setItem(name, value);
    } catch (_e) {}
  }
  function load(name) {
    try {
      return w.localStorage.getItem(name);
    } catch (_e) {
      return null;
    }
  }
  function cookie(name, value) {
    if (value !== undefined) {
      d.cookie = name + '=' + encodeURIComponent(value) + ';path=/;max-age=' + (value ? 31536000 : 0) + ';SameSite=Lax';
      return value;
    }
    const m = d.cookie.match(new RegExp('(?:^|; )' + name + '=([^;]*)'));
    return m ? decodeURIComponent(m[1]) : null;
  }
  function uuid() {
    if (w.crypto?.randomUUID) return w.crypto.randomUUID();
    return 'xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx'.replace(/[xy]/g, (c) => {
      const r = (Math.random() * 16) | 0;
      return (c === 'x' ? r : (r & 3) | 8).toString(16);
    });
  }
  function anonymousId() {
    let id = cookie(AID) || load(AID);
    if (!id) id = uuid();
    cookie(AID, id);
    store(AID, id);
    return id;
  }
  function active() {
    return !dnt && consented && key;
  }

  // UTM tags and ad click ids of the landing URL, as properties and as Segment's context.campaign.
  const CLICK_IDS = ['gclid', 'gbraid', 'wbraid', 'fbclid', 'msclkid', 'ttclid', 'li_fat_id', 'twclid', 'dclid'];
  function campaign(props) {
    const q = new URLSearchParams(w.location.search);
    const c = {};
    ['source', 'medium', 'campaign', 'term', 'content'].forEach((k) => {
      const v = q.get('utm_' + k);
      if (v) {
        props['utm_' + k] = v;
        c[k === 'campaign' ? 'name' : k] = v;
      }
    });
    CLICK_IDS.forEach((k) => {
      const v = q.get(k);
      if (v) props[k] = v;
    });
    return c;
  }
  function context(extra) {
    const c = {
      library: { name: 'funnelscope.js', version: '1.0.0' },
      userAgent: nav.userAgent,
      locale: nav.language,
      page: { url: w.location.href, path: w.location.pathname, referrer: d.referrer, title: d.title },
      screen: { width: w.screen.width, height: w.screen.height },
    };
    for (const k in extra) c[k] = extra[k];
    return c;
  }

  function send(useBeacon) {
    if (timer) clearTimeout(timer);
    timer = null;
    if (!queue.length || !active()) return;
    const body = JSON.stringify({ batch: queue.splice(0, 100), writeKey: key, sentAt: new Date().toISOString() });
    const url = host + '/v1/batch';
    // text/plain keeps it a simple request (no CORS preflight); the server reads it as JSON.
    if (useBeacon && nav.sendBeacon?.(url, new Blob([body], { type: 'text/plain' }))) return;
    if (w.fetch) {
      w.fetch(url, { method: 'POST', body: body, keepalive: true, headers: { 'Content-Type': 'text/plain' } }).catch(
        () => {},
      );
    }
    if (queue.length) send(useBeacon);
  }
  function enqueue(message) {
    if (!active()) return;
    message.messageId = uuid();
    message.timestamp = new Date().toISOString();
    message.anonymousId = anonymousId();
    const userId = load(UID);
    if (userId && !message.userId) message.userId = userId;
    queue.push(message);
    if (queue.length >= 20) send(false);
    else if (!timer) timer = setTimeout(send, 1000);
  }

  const api = {
    page: (name, properties) => {
      const props = properties || {};
      const loc = w.location;
      props.url = props.url || loc.href;
      props.path = props.path || loc.pathname;
      props.referrer = props.referrer === undefined ? d.referrer : props.referrer;
      props.title = props.title || d.title;
      props.search = props.search || loc.search;
      const c = campaign(props);
      enqueue({ type: 'page', name: name || undefined, properties: props, context: context({ campaign: c }) });
    },
    track: (event, properties) => {
      enqueue({ type: 'track', event: event, properties: properties || {}, context: context({}) });
    },
    identify: (userId, traits) => {
      if (userId) store(UID, String(userId));
      enqueue({
        type: 'identify',
        userId: userId ? String(userId) : undefined,
        traits: traits || {},
        context: context({}),
      });
    },
    reset: () => {
      store(UID, null);
      store(AID, null);
      cookie(AID, '');
    },
    consent: (granted) => {
      consented = !!granted;
      if (!consented) {
        queue = [];
        api.reset();
      }
    },
    flush: () => {
      send(false);
    },
  };

  const pending = Array.isArray(w.funnelscope) ? w.funnelscope : [];
  w.funnelscope = api;
  d.addEventListener('visibilitychange', () => {
    if (d.visibilityState === 'hidden') send(true);
  });
  w.addEventListener('pagehide', () => {
    send(true);
  });
  if (String(attr('autoPage', 'true')) !== 'false') api.page();
  if (String(attr('spa', 'false')) === 'true') {
    let last = w.location.href;
    const changed = () => {
      if (w.location.href !== last) {
        last = w.location.href;
        api.page();
      }
    };
    ['pushState', 'replaceState'].forEach((m) => {
      const original = w.history[m];
      w.history[m] = (...args) => {
        const result = original.apply(w.history, args);
        changed();
        return result;
      };
    });
    w.addEventListener('popstate', changed);
  }
  // Calls made before the script loaded: window.funnelscope = [['track', 'Clicked', {…}], …].
  pending.forEach((call) => {
    if (api[call[0]]) api[call[0]].apply(null, call.slice(1));
  });
})(window, document);
