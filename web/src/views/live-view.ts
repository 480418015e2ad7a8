import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { api, type LiveReport } from '../api-client.js';

/** Events arriving now: the last 15 minutes, refreshed every 2 seconds, so wiring up a snippet shows at once. */
export function LiveView(props: { project: string }) {
  const [live, setLive] = useState<LiveReport | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let stopped = false;
    const poll = () =>
      api
        .live(props.project)
        .then((r) => {
          if (stopped) return;
          setLive(r);
          setError(null);
        })
        .catch((e: Error) => setError(e.message));
    void poll();
    const timer = setInterval(poll, 2000);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, []);

  if (error) return html`<p class="error" role="alert">${error}</p>`;
  if (!live) return html`<p class="muted" aria-live="polite">Listening…</p>`;
  const total = live.perMinute.reduce((sum, m) => sum + m.events, 0);
  const top = Math.max(1, ...live.perMinute.map((m) => m.events));
  return html`
    <p class="muted" aria-live="polite" data-live-total=${total}>
      ${total.toLocaleString('en-US')} events in the last ${live.minutes} minutes${live.waiting > 0 ? `, ${live.waiting} more being stored` : ''}.
      Refreshes every 2 seconds.
    </p>
    ${
      total === 0
        ? html`<div class="empty">
          Nothing arrived yet. Add the snippet to a page
          (<code>&lt;script src="${location.origin}/fs.js" data-write-key="WRITE_KEY" async&gt;&lt;/script&gt;</code>)
          or send an event with an SDK; it shows here within seconds.
        </div>`
        : html`<div class="minutes" aria-label="Events per minute">
            ${live.perMinute.map(
              (m) => html`<div class="minute" title=${`${m.minute.slice(11, 16)}: ${m.events}`}
                style=${`height: ${Math.max(4, (m.events / top) * 60)}px`}></div>`,
            )}
          </div>
          <table aria-label="Latest events">
            <thead><tr><th>Arrived</th><th>Event</th><th>Who</th><th>Page</th></tr></thead>
            <tbody>
              ${live.events.map(
                (e) => html`<tr data-live-event=${e.event}>
                  <td>${e.receivedAt.slice(11, 19)}</td><td>${e.event}</td><td>${e.distinctId}</td><td>${e.path ?? ''}</td>
                </tr>`,
              )}
            </tbody>
          </table>`
    }
  `;
}
