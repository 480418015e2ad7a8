import type { EChartsType } from 'echarts/core';
import { html } from 'htm/preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, type EventName, type ForecastReport, type PipelineForecastReport } from '../api-client.js';
import { draw } from '../chart-host.js';
import { forecastOption } from '../charts/forecast-chart.js';
import { money } from '../format.js';

const pct = (x: number | null) => (x === null ? '–' : `${x.toFixed(1)}%`);

/**
 * Forecasts (docs/forecasting.md): a series (revenue, deals won, leads or an event's conversions) with its ETS
 * forecast, intervals and backtest, and what the open deals will bring in per month. The request is in the URL
 * (`?view=forecast&metric=revenue&by=month&horizon=6`).
 */
export function ForecastView(props: { project: string }) {
  const params = new URLSearchParams(location.search);
  const [metric, setMetric] = useState(params.get('metric') ?? 'revenue');
  const [event, setEvent] = useState(params.get('event') ?? '');
  const [by, setBy] = useState(params.get('by') ?? 'month');
  const [horizon, setHorizon] = useState(params.get('horizon') ?? '6');
  const [events, setEvents] = useState<EventName[]>([]);
  const [report, setReport] = useState<ForecastReport | null>(null);
  const [pipeline, setPipeline] = useState<PipelineForecastReport | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [pipelineError, setPipelineError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const chartElement = useRef<HTMLDivElement>(null);
  const chart = useRef<EChartsType | null>(null);

  const run = (query: Record<string, string>) => {
    const next = new URLSearchParams(location.search);
    for (const [k, v] of Object.entries(query)) next.set(k, v);
    history.replaceState(null, '', `?${next}`);
    setLoading(true);
    setError(null);
    api
      .forecast(props.project, query)
      .then(setReport)
      .catch((e: Error) => {
        setReport(null);
        setError(e.message);
      })
      .finally(() => setLoading(false));
  };
  const request = () => ({ metric, by, horizon, ...(metric === 'conversions' ? { event } : {}) });

  useEffect(() => {
    run(request());
    api
      .pipelineForecast(props.project, {})
      .then(setPipeline)
      .catch((e: Error) => setPipelineError(e.message));
    api
      .events(props.project)
      .then((r) => setEvents(r.events))
      .catch(() => undefined);
  }, []);

  useEffect(() => {
    if (report && chartElement.current && report.forecast.length > 0) {
      chart.current = draw(chartElement.current, forecastOption(report), chart.current);
    }
  }, [report]);

  return html`<section class="builder" aria-label="Forecast">
      <div class="row">
        <label for="metric">Series</label>
        <select id="metric" value=${metric} onChange=${(e: Event) => setMetric((e.target as HTMLSelectElement).value)}>
          <option value="revenue">revenue (won deals)</option>
          <option value="deals_won">deals won</option>
          <option value="leads">leads (deals created)</option>
          <option value="conversions">conversions (an event)</option>
        </select>
        ${
          metric === 'conversions'
            ? html`<label for="event">Event</label>
              <select id="event" value=${event} onChange=${(e: Event) => setEvent((e.target as HTMLSelectElement).value)}>
                <option value="">choose…</option>
                ${events.filter((e) => !e.event.startsWith('$')).map((e) => html`<option value=${e.event}>${e.event}</option>`)}
              </select>`
            : null
        }
        <label for="by">By</label>
        <select id="by" value=${by} onChange=${(e: Event) => setBy((e.target as HTMLSelectElement).value)}>
          <option value="month">month</option>
          <option value="week">week</option>
        </select>
        <label for="horizon">Periods ahead</label>
        <input id="horizon" class="narrow" value=${horizon} onChange=${(e: Event) => setHorizon((e.target as HTMLInputElement).value)} />
        <button type="button" class="primary" onClick=${() => run(request())}>Forecast</button>
      </div>
    </section>
    ${error ? html`<p class="error" role="alert">${error}</p>` : null}
    ${loading ? html`<p class="muted" aria-live="polite">Forecasting…</p>` : null}
    ${
      report
        ? html`<p data-forecast-model=${report.model ?? ''}>
            ${report.model ? `${report.metric} by ${report.by}: ${report.model}, chosen by AICc over ${report.history.length} periods${report.currency ? ` (${report.currency})` : ''}.` : `${report.metric}: too few periods to forecast.`}
          </p>
          ${report.forecast.length > 0 ? html`<div class="chart" ref=${chartElement} role="img" aria-label="History and forecast with 80% and 95% intervals"></div>` : null}
          <div class="scroll">
            <table aria-label="Forecast">
              <thead><tr><th>Period</th><th>Forecast</th><th>80% interval</th><th>95% interval</th></tr></thead>
              <tbody>
                ${report.forecast.map(
                  (f) => html`<tr data-period=${f.period} data-value=${f.value}>
                    <td>${f.period}</td><td>${money(f.value)}</td>
                    <td>${money(f.lower80)} – ${money(f.upper80)}</td><td>${money(f.lower95)} – ${money(f.upper95)}</td>
                  </tr>`,
                )}
              </tbody>
            </table>
          </div>
          ${
            report.backtest
              ? html`<p class="muted">
                  ${`Backtest over ${report.backtest.origins} rolling origins, up to ${report.backtest.horizon} periods ahead; interval coverage ${report.backtest.coverage.map((c) => `${Math.round(c.level * 100)}%: ${Math.round(c.share * 100)}%`).join(', ')}.`}
                </p>
                <div class="scroll">
                  <table aria-label="Backtest">
                    <thead><tr><th>Model</th><th>MAPE</th><th>sMAPE</th><th>MASE</th></tr></thead>
                    <tbody>
                      ${report.backtest.models.map(
                        (m) => html`<tr data-backtest=${m.model}>
                          <td>${m.model}</td><td>${pct(m.accuracy.mape)}</td><td>${pct(m.accuracy.smape)}</td>
                          <td>${m.accuracy.mase === null ? '–' : m.accuracy.mase.toFixed(3)}</td>
                        </tr>`,
                      )}
                    </tbody>
                  </table>
                </div>`
              : null
          }
          ${report.notes.map((n) => html`<p class="muted">Note: ${n}.</p>`)}`
        : null
    }
    <h2>Pipeline</h2>
    ${pipelineError ? html`<p class="error" role="alert">${pipelineError}</p>` : null}
    ${
      pipeline
        ? html`<p data-weighted=${pipeline.weightedPipeline}>
            ${`${pipeline.openDeals.toLocaleString('en-US')} open deals as of ${pipeline.asOf.slice(0, 10)}; weighted pipeline ${money(pipeline.weightedPipeline)}${pipeline.currency ? ` ${pipeline.currency}` : ''}. What they bring in per month (P10 / P50 / P90 of a Monte Carlo over every open deal's stage and age):`}
          </p>
          <div class="scroll">
            <table aria-label="Pipeline forecast">
              <thead><tr><th>Month</th><th>P10</th><th>P50</th><th>P90</th><th>Mean</th></tr></thead>
              <tbody>
                ${pipeline.months.map(
                  (m) => html`<tr data-month=${m.month} data-p50=${m.p50}>
                    <td>${m.month}</td><td>${money(m.p10)}</td><td>${money(m.p50)}</td><td>${money(m.p90)}</td><td>${money(m.mean)}</td>
                  </tr>`,
                )}
              </tbody>
            </table>
          </div>`
        : null
    }`;
}
