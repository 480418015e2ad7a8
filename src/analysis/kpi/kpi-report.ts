import type { ColumnCache } from '../../engine/column-cache.js';
import type { FunnelDefinition } from '../../model/funnel-definition.js';
import type { Store } from '../../store/store.js';
import type { FunnelReport } from '../funnel/report.js';
import { type RunOptions, runFunnel } from '../funnel/run-funnel.js';
import { monthlyVisitors } from './monthly-visitors.js';
import type { KpiReport } from './report.js';
import { type KpiSpec, runKpi } from './run-kpi.js';

/**
 * The `kpi` report (docs/metrics.md) from the store: spend, deals and monthly visitors in, unit economics out; with
 * a funnel definition, also that funnel over the same period unless the definition names one. Shared by the CLI
 * and the JSON API.
 */
export async function kpiReport(
  store: Pick<Store, 'spendAndDeals'>,
  cache: ColumnCache,
  spec: KpiSpec,
  funnel: FunnelDefinition | null,
  options: RunOptions = {},
): Promise<KpiReport & { funnel: FunnelReport | null }> {
  const inputs = {
    ...(await store.spendAndDeals(spec.project)),
    visitors: await monthlyVisitors(cache, spec.project),
  };
  const funnelReport = funnel
    ? await runFunnel(
        cache,
        spec.project,
        { ...funnel, dateFrom: funnel.dateFrom ?? spec.from, dateTo: funnel.dateTo ?? spec.to },
        options,
      )
    : null;
  return { ...runKpi(inputs, spec), funnel: funnelReport };
}
