import type { DealRecord, DealRecords } from '../../../model/deals.js';
import type { DuckDBDatabase } from '../duckdb-database.js';

interface DealRow {
  deal_id: string;
  owner: string | null;
  pipeline: string | null;
  stage: string | null;
  amount: number | null;
  currency: string | null;
  created_at: Date | null;
  closed_at: Date | null;
  status: string;
  lost_reason: string | null;
  source_channel: string | null;
  properties: string | null;
}

/** Every deal of the project and its stage history, oldest change first. */
export async function getDealRecords(db: DuckDBDatabase, project: string): Promise<DealRecords> {
  const deals = await db.rows<DealRow>(
    `SELECT deal_id, owner, pipeline, stage, amount, currency, created_at, closed_at, status, lost_reason,
            source_channel, properties::VARCHAR AS properties
     FROM deals WHERE project_id = $project ORDER BY deal_id`,
    { project },
  );
  // Column by column: a large CRM has far more stage changes than deals.
  const changes = await db.columns<{ deal_id: string[]; stage: string[]; entered_at: Date[] }>(
    `SELECT deal_id, stage, entered_at FROM deal_stage_changes WHERE project_id = $project
     ORDER BY deal_id, entered_at, stage`,
    { project },
  );
  return {
    deals: deals.map(
      (d): DealRecord => ({
        dealId: d.deal_id,
        owner: d.owner,
        pipeline: d.pipeline,
        stage: d.stage,
        amount: d.amount,
        currency: d.currency,
        createdAt: d.created_at,
        closedAt: d.closed_at,
        status: d.status === 'won' || d.status === 'lost' ? d.status : 'open',
        lostReason: d.lost_reason,
        sourceChannel: d.source_channel,
        properties: d.properties ? (JSON.parse(d.properties) as Record<string, unknown>) : {},
      }),
    ),
    stageChanges: (changes.deal_id ?? []).map((dealId, i) => ({
      dealId,
      stage: changes.stage[i] as string,
      enteredAt: changes.entered_at[i] as Date,
    })),
  };
}
