import type { Config } from '../../config.js';
import { withStore } from '../open-store.js';
import type { Output } from '../output.js';

/**
 * `funnelscope projects create NAME`: the project (when new) and a fresh write key (ingest only) and read key.
 * Keys are stored hashed, so this is the only time they are shown.
 */
export async function projectsCreateCommand(
  config: Config,
  name: string,
  options: { json?: boolean },
  output: Output,
): Promise<number> {
  const keys = await withStore(config, (store) => store.createProjectKeys(name));
  if (options.json) {
    output.out(JSON.stringify({ name: keys.project, writeKey: keys.writeKey, readKey: keys.readKey }));
    return 0;
  }
  output.out(`project ${keys.project}`);
  output.out(`  write key  ${keys.writeKey}   (send events: Segment write key, PostHog api_key, GA4 api_secret)`);
  output.out(`  read key   ${keys.readKey}   (read reports)`);
  output.out('Keys are stored hashed: keep them now, they are not shown again.');
  return 0;
}
