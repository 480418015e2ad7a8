import { type ChannelSettings, ruleFields } from '../../../model/channel-settings.js';
import { FunnelscopeError } from '../../../model/errors.js';
import type { DuckDBDatabase } from '../duckdb-database.js';
import { channelSql, hostOf, mediumSql, sourceSql, storedChannelInputs } from './channel-sql.js';

/**
 * A project's own channel grouping applied in SQL (docs/channels.md): its referral exclusions join the defaults,
 * then its rules (rows of `channel_rules`, patterns matched as data, never spliced) override the default channel of
 * events without an explicit `channel` property. The project is the bound parameter $project.
 */

const projectInputs = {
  ...storedChannelInputs,
  excludedHost: (host: string) =>
    `EXISTS (SELECT 1 FROM referral_exclusions x WHERE x.project_id = $project AND (${host} = x.host OR ${host} LIKE '%.' || x.host))`,
};

/** What each rule field is matched against: columns of the classified row. */
const ruleInputs: Record<(typeof ruleFields)[number], string> = {
  source: 'source',
  medium: 'medium',
  campaign: 'utm_campaign',
  referrer: hostOf('referrer'),
  url: 'url',
};

/** Whether the project has rules or referral exclusions of its own. */
export async function hasChannelSettings(db: DuckDBDatabase, project: string): Promise<boolean> {
  return Boolean(
    await db.value<boolean>(
      `SELECT EXISTS (SELECT 1 FROM channel_rules WHERE project_id = $project)
           OR EXISTS (SELECT 1 FROM referral_exclusions WHERE project_id = $project)`,
      { project },
    ),
  );
}

/**
 * Classifies the rows of `table` (events of $project, or all of stage_events) again: channel, source and medium
 * with the project's referral exclusions, then its rules.
 */
export async function classifyChannels(db: DuckDBDatabase, table: 'events' | 'stage_events', project: string) {
  const scope = table === 'events' ? 'WHERE project_id = $project' : '';
  const scoped = table === 'events' ? 'AND project_id = $project' : '';
  await db.run(
    `UPDATE ${table} SET channel = ${channelSql(projectInputs)}, source = ${sourceSql(projectInputs)},
       medium = ${mediumSql(projectInputs)} ${scope}`,
    { project },
  );
  // The rules as one CASE, in order, each pattern and channel a bound parameter ($p_i_field, $c_i): one pass over the
  // rows. Only web events (a default channel) and events without an explicit channel property are touched.
  const rules = await db.rows<Record<string, string | null> & { position: number; channel: string }>(
    'SELECT * FROM channel_rules WHERE project_id = $project ORDER BY position',
    { project },
  );
  if (rules.length === 0) return;
  const params: Record<string, string> = { project };
  const whens = rules.map((rule, i) => {
    params[`c_${i}`] = rule.channel;
    const conditions = ruleFields.flatMap((field) => {
      const pattern = rule[field];
      if (pattern === null || pattern === undefined) return [];
      params[`p_${i}_${field}`] = pattern;
      return [`regexp_matches(coalesce(${ruleInputs[field]}, ''), $p_${i}_${field}, 'i')`];
    });
    return `WHEN ${conditions.join(' AND ')} THEN $c_${i}`;
  });
  await db.run(
    `UPDATE ${table} SET channel = coalesce(CASE ${whens.join(' ')} END, channel)
     WHERE channel IS NOT NULL AND ${storedChannelInputs.explicit} IS NULL ${scoped}`,
    params,
  );
}

/** Checks each rule's patterns with DuckDB's own regular expressions (RE2), naming the one it cannot read. */
export async function checkRulePatterns(db: DuckDBDatabase, settings: ChannelSettings): Promise<void> {
  for (const [i, rule] of settings.rules.entries()) {
    for (const field of ruleFields) {
      const pattern = rule[field];
      if (pattern === undefined) continue;
      try {
        await db.value(`SELECT regexp_matches('', $pattern, 'i')`, { pattern });
      } catch (e) {
        throw new FunnelscopeError(
          'invalid_argument',
          `rules[${i}].${field}: not a regular expression DuckDB reads (${(e as Error).message.split('\n')[0]})`,
          { field: `rules[${i}].${field}` },
        );
      }
    }
  }
}

/** Replaces the project's settings (in the caller's transaction). */
export async function storeChannelSettings(db: DuckDBDatabase, project: string, settings: ChannelSettings) {
  await db.run('DELETE FROM channel_rules WHERE project_id = $project', { project });
  await db.run('DELETE FROM referral_exclusions WHERE project_id = $project', { project });
  for (const [position, rule] of settings.rules.entries()) {
    await db.run(
      `INSERT INTO channel_rules VALUES ($project, $position, $channel, $source, $medium, $campaign, $referrer, $url)`,
      {
        project,
        position,
        channel: rule.channel,
        source: rule.source ?? null,
        medium: rule.medium ?? null,
        campaign: rule.campaign ?? null,
        referrer: rule.referrer ?? null,
        url: rule.url ?? null,
      },
    );
  }
  for (const host of settings.referralExclusions) {
    await db.run('INSERT INTO referral_exclusions VALUES ($project, $host)', { project, host });
  }
  await db.run(
    `INSERT OR REPLACE INTO channel_settings (project_id, settings, updated_at)
     VALUES ($project, $settings, current_timestamp)`,
    { project, settings: JSON.stringify(settings) },
  );
}
