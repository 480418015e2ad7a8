/**
 * The documented column sets of the keyed CSV imports (deals, deal stage history, ad spend). A file's columns
 * match fields by name (case-insensitive), or through `--map field=column`; `--set field=value` gives a constant.
 * Columns that match no field are kept as the record's properties where the record has them.
 */
export type FieldType = 'text' | 'number' | 'integer' | 'timestamp' | 'date' | 'deal_status';

export interface FieldSpec {
  name: string;
  type: FieldType;
  required?: boolean;
  /** Value when the file has no column for it and no --set (keyed columns cannot be NULL). */
  defaultValue?: string;
  description: string;
}

export interface TableSpec {
  kind: 'deals' | 'deal-stages' | 'spend';
  table: string;
  /** Fields that identify a record: a re-imported record with the same key updates or duplicates it. */
  key: readonly string[];
  fields: readonly FieldSpec[];
  /** Unmatched columns go to a `properties` JSON column. */
  keepsProperties: boolean;
  /** On a key match: true = update the fields the file gives (deals, spend); false = only count a duplicate. */
  updates: boolean;
}

export const dealsSpec: TableSpec = {
  kind: 'deals',
  table: 'deals',
  key: ['deal_id'],
  keepsProperties: true,
  updates: true,
  fields: [
    { name: 'deal_id', type: 'text', required: true, description: 'the CRM id of the deal' },
    { name: 'name', type: 'text', description: 'deal title' },
    { name: 'user_id', type: 'text', description: 'userId of the person (links the deal to web events)' },
    { name: 'email', type: 'text', description: 'e-mail of the contact (matched to the email trait)' },
    { name: 'account_key', type: 'text', description: 'account/company key (matched to group keys)' },
    { name: 'owner', type: 'text', description: 'sales rep' },
    { name: 'pipeline', type: 'text', description: 'pipeline name' },
    { name: 'stage', type: 'text', description: 'current stage' },
    { name: 'amount', type: 'number', description: 'deal value' },
    { name: 'currency', type: 'text', description: 'ISO currency code' },
    { name: 'created_at', type: 'timestamp', description: 'when the deal was created' },
    { name: 'closed_at', type: 'timestamp', description: 'when it was won or lost' },
    {
      name: 'status',
      type: 'deal_status',
      description: 'open, won or lost (also "closed won", "closedlost", …); empty: read from stage, else open',
    },
    { name: 'lost_reason', type: 'text', description: 'why it was lost' },
    { name: 'source_channel', type: 'text', description: 'acquisition channel recorded in the CRM' },
  ],
};

export const dealStagesSpec: TableSpec = {
  kind: 'deal-stages',
  table: 'deal_stage_changes',
  key: ['deal_id', 'stage', 'entered_at'],
  keepsProperties: false,
  updates: false,
  fields: [
    { name: 'deal_id', type: 'text', required: true, description: 'the CRM id of the deal' },
    { name: 'stage', type: 'text', required: true, description: 'stage entered' },
    { name: 'entered_at', type: 'timestamp', required: true, description: 'when the deal entered it' },
  ],
};

export const spendSpec: TableSpec = {
  kind: 'spend',
  table: 'spend',
  key: ['date', 'channel', 'source', 'campaign'],
  keepsProperties: false,
  updates: true,
  fields: [
    { name: 'date', type: 'date', required: true, description: 'day of the spend (YYYY-MM-DD or a timestamp)' },
    { name: 'channel', type: 'text', defaultValue: '', description: 'channel group, e.g. Paid Search' },
    { name: 'source', type: 'text', defaultValue: '', description: 'utm_source / ad network, e.g. google' },
    { name: 'campaign', type: 'text', defaultValue: '', description: 'campaign name (utm_campaign)' },
    { name: 'cost', type: 'number', required: true, description: 'amount spent' },
    { name: 'currency', type: 'text', description: 'ISO currency code' },
    { name: 'impressions', type: 'integer', description: 'ad impressions' },
    { name: 'clicks', type: 'integer', description: 'ad clicks' },
  ],
};

export const tableSpecs = { deals: dealsSpec, 'deal-stages': dealStagesSpec, spend: spendSpec } as const;

/** Deal status words as CRMs export them → open / won / lost. */
export const dealStatusSynonyms: Readonly<Record<string, 'open' | 'won' | 'lost'>> = {
  open: 'open',
  active: 'open',
  'in progress': 'open',
  won: 'won',
  'closed won': 'won',
  closedwon: 'won',
  'closed-won': 'won',
  closed_won: 'won',
  lost: 'lost',
  'closed lost': 'lost',
  closedlost: 'lost',
  'closed-lost': 'lost',
  closed_lost: 'lost',
};
