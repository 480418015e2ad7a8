import type { EChartsType } from 'echarts/core';
import { html } from 'htm/preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { type AttributionReport, api, type EventName } from '../api-client.js';
import { draw } from '../chart-host.js';
import { attributionHeight, attributionOption, modelLabels } from '../charts/attribution-chart.js';
import { money, percent } from '../format.js';

type Model = AttributionReport['models'][number];

const one = (x: number) => x.toFixed(1);
const times = (x: number | null) => (x === null ? '–' : `${x.toFixed(2)}×`);

/**
 * Attribution (docs/attribution.md): which channels earned the conversions, by every model side by side, with
 * intervals, ROAS and CAC, Markov removal effects and the cross-device shift. The request is in the URL
 * (`?view=attribution&conversion=deal_won&lookback=90d`).
 */
export function AttributionView(props: { project: string }) {
  const params = new URLSearchParams(location.search);
  const [conversion, setConversion] = useState(params.get('conversion') ?? 'deal_won');
  const [lookback, setLookback] = useState(params.get('lookback') ?? '30d');
  const [shown, setShown] = useState<Model[]>(['first_touch', 'last_touch', 'linear', 'markov', 'shapley']);
  const [events, setEvents] = useState<EventName[]>([]);
  const [report, setReport] = useState<AttributionReport | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const chartElement = useRef<HTMLDivElement>(null);
  const chart = useRef<EChartsType | null>(null);

  const run = (nextConversion: string, nextLookback: string) => {
    const next = new URLSearchParams(location.search);
    next.set('conversion', nextConversion);
    next.set('lookback', nextLookback);
    history.replaceState(null, '', `?${next}`);
    setLoading(true);
    setError(null);
    api
      .attribution(props.project, { conversion: nextConversion, lookback: nextLookback })
      .then(setReport)
      .catch((e: Error) => setError(e.message))
      .finally(() => setLoading(false));
  };

  useEffect(() => {
    run(conversion, lookback);
    api
      .events(props.project)
      .then((r) => setEvents(r.events))
      .catch((e: Error) => setError(e.message));
  }, []);

  useEffect(() => {
    if (report && chartElement.current && shown.length > 0) {
      chart.current = draw(
        chartElement.current,
        attributionOption(report, shown),
        chart.current,
        attributionHeight(report, shown.length),
      );
    }
  }, [report, shown]);

  const controls = html`<section class="builder" aria-label="Attribution request">
    <div class="row">
      <label for="conversion">Conversion</label>
      <select id="conversion" value=${conversion} onChange=${(e: Event) => setConversion((e.target as HTMLSelectElement).value)}>
        <option value="deal_won">a deal won</option>
        ${events.filter((e) => !e.event.startsWith('$')).map((e) => html`<option value=${e.event}>${e.event}</option>`)}
        ${
          conversion !== 'deal_won' && !events.some((e) => e.event === conversion)
            ? html`<option value=${conversion}>${conversion}</option>`
            : null
        }
      </select>
      <label for="lookback">Lookback</label>
      <select id="lookback" value=${lookback} onChange=${(e: Event) => setLookback((e.target as HTMLSelectElement).value)}>
        ${['7d', '14d', '30d', '60d', '90d', '180d'].map((d) => html`<option value=${d}>${d.replace('d', ' days')}</option>`)}
        ${['7d', '14d', '30d', '60d', '90d', '180d'].includes(lookback) ? null : html`<option value=${lookback}>${lookback}</option>`}
      </select>
      <button type="button" class="primary" onClick=${() => run(conversion, lookback)}>Run</button>
    </div>
    <fieldset>
      <legend>Models in the chart</legend>
      <div class="row">
        ${(report?.models ?? (Object.keys(modelLabels) as Model[])).map(
          (m) => html`<label class="check">
            <input type="checkbox" checked=${shown.includes(m)}
              onChange=${(e: Event) =>
                setShown(
                  (e.target as HTMLInputElement).checked
                    ? [...shown, m].sort(
                        (a, b) => Object.keys(modelLabels).indexOf(a) - Object.keys(modelLabels).indexOf(b),
                      )
                    : shown.filter((x) => x !== m),
                )} />
            ${modelLabels[m]}
          </label>`,
        )}
      </div>
    </fieldset>
  </section>`;

  if (error) return html`${controls}<p class="error" role="alert">${error}</p>`;
  if (!report) return html`${controls}<p class="muted" aria-live="polite">Attributing…</p>`;
  const t = report.totals;
  if (t.conversions === 0) {
    return html`${controls}
      <div class="empty">No ${report.conversion} conversions from ${report.from} to ${report.to}. Pick another
        conversion, or import deals (docs/ingestion.md) or run <code>funnelscope demo</code>.</div>`;
  }
  const paid = report.channels.filter((c) => c.spend > 0);
  return html`${controls}
    ${loading ? html`<p class="muted" aria-live="polite">Attributing…</p>` : null}
    <p class="muted" data-attribution-summary>
      ${`${t.conversions.toLocaleString('en-US')} ${report.conversion} conversions (${money(t.revenue)}${report.currency ? ` ${report.currency}` : ''}), ${report.from} … ${report.to}; lookback ${report.settings.lookbackDays} days; ${t.withoutTouchpoint.toLocaleString('en-US')} without a touchpoint; ${t.touchpoints.toLocaleString('en-US')} sessions.`}
    </p>
    <div class="chart" ref=${chartElement} role="img" aria-label="Credited conversions per channel and model"></div>
    <h2>Conversions credited</h2>
    <div class="scroll">
      <table aria-label="Conversions credited by model">
        <thead><tr><th>Channel</th>${report.models.map((m) => html`<th>${modelLabels[m]}</th>`)}<th>Linear 95%</th></tr></thead>
        <tbody>
          ${report.channels.map(
            (c) => html`<tr data-attribution-channel=${c.channel}>
              <td>${c.channel}</td>
              ${report.models.map((m) => html`<td data-model=${m} data-credit=${c.credits[m].conversions}>${one(c.credits[m].conversions)}</td>`)}
              <td>${c.credits.linear.conversionsInterval ? `${one(c.credits.linear.conversionsInterval.lower)}–${one(c.credits.linear.conversionsInterval.upper)}` : '–'}</td>
            </tr>`,
          )}
        </tbody>
      </table>
    </div>
    ${
      paid.length > 0 && t.revenue > 0
        ? html`<h2>ROAS by model (credited revenue ÷ spend)</h2>
          <div class="scroll">
            <table aria-label="ROAS by model">
              <thead><tr><th>Channel</th><th>Spend</th>${report.models.map((m) => html`<th>${modelLabels[m]}</th>`)}</tr></thead>
              <tbody>
                ${paid.map(
                  (c) => html`<tr data-roas-channel=${c.channel}>
                    <td>${c.channel}</td><td>${money(c.spend)}</td>
                    ${report.models.map((m) => html`<td data-model=${m} data-roas=${c.credits[m].roas ?? ''}>${times(c.credits[m].roas)}</td>`)}
                  </tr>`,
                )}
              </tbody>
            </table>
          </div>`
        : null
    }
    ${
      paid.length > 0
        ? html`<h2>Cost per ${report.conversion === 'deal_won' ? 'customer (CAC)' : 'conversion'} by model (spend ÷ credited conversions)</h2>
          <div class="scroll">
            <table aria-label="Cost per conversion by model">
              <thead><tr><th>Channel</th><th>Spend</th>${report.models.map((m) => html`<th>${modelLabels[m]}</th>`)}</tr></thead>
              <tbody>
                ${paid.map(
                  (c) => html`<tr data-cac-channel=${c.channel}>
                    <td>${c.channel}</td><td>${money(c.spend)}</td>
                    ${report.models.map((m) => html`<td data-model=${m}>${money(c.credits[m].cac)}</td>`)}
                  </tr>`,
                )}
              </tbody>
            </table>
          </div>`
        : null
    }
    <h2>Markov removal effects</h2>
    <p class="muted">
      ${`Conversion probability ${percent(t.markovConversionProbability)} (order ${report.settings.markovOrder}); the share of it lost without each channel:`}
    </p>
    <ul>
      ${report.channels
        .filter((c) => c.removalEffect !== null)
        .map((c) => html`<li data-removal=${c.channel}>${c.channel}: ${percent(c.removalEffect)}</li>`)}
    </ul>
    <h2>Devices</h2>
    <p data-multi-device=${report.crossDevice.multiDevice}>
      ${`${report.crossDevice.multiDevice.toLocaleString('en-US')} conversions (${percent(report.crossDevice.share)}) involve more than one device. Without stitching devices, last touch would credit:`}
    </p>
    <div class="scroll">
      <table aria-label="Last touch with and without stitched devices">
        <thead><tr><th>Channel</th><th>Stitched</th><th>Not stitched</th><th>Shift</th></tr></thead>
        <tbody>
          ${report.crossDevice.channels.map((c) => {
            const stitched = report.channels.find((r) => r.channel === c.channel)?.credits.last_touch.conversions ?? 0;
            return html`<tr><td>${c.channel}</td><td>${one(stitched)}</td><td>${one(c.unstitched.last_touch)}</td>
              <td>${c.shift.last_touch >= 0 ? '+' : '−'}${one(Math.abs(c.shift.last_touch))}</td></tr>`;
          })}
        </tbody>
      </table>
    </div>
    ${report.notes.map((n) => html`<p class="muted">${n}</p>`)}`;
}
