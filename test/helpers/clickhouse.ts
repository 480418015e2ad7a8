import { describe } from 'vitest';
import { clickhouseInstalled } from '../../src/store/clickhouse/local-cluster.js';

/**
 * Whether Debian's clickhouse-server is here, and `describe` for suites that start a cluster of it (skipped, with
 * the reason in their name, where it is missing). CI installs it (.ci/run): there a missing server is an error.
 */
export const clickhouseAvailable = clickhouseInstalled();
if (!clickhouseAvailable && process.env.CI) {
  throw new Error('clickhouse-server is not installed; .ci/run installs it');
}
export const clickhouseSuite = clickhouseAvailable ? describe : describe.skip;
