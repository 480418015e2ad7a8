import {
  affiliateMedium,
  displayClickIds,
  displayMedium,
  emailPattern,
  paidMedium,
  referralMedium,
  searchClickIds,
  searchSources,
  socialClickIds,
  socialMedium,
  socialSources,
  webmailHosts,
} from '../../../ingest/channels.js';
import { stringLiteral } from '../../sql/quote.js';

/** Column expressions of the normaliser's row that the channel grouping reads. */
export interface ChannelInputs {
  /** An explicit channel (a `channel` property), which wins. */
  explicit: string;
  url: string;
  referrer: string;
  source: string;
  medium: string;
  /** The value of a click-id property, by name (the URL's query is read too). */
  property: (name: string) => string;
}

/** A source or host whose dot/space/dash-separated labels include one of `labels`. */
function labelPattern(labels: readonly string[]): string {
  const escaped = labels.map((l) => l.replaceAll('.', '\\.'));
  return stringLiteral(`(^|[.\\s_-])(${escaped.join('|')})([.\\s_-]|$)`);
}

function hostOf(url: string): string {
  return `regexp_replace(lower(regexp_extract(${url}, '^[a-zA-Z][a-zA-Z0-9+.-]*://(?:[^/?#@]*@)?([^/?#:]*)', 1)), '^www\\.', '')`;
}

function clickIdSql(names: readonly string[], inputs: ChannelInputs): string {
  const inUrl = `regexp_matches(coalesce(${inputs.url}, ''), ${stringLiteral(`[?&#](${names.join('|')})=[^&#]`)})`;
  return `(${names.map((n) => `${inputs.property(n)} IS NOT NULL`).join(' OR ')} OR ${inUrl})`;
}

/**
 * The default channel group of an event (src/ingest/channels.ts, docs/channels.md): an explicit channel property
 * first; NULL for an event with no web context at all (no URL, referrer or UTM tag: a server-side event); then
 * UTM medium / source and ad click ids; without tags, the referrer's host (a referrer on the page's own host is
 * internal navigation); with none of these, Direct.
 */
export function channelSql(given: ChannelInputs): string {
  // An empty tag is no tag.
  const inputs = { ...given, source: `NULLIF(${given.source}, '')`, medium: `NULLIF(${given.medium}, '')` };
  const source = `lower(${inputs.source})`;
  const medium = `lower(${inputs.medium})`;
  const refHost = hostOf(inputs.referrer);
  const external = `(${inputs.referrer} IS NOT NULL AND ${refHost} <> '' AND ${refHost} IS DISTINCT FROM ${hostOf(inputs.url)})`;
  const search = labelPattern(searchSources);
  const social = labelPattern(socialSources);
  const matches = (value: string, pattern: string) => `coalesce(regexp_matches(${value}, ${pattern}), false)`;
  const paid = matches(medium, stringLiteral(paidMedium));
  return `CASE
    WHEN NULLIF(${inputs.explicit}, '') IS NOT NULL THEN ${inputs.explicit}
    WHEN ${inputs.url} IS NULL AND ${inputs.referrer} IS NULL AND ${inputs.source} IS NULL AND ${inputs.medium} IS NULL
      THEN NULL
    WHEN ${matches(medium, stringLiteral(displayMedium))} OR ${clickIdSql(displayClickIds, inputs)} THEN 'Display'
    WHEN ${clickIdSql(searchClickIds, inputs)} THEN 'Paid Search'
    WHEN ${clickIdSql(socialClickIds, inputs)} THEN 'Paid Social'
    WHEN ${paid} AND ${matches(source, search)} THEN 'Paid Search'
    WHEN ${paid} AND ${matches(source, social)} THEN 'Paid Social'
    WHEN ${matches(source, stringLiteral(emailPattern))} OR ${matches(medium, stringLiteral(emailPattern))}
      OR ${refHost} IN (${webmailHosts.map((h) => stringLiteral(h)).join(', ')}) THEN 'Email'
    WHEN ${matches(medium, stringLiteral(affiliateMedium))} THEN 'Affiliate'
    WHEN ${paid} THEN 'Other'
    WHEN ${matches(source, social)} OR ${matches(medium, stringLiteral(socialMedium))} THEN 'Organic Social'
    WHEN ${matches(source, search)} OR ${medium} = 'organic' THEN 'Organic Search'
    WHEN ${matches(medium, stringLiteral(referralMedium))} THEN 'Referral'
    WHEN ${inputs.source} IS NOT NULL OR ${inputs.medium} IS NOT NULL THEN 'Other'
    WHEN ${external} AND ${matches(refHost, social)} THEN 'Organic Social'
    WHEN ${external} AND ${matches(refHost, search)} THEN 'Organic Search'
    WHEN ${external} THEN 'Referral'
    ELSE 'Direct' END`;
}
