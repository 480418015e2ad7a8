import type { DealRecord } from '../../src/model/deals.js';

/** A deal record for hand-made fixtures: open, in USD, with nothing else set unless given. */
export function deal(id: string, fields: Partial<DealRecord>): DealRecord {
  return {
    dealId: id,
    owner: null,
    pipeline: null,
    stage: null,
    amount: null,
    currency: 'USD',
    createdAt: null,
    closedAt: null,
    status: 'open',
    lostReason: null,
    sourceChannel: null,
    properties: {},
    ...fields,
  };
}
