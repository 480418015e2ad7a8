import type { DealRecord, DealRecords } from '../../../model/deals.js';
import type { DuckDBDatabase } from '../duckdb-database.js';

/** Deal columns as read: times in epoch milliseconds (no Date objects made by the reader). */
interface DealColumns extends Record<string, unknown[]> {
  deal_id: string[];
  owner: (string | null)[];
  pipeline: (string | null)[];
  stage: (string | null)[];
  amount: (number | null)[];
  currency: (string | null)[];
  created_ms: (number | null)[];
  closed_ms: (number | null)[];
  status: string[];
  lost_reason: (string | null)[];
  source_channel: (string | null)[];
  properties: (string | null)[];
}

const dateOf = (ms: number | null | undefined): Date | null => (ms === null || ms === undefined ? null : new Date(ms));

/** Every deal of the project and its stage history, oldest change first. */
export async function getDealRecords(db: DuckDBDatabase, project: string): Promise<DealRecords> {
  // Column by column, times as numbers: an object per row and the reader's own dates cost more than the query.
  const d = await db.columns<DealColumns>(
    `SELECT deal_id, owner, pipeline, stage, amount, currency, CAST(epoch_ms(created_at) AS DOUBLE) AS created_ms,
            CAST(epoch_ms(closed_at) AS DOUBLE) AS closed_ms, status, lost_reason, source_channel,
            properties::VARCHAR AS properties
     FROM deals WHERE project_id = $project ORDER BY deal_id`,
    { project },
  );
  const changes = await db.columns<{ deal_id: string[]; stage: string[]; entered_ms: number[] }>(
    `SELECT deal_id, stage, CAST(epoch_ms(entered_at) AS DOUBLE) AS entered_ms FROM deal_stage_changes
     WHERE project_id = $project ORDER BY deal_id, entered_at, stage`,
    { project },
  );
  return {
    deals: (d.deal_id ?? []).map((dealId, i): DealRecord => {
      const status = d.status[i];
      const properties = d.properties[i];
      return {
        dealId,
        owner: d.owner[i] ?? null,
        pipeline: d.pipeline[i] ?? null,
        stage: d.stage[i] ?? null,
        amount: d.amount[i] ?? null,
        currency: d.currency[i] ?? null,
        createdAt: dateOf(d.created_ms[i]),
        closedAt: dateOf(d.closed_ms[i]),
        status: status === 'won' || status === 'lost' ? status : 'open',
        lostReason: d.lost_reason[i] ?? null,
        sourceChannel: d.source_channel[i] ?? null,
        properties: properties ? (JSON.parse(properties) as Record<string, unknown>) : {},
      };
    }),
    stageChanges: (changes.deal_id ?? []).map((dealId, i) => ({
      dealId,
      stage: changes.stage[i] as string,
      enteredAt: new Date(changes.entered_ms[i] as number),
    })),
  };
}
