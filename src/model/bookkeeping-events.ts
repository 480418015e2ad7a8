/** Identity calls are bookkeeping, not behaviour: only a funnel step or exclusion that names one sees it. */
export const identityEventNames: ReadonlySet<string> = new Set(['$identify', '$groupidentify', '$create_alias']);

/**
 * Experiment exposures (Segment's Experiment Viewed, PostHog's $feature_flag_called): bookkeeping of a test, not
 * something a person chose to do, so paths and "what dropped people did instead" leave them out with the identity
 * calls (docs/paths.md).
 */
export const exposureEventNames: ReadonlySet<string> = new Set(['Experiment Viewed', '$feature_flag_called']);
