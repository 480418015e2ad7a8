/** A person as funnelscope sees it: the union of every distinct id linked to it, with merged traits. */
export interface PersonReport {
  personId: string;
  distinctIds: string[];
  /** Traits from identify calls of any of its ids, later calls overriding earlier ones key by key. */
  traits: Record<string, unknown>;
  firstSeen: string | null;
  lastSeen: string | null;
  eventCount: number;
  /** Groups its events named, by type: {"company": ["acme"]}. */
  groups: Record<string, string[]>;
  /** Deals linked to the person (user id, e-mail trait, account key or CRM user id: docs/metrics.md, Journey). */
  deals: { dealId: string; name: string | null; status: string; stage: string | null; amount: number | null }[];
  /** The most recent events, newest first. */
  recentEvents: { ts: string; event: string; distinctId: string }[];
}
