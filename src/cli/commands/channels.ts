import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../../config.js';
import type { ChannelSettings } from '../../model/channel-settings.js';
import { FunnelscopeError } from '../../model/errors.js';
import { DuckDBStore } from '../../store/duckdb/duckdb-store.js';
import { withStore } from '../open-store.js';
import { formatTable, type Output } from '../output.js';

function settingsText(settings: ChannelSettings): string {
  const lines = [
    settings.rules.length === 0
      ? 'No channel rules: the default grouping (docs/channels.md).'
      : formatTable(
          ['#', 'channel', 'source', 'medium', 'campaign', 'referrer', 'url'],
          settings.rules.map((r, i) => [
            String(i + 1),
            r.channel,
            r.source ?? '',
            r.medium ?? '',
            r.campaign ?? '',
            r.referrer ?? '',
            r.url ?? '',
          ]),
        ),
    `Referral exclusions besides the defaults: ${settings.referralExclusions.length === 0 ? 'none' : settings.referralExclusions.join(', ')}`,
  ];
  return lines.join('\n');
}

/** `funnelscope channels show`: the project's channel rules and referral exclusions. */
export async function channelsShowCommand(config: Config, options: { json?: boolean }, output: Output) {
  const settings = await withStore(config, (store) => store.channelSettings(config.project));
  output.out(options.json ? JSON.stringify(settings, null, 2) : settingsText(settings));
  return 0;
}

/** `funnelscope channels set FILE|JSON`: replaces them and classifies the stored events again. */
export async function channelsSetCommand(config: Config, given: string, output: Output) {
  const trimmed = given.trim();
  let text = trimmed;
  if (!trimmed.startsWith('{')) {
    if (!existsSync(given)) {
      throw new FunnelscopeError('file_not_found', `settings: no such file ${given} (pass a file or the JSON itself)`, {
        field: 'settings',
      });
    }
    text = readFileSync(given, 'utf8');
  }
  const { settings, events } = await withStore(config, (store) => store.setChannelSettings(config.project, text));
  output.out(settingsText(settings));
  output.out(`Classified ${events.toLocaleString('en-US')} stored events of project ${config.project} again.`);
  return 0;
}

/**
 * `funnelscope channels test --url URL [--referrer URL] [--property k=v]`: the channel, source and medium an event
 * would get in this project, through the same import path (a scratch in-memory store with the project's settings).
 */
export async function channelsTestCommand(
  config: Config,
  options: { url?: string; referrer?: string; property?: string[]; json?: boolean },
  output: Output,
) {
  const settings = await withStore(config, (store) => store.channelSettings(config.project));
  const properties: Record<string, string> = {};
  for (const pair of options.property ?? []) {
    const at = pair.indexOf('=');
    if (at <= 0) {
      throw new FunnelscopeError('invalid_argument', `--property: expected NAME=VALUE, got "${pair}"`, {
        field: '--property',
      });
    }
    properties[pair.slice(0, at)] = pair.slice(at + 1);
  }
  if (options.url) properties.url = options.url;
  if (options.referrer) properties.referrer = options.referrer;
  const dir = await mkdtemp(join(tmpdir(), 'fs-channels-test-'));
  const scratch = await DuckDBStore.open({ path: ':memory:' });
  try {
    await scratch.setChannelSettings('default', settings);
    const file = join(dir, 'event.ndjson');
    await writeFile(
      file,
      `${JSON.stringify({ type: 'page', anonymousId: 'test', messageId: 'test', timestamp: new Date().toISOString(), properties })}\n`,
    );
    await scratch.importFile('events', file, { project: 'default', skipInvalid: false });
    const [row] = await scratch.db.rows<{ channel: string | null; source: string | null; medium: string | null }>(
      'SELECT channel, source, medium, utm_campaign AS campaign FROM events',
    );
    output.out(
      options.json
        ? JSON.stringify(row)
        : `channel ${row?.channel ?? '(none)'}, source ${row?.source ?? '(none)'}, medium ${row?.medium ?? '(none)'}`,
    );
    return 0;
  } finally {
    await scratch.close();
    await rm(dir, { recursive: true, force: true });
  }
}
