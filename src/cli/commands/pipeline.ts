import type { Distribution, PipelineReport, Rate } from '../../analysis/pipeline/report.js';
import { runPipeline } from '../../analysis/pipeline/run-pipeline.js';
import type { Config } from '../../config.js';
import { flagName, pipelineSpec } from '../../model/report-requests.js';
import { withStore } from '../open-store.js';
import { formatCount, formatPercent, formatTable, type Output } from '../output.js';

export interface PipelineCommandOptions {
  by?: string;
  stages?: string;
  asOf?: string;
  minCount?: string;
  stageMap?: string;
  format?: 'json' | 'table';
}

/** `funnelscope pipeline`: the deals' pipeline (docs/metrics.md), as a table on a terminal or JSON. */
export async function pipelineCommand(
  config: Config,
  options: PipelineCommandOptions,
  output: Output,
): Promise<number> {
  const spec = pipelineSpec(config.project, { ...options }, flagName, Date.now());
  const records = await withStore(config, (store) => store.dealRecords(config.project));
  const report = runPipeline(records, spec);
  if ((options.format ?? 'table') === 'json') output.out(JSON.stringify(report, null, 2));
  else output.out(pipelineTable(report));
  return 0;
}

const percent = (x: number | null) => (x === null ? '–' : `${formatPercent(x)}%`);
const number = (x: number | null | undefined, digits = 1) =>
  x === null || x === undefined
    ? '–'
    : x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

function rateText(r: Rate, minCount: number): string {
  if (r.denominator === 0) return '–';
  if (!r.enoughData) return `n<${minCount} (${r.numerator}/${r.denominator})`;
  return `${percent(r.rate)} (${percent(r.interval?.lower ?? null)}–${percent(r.interval?.upper ?? null)})`;
}

function distributionText(d: Distribution | null, unit: string, minCount: number): string {
  if (!d || d.count === 0) return '–';
  if (!d.enoughData) return `n<${minCount}`;
  const interval = d.medianInterval ? ` (${number(d.medianInterval.lower)}–${number(d.medianInterval.upper)})` : '';
  return `median ${number(d.median)}${unit}${interval} · mean ${number(d.mean)}${unit} · p80 ${number(d.p80)}${unit}`;
}

export function pipelineTable(r: PipelineReport): string {
  const s = r.summary;
  const lines = [
    `pipeline of project ${r.project}, as of ${r.asOf.slice(0, 10)} (stage order ${r.stageOrder}; figures over fewer than ${r.minCount} deals say n<${r.minCount})`,
    `deals        ${formatCount(s.created)} created · ${formatCount(s.open)} open · ${formatCount(s.won)} won · ${formatCount(s.lost)} lost`,
    `win rate     ${rateText(s.winRate, r.minCount)} of closed · ${rateText(s.winRateOfCreated, r.minCount)} of created`,
    `deal size    ${s.currencyProblem ?? `${distributionText(s.dealSize, '', r.minCount)}${s.currency ? ` ${s.currency}` : ''} (won deals)`}`,
    `sales cycle  ${distributionText(s.salesCycleDays, ' d', r.minCount)} (created → won)`,
    `velocity     ${s.velocityPerDay === null ? '–' : `${number(s.velocityPerDay)}${s.currency ? ` ${s.currency}` : ''} expected won value per day`}`,
  ];
  if (r.stageConversion.length > 0) {
    lines.push(
      '',
      formatTable(
        ['stage → next', 'reached', 'conversion (95% interval)', 'median days', 'p80 days', 'open now'],
        r.stageConversion.map((c, i) => {
          const time = r.timeInStage[i];
          const enough = time?.days.enoughData ?? false;
          return [
            `${c.from} → ${c.to}`,
            formatCount(c.conversion.denominator),
            rateText(c.conversion, r.minCount),
            enough ? number(time?.days.median) : `n<${r.minCount}`,
            enough ? number(time?.days.p80) : '',
            formatCount(time?.openDeals ?? 0),
          ];
        }),
      ),
    );
  }
  if (r.funnelStageConversion.length > 0) {
    lines.push(
      '',
      `funnel stages: ${r.stageMap.map((m) => `${m.stage} = ${m.funnelStage ?? 'unmapped'}${m.section ? ` (${m.section})` : ''}`).join(', ')}, won = action (BOFU)`,
      formatTable(
        ['funnel stage → next', 'reached', 'conversion (95% interval)'],
        r.funnelStageConversion.map((c) => [
          `${c.from} → ${c.to}`,
          formatCount(c.conversion.denominator),
          rateText(c.conversion, r.minCount),
        ]),
      ),
    );
  }
  if (r.lostReasons.length > 0) {
    lines.push(
      '',
      formatTable(
        ['lost reason', 'deals', 'share'],
        r.lostReasons.map((l) => [l.reason, formatCount(l.deals), percent(l.share)]),
      ),
    );
  }
  if (r.aging.length > 0) {
    lines.push('', `open deals past their stage's 80th percentile: ${r.aging.length} (most overdue first, at most 10)`);
    lines.push(
      formatTable(
        ['deal', 'stage', 'days in stage', 'stage p80', 'owner', 'amount'],
        r.aging
          .slice(0, 10)
          .map((a) => [
            a.dealId,
            a.stage,
            number(a.daysInStage),
            number(a.stageP80Days),
            a.owner ?? '',
            a.amount === null ? '' : number(a.amount, 0),
          ]),
      ),
    );
  }
  if (r.by) {
    lines.push(
      '',
      formatTable(
        [r.by.dimension, 'created', 'open', 'won', 'lost', 'win rate (of closed)', 'median cycle d', 'velocity/day'],
        r.by.groups.map((g) => [
          g.key,
          formatCount(g.created),
          formatCount(g.open),
          formatCount(g.won),
          formatCount(g.lost),
          rateText(g.winRate, r.minCount),
          g.salesCycleDays.enoughData
            ? number(g.salesCycleDays.median)
            : g.salesCycleDays.count
              ? `n<${r.minCount}`
              : '–',
          g.velocityPerDay === null ? '–' : number(g.velocityPerDay),
        ]),
      ),
    );
  }
  for (const q of r.dataQuirks) lines.push('', `note: ${formatCount(q.deals)} deal(s) ${q.quirk}: ${q.handling}`);
  return lines.join('\n');
}
