/**
 * Versioned schema of the DuckDB store. A migration is never edited once released: a change to the schema is a
 * new entry at the end. `schema_migrations` records what a file has; a binary refuses a file newer than it knows.
 */
import { channelSql, mediumSql, sourceSql, storedChannelInputs } from './queries/channel-sql.js';
export interface Migration {
  version: number;
  name: string;
  statements: readonly string[];
}

export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'records',
    statements: [
      `CREATE TABLE projects (
        project_id VARCHAR PRIMARY KEY,
        name VARCHAR NOT NULL,
        timezone VARCHAR NOT NULL DEFAULT 'UTC',
        created_at TIMESTAMP NOT NULL DEFAULT current_timestamp
      )`,
      `INSERT INTO projects (project_id, name) VALUES ('default', 'Default project')`,
      // One row per accepted message. ts and received_at are UTC. properties holds the traits of identify and
      // group calls; groups maps group type to key ({"company": "acme"}).
      `CREATE TABLE events (
        project_id VARCHAR NOT NULL,
        message_id VARCHAR NOT NULL,
        ts TIMESTAMP NOT NULL,
        received_at TIMESTAMP NOT NULL,
        type VARCHAR NOT NULL,
        event VARCHAR NOT NULL,
        distinct_id VARCHAR NOT NULL,
        user_id VARCHAR,
        anonymous_id VARCHAR,
        properties JSON,
        context JSON,
        groups JSON,
        session_id VARCHAR,
        url VARCHAR,
        path VARCHAR,
        referrer VARCHAR,
        utm_source VARCHAR,
        utm_medium VARCHAR,
        utm_campaign VARCHAR,
        utm_term VARCHAR,
        utm_content VARCHAR,
        channel VARCHAR,
        device_type VARCHAR,
        os VARCHAR,
        browser VARCHAR,
        country VARCHAR,
        revenue DOUBLE
      )`,
      // Raw identity facts: each row says two distinct ids are the same person (identify userId+anonymousId,
      // alias previousId -> userId, or a message carrying both ids). user_id is the known (user) side.
      `CREATE TABLE identity_links (
        project_id VARCHAR NOT NULL,
        user_id VARCHAR NOT NULL,
        other_id VARCHAR NOT NULL,
        first_seen TIMESTAMP NOT NULL,
        PRIMARY KEY (project_id, user_id, other_id)
      )`,
      // The resolved partition: every linked distinct id -> its person. Ids absent here are their own person.
      `CREATE TABLE person_map (
        project_id VARCHAR NOT NULL,
        distinct_id VARCHAR NOT NULL,
        person_id VARCHAR NOT NULL,
        PRIMARY KEY (project_id, distinct_id)
      )`,
      `CREATE TABLE deals (
        project_id VARCHAR NOT NULL,
        deal_id VARCHAR NOT NULL,
        name VARCHAR,
        user_id VARCHAR,
        email VARCHAR,
        account_key VARCHAR,
        owner VARCHAR,
        pipeline VARCHAR,
        stage VARCHAR,
        amount DOUBLE,
        currency VARCHAR,
        created_at TIMESTAMP,
        closed_at TIMESTAMP,
        status VARCHAR NOT NULL,
        lost_reason VARCHAR,
        source_channel VARCHAR,
        properties JSON,
        PRIMARY KEY (project_id, deal_id)
      )`,
      `CREATE TABLE deal_stage_changes (
        project_id VARCHAR NOT NULL,
        deal_id VARCHAR NOT NULL,
        stage VARCHAR NOT NULL,
        entered_at TIMESTAMP NOT NULL,
        PRIMARY KEY (project_id, deal_id, stage, entered_at)
      )`,
      `CREATE TABLE spend (
        project_id VARCHAR NOT NULL,
        date DATE NOT NULL,
        channel VARCHAR NOT NULL,
        source VARCHAR NOT NULL,
        campaign VARCHAR NOT NULL,
        cost DOUBLE NOT NULL,
        currency VARCHAR,
        impressions BIGINT,
        clicks BIGINT,
        PRIMARY KEY (project_id, date, channel, source, campaign)
      )`,
    ],
  },
  {
    version: 2,
    name: 'import-log',
    statements: [
      // One row per file import that committed: what was read and kept, so `status` can show the history.
      `CREATE SEQUENCE import_log_seq START 1`,
      `CREATE TABLE import_log (
        import_id BIGINT PRIMARY KEY DEFAULT nextval('import_log_seq'),
        project_id VARCHAR NOT NULL,
        kind VARCHAR NOT NULL,
        file VARCHAR NOT NULL,
        format VARCHAR NOT NULL,
        rows_read BIGINT NOT NULL,
        imported BIGINT NOT NULL,
        updated BIGINT NOT NULL,
        duplicates BIGINT NOT NULL,
        rejected BIGINT NOT NULL,
        finished_at TIMESTAMP NOT NULL DEFAULT current_timestamp
      )`,
    ],
  },
  {
    version: 3,
    name: 'store-identity',
    statements: [
      // A random id per database file: caches kept beside the file (the funnel column snapshot) carry it, so a
      // file deleted and re-created with look-alike data is never mistaken for the old one.
      `CREATE TABLE store_identity (store_id VARCHAR NOT NULL)`,
      `INSERT INTO store_identity SELECT CAST(uuid() AS VARCHAR)`,
    ],
  },
  {
    version: 4,
    name: 'api-keys',
    statements: [
      // Keys are stored as SHA-256 hashes: the key itself is shown once, when it is made. `write` keys only ingest
      // (the Segment write key, PostHog api_key, GA4 api_secret); `read` keys read reports.
      `CREATE TABLE api_keys (
        key_hash VARCHAR PRIMARY KEY,
        project_id VARCHAR NOT NULL,
        kind VARCHAR NOT NULL CHECK (kind IN ('write', 'read')),
        key_prefix VARCHAR NOT NULL,
        created_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
        revoked_at TIMESTAMP
      )`,
    ],
  },
  {
    version: 5,
    name: 'saved-funnels',
    statements: [
      // Funnels kept by name for the dashboard (and the API): the definition as the user wrote it, parsed again
      // when it is run, so a saved funnel follows the schema's defaults of the binary that runs it.
      `CREATE TABLE saved_funnels (
        project_id VARCHAR NOT NULL,
        funnel_id VARCHAR NOT NULL,
        name VARCHAR NOT NULL,
        definition JSON NOT NULL,
        created_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
        updated_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
        PRIMARY KEY (project_id, funnel_id)
      )`,
    ],
  },
  {
    version: 6,
    name: 'sources-and-channel-rules',
    statements: [
      // Every web event gets a source and a medium (docs/channels.md), and the channels are classified again with
      // the referral exclusions (a redirect back from a payment or sign-in provider is Direct, not Referral). The
      // SQL is the grouping's of this release; a later change to the rules reclassifies in a migration of its own.
      'ALTER TABLE events ADD COLUMN source VARCHAR',
      'ALTER TABLE events ADD COLUMN medium VARCHAR',
      `UPDATE events SET channel = ${channelSql(storedChannelInputs)}, source = ${sourceSql(storedChannelInputs)},
         medium = ${mediumSql(storedChannelInputs)}`,
      // A project's own channel rules (tried in order before the defaults) and referral exclusions, as given
      // (settings) and as rows the classification joins (rules: regular expressions; NULL matches anything).
      `CREATE TABLE channel_settings (
        project_id VARCHAR PRIMARY KEY,
        settings JSON NOT NULL,
        updated_at TIMESTAMP NOT NULL DEFAULT current_timestamp
      )`,
      `CREATE TABLE channel_rules (
        project_id VARCHAR NOT NULL,
        position INTEGER NOT NULL,
        channel VARCHAR NOT NULL,
        source VARCHAR,
        medium VARCHAR,
        campaign VARCHAR,
        referrer VARCHAR,
        url VARCHAR,
        PRIMARY KEY (project_id, position)
      )`,
      `CREATE TABLE referral_exclusions (
        project_id VARCHAR NOT NULL,
        host VARCHAR NOT NULL,
        PRIMARY KEY (project_id, host)
      )`,
    ],
  },
  {
    version: 7,
    name: 'scoring-models',
    statements: [
      // Lead-scoring models by name (docs/scoring.md): the fitted model, what it reads and how it was evaluated, as
      // JSON; training again under a name replaces it.
      `CREATE TABLE scoring_models (
        project_id VARCHAR NOT NULL,
        name VARCHAR NOT NULL,
        model JSON NOT NULL,
        trained_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
        PRIMARY KEY (project_id, name)
      )`,
    ],
  },
  {
    version: 8,
    name: 'goals',
    statements: [
      // Targets on KPIs and funnel steps (docs/goals.md), as their definition JSON.
      `CREATE TABLE goals (
        project_id VARCHAR NOT NULL,
        goal_id VARCHAR NOT NULL,
        goal JSON NOT NULL,
        created_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
        PRIMARY KEY (project_id, goal_id)
      )`,
    ],
  },
  {
    version: 9,
    name: 'alerts',
    statements: [
      // Alert rules (docs/alerts.md) with their state (last check, open incident), and what fired.
      `CREATE TABLE alert_rules (
        project_id VARCHAR NOT NULL,
        rule_id VARCHAR NOT NULL,
        rule JSON NOT NULL,
        state JSON NOT NULL,
        created_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
        PRIMARY KEY (project_id, rule_id)
      )`,
      `CREATE TABLE alert_history (
        project_id VARCHAR NOT NULL,
        rule_id VARCHAR NOT NULL,
        fired_at TIMESTAMP NOT NULL,
        kind VARCHAR NOT NULL,
        message JSON NOT NULL,
        deliveries JSON NOT NULL
      )`,
    ],
  },
  {
    version: 10,
    name: 'access-control-and-privacy',
    statements: [
      // Keys get a third role (admin) and a label. DuckDB cannot alter a CHECK constraint, so the table is copied.
      `CREATE TABLE api_keys_v10 (
        key_hash VARCHAR PRIMARY KEY,
        project_id VARCHAR NOT NULL,
        kind VARCHAR NOT NULL CHECK (kind IN ('write', 'read', 'admin')),
        key_prefix VARCHAR NOT NULL,
        label VARCHAR,
        created_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
        revoked_at TIMESTAMP
      )`,
      `INSERT INTO api_keys_v10 (key_hash, project_id, kind, key_prefix, created_at, revoked_at)
       SELECT key_hash, project_id, kind, key_prefix, created_at, revoked_at FROM api_keys`,
      'DROP TABLE api_keys',
      'ALTER TABLE api_keys_v10 RENAME TO api_keys',
      // Dashboard users (docs/access.md): scrypt password hashes; projects NULL means every project.
      `CREATE TABLE users (
        email VARCHAR PRIMARY KEY,
        role VARCHAR NOT NULL CHECK (role IN ('admin', 'analyst', 'viewer')),
        projects JSON,
        password_hash VARCHAR NOT NULL,
        created_at TIMESTAMP NOT NULL,
        updated_at TIMESTAMP NOT NULL
      )`,
      // Events older than this many days are removed (docs/privacy.md); NULL keeps them.
      'ALTER TABLE projects ADD COLUMN retention_days INTEGER',
      // Who changed access or erased data, and when; project NULL for server-wide changes (users).
      `CREATE TABLE audit_log (
        logged_at TIMESTAMP NOT NULL,
        project_id VARCHAR,
        actor VARCHAR NOT NULL,
        action VARCHAR NOT NULL,
        target VARCHAR NOT NULL,
        details JSON NOT NULL
      )`,
    ],
  },
];

export const latestSchemaVersion: number = migrations[migrations.length - 1]?.version ?? 0;
