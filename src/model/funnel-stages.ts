import { FunnelscopeError } from './errors.js';

/**
 * The six stages of a business's funnel (DESIGN §3) and their top / middle / bottom of funnel, and how CRM deal
 * stages map onto them by default (docs/metrics.md, "Funnel stages"). A user's `--stage-map` overrides the defaults.
 */
export const funnelStages = ['awareness', 'interest', 'consideration', 'intent', 'evaluation', 'action'] as const;
export type FunnelStage = (typeof funnelStages)[number];

export type FunnelSection = 'TOFU' | 'MOFU' | 'BOFU';

export const sectionOf: Readonly<Record<FunnelStage, FunnelSection>> = {
  awareness: 'TOFU',
  interest: 'TOFU',
  consideration: 'MOFU',
  intent: 'MOFU',
  evaluation: 'BOFU',
  action: 'BOFU',
};

/** Deal stage names → funnel stage, first match wins (case-insensitive). */
const defaultDealStageRules: readonly [RegExp, FunnelStage][] = [
  [/won|customer|purchase|paid|signed/i, 'action'],
  [/proposal|quote|negotiat|contract|evaluat|trial|decision/i, 'evaluation'],
  [/qualif|sql|discovery|demo|meeting|opportunit/i, 'intent'],
  [/lead|mql|new|subscriber|contact/i, 'consideration'],
];

/**
 * The funnel stage of a deal stage: the user's mapping (keys lower-case, as parseStageMap makes them), else the
 * default rules; null when neither names one. Case is ignored both ways.
 */
export function funnelStageOf(
  dealStage: string,
  mapping: Readonly<Record<string, FunnelStage>> = {},
): FunnelStage | null {
  const given = mapping[dealStage.toLowerCase()];
  if (given) return given;
  return defaultDealStageRules.find(([pattern]) => pattern.test(dealStage))?.[1] ?? null;
}

/** `lead=interest,qualified=intent` → a mapping; names the bad entry. */
export function parseStageMap(text: string): Record<string, FunnelStage> {
  const mapping: Record<string, FunnelStage> = {};
  for (const entry of text
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean)) {
    const at = entry.lastIndexOf('=');
    const stage = entry
      .slice(at + 1)
      .trim()
      .toLowerCase();
    if (at <= 0 || !(funnelStages as readonly string[]).includes(stage)) {
      throw new FunnelscopeError(
        'invalid_argument',
        `--stage-map: "${entry}" should be DEAL_STAGE=FUNNEL_STAGE with a funnel stage among ${funnelStages.join(', ')}`,
        { field: '--stage-map' },
      );
    }
    mapping[entry.slice(0, at).trim().toLowerCase()] = stage as FunnelStage;
  }
  return mapping;
}
