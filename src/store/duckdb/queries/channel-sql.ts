import {
  affiliateMedium,
  clickIdSources,
  defaultReferralExclusions,
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

/** A key of the events table's JSON properties as text ('$…' keys too). */
const propertyText = (name: string) => `NULLIF(json_extract_string(properties, ${stringLiteral(`$."${name}"`)}), '')`;

/**
 * The channel grouping's inputs in the events table's shape (stored events, and stage_events before they are
 * stored): the explicit channel and the click ids read from the JSON properties.
 */
export const storedChannelInputs: ChannelInputs = {
  // Identify and group calls keep traits in `properties`, not event properties: no explicit channel there.
  explicit: `CASE WHEN type IN ('identify', 'group', 'alias') THEN NULL ELSE coalesce(${propertyText('channel')}, ${propertyText('$channel')}) END`,
  url: 'url',
  referrer: 'referrer',
  source: 'utm_source',
  medium: 'utm_medium',
  property: propertyText,
};

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
  /** A condition on a referrer host that the project excludes besides the defaults (none: only the defaults). */
  excludedHost?: (host: string) => string;
}

/** A source or host whose dot/space/dash-separated labels include one of `labels`. */
function labelPattern(labels: readonly string[]): string {
  const escaped = labels.map((l) => l.replaceAll('.', '\\.'));
  return stringLiteral(`(^|[.\\s_-])(${escaped.join('|')})([.\\s_-]|$)`);
}

/** The host of a URL, lower-cased, without `www.` ('' when the text is no URL). */
export function hostOf(url: string): string {
  return `regexp_replace(lower(regexp_extract(${url}, '^[a-zA-Z][a-zA-Z0-9+.-]*://(?:[^/?#@]*@)?([^/?#:]*)', 1)), '^www\\.', '')`;
}

function clickIdSql(names: readonly string[], inputs: ChannelInputs): string {
  const inUrl = `regexp_matches(coalesce(${inputs.url}, ''), ${stringLiteral(`[?&#](${names.join('|')})=[^&#]`)})`;
  return `(${names.map((n) => `${inputs.property(n)} IS NOT NULL`).join(' OR ')} OR ${inUrl})`;
}

/** A host that is one of `hosts` or a subdomain of one. */
function hostIn(host: string, hosts: readonly string[]): string {
  const escaped = hosts.map((h) => h.replaceAll('.', '\\.'));
  return `coalesce(regexp_matches(${host}, ${stringLiteral(`(^|\\.)(${escaped.join('|')})$`)}), false)`;
}

/**
 * A referrer that brings a new source: present, on another host than the page, and not excluded (the default
 * payment and sign-in providers, and the project's own list).
 */
function externalReferrer(inputs: ChannelInputs): { host: string; external: string } {
  const host = hostOf(inputs.referrer);
  const excluded = `(${hostIn(host, defaultReferralExclusions)}${inputs.excludedHost ? ` OR ${inputs.excludedHost(host)}` : ''})`;
  return {
    host,
    external: `(${inputs.referrer} IS NOT NULL AND ${host} <> '' AND ${host} IS DISTINCT FROM ${hostOf(inputs.url)} AND NOT ${excluded})`,
  };
}

/** The first ad click id present (fbclid aside), as the source or medium it implies; NULL when there is none. */
function clickIdPair(inputs: ChannelInputs, part: 0 | 1): string {
  const cases = Object.entries(clickIdSources)
    .filter(([name]) => name !== 'fbclid')
    .map(([name, pair]) => `WHEN ${clickIdSql([name], inputs)} THEN ${stringLiteral(pair[part])}`);
  return `CASE ${cases.join(' ')} END`;
}

/** An event with no web context (no URL, referrer or UTM tag): a server-side event, with no source or channel. */
function noWebContext(inputs: ChannelInputs): string {
  return `(${inputs.url} IS NULL AND ${inputs.referrer} IS NULL AND ${inputs.source} IS NULL AND ${inputs.medium} IS NULL)`;
}

/**
 * The source of an event (docs/channels.md): what an ad click id implies (auto-tagging wins over UTM tags, as in
 * GA4); else its UTM source; `(not set)` for a UTM medium without a source; `facebook` for an fbclid; the host of
 * an external referrer; `(direct)` for any other web event; NULL without web context.
 */
export function sourceSql(given: ChannelInputs): string {
  const inputs = { ...given, source: `NULLIF(${given.source}, '')`, medium: `NULLIF(${given.medium}, '')` };
  const { host, external } = externalReferrer(inputs);
  return `CASE
    WHEN ${noWebContext(inputs)} THEN NULL
    WHEN ${clickIdPair(inputs, 0)} IS NOT NULL THEN ${clickIdPair(inputs, 0)}
    WHEN ${inputs.source} IS NOT NULL THEN ${inputs.source}
    WHEN ${inputs.medium} IS NOT NULL THEN '(not set)'
    WHEN ${clickIdSql(['fbclid'], inputs)} THEN 'facebook'
    WHEN ${external} THEN ${host}
    ELSE '(direct)' END`;
}

/**
 * The medium of an event: what an ad click id implies; else its UTM medium; `(not set)` for a UTM source without
 * a medium; `social` for an fbclid; for an external referrer `email` (a web mail host), `organic` (a search
 * engine), `social` (a social network) or `referral`; `(none)` for any other web event; NULL without web context.
 */
export function mediumSql(given: ChannelInputs): string {
  const inputs = { ...given, source: `NULLIF(${given.source}, '')`, medium: `NULLIF(${given.medium}, '')` };
  const { host, external } = externalReferrer(inputs);
  const matches = (value: string, pattern: string) => `coalesce(regexp_matches(${value}, ${pattern}), false)`;
  return `CASE
    WHEN ${noWebContext(inputs)} THEN NULL
    WHEN ${clickIdPair(inputs, 1)} IS NOT NULL THEN ${clickIdPair(inputs, 1)}
    WHEN ${inputs.medium} IS NOT NULL THEN ${inputs.medium}
    WHEN ${inputs.source} IS NOT NULL THEN '(not set)'
    WHEN ${clickIdSql(['fbclid'], inputs)} THEN 'social'
    WHEN ${external} AND ${host} IN (${webmailHosts.map((h) => stringLiteral(h)).join(', ')}) THEN 'email'
    WHEN ${external} AND ${matches(host, labelPattern(searchSources))} THEN 'organic'
    WHEN ${external} AND ${matches(host, labelPattern(socialSources))} THEN 'social'
    WHEN ${external} THEN 'referral'
    ELSE '(none)' END`;
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
  const { host: refHost, external } = externalReferrer(inputs);
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
    WHEN ${clickIdSql(['fbclid'], inputs)} THEN 'Organic Social'
    WHEN ${external} AND ${matches(refHost, social)} THEN 'Organic Social'
    WHEN ${external} AND ${matches(refHost, search)} THEN 'Organic Search'
    WHEN ${external} THEN 'Referral'
    ELSE 'Direct' END`;
}
