/** What a funnel builder can pick from: property names in use and the stages deals have entered. */
export interface Catalog {
  /** Event property names, the most used first (counted over a sample of the last 30 days of data, scaled to all events). */
  properties: { property: string; events: number }[];
  /** Deal stages (the `stage` of `$deal_stage` events) in the order deals pass them (mean position in a history). */
  dealStages: { stage: string; deals: number }[];
}
