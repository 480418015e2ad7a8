import type { ClickHouseShards } from './clickhouse-shards.js';
import { chInt, chString, tsvField } from './clickhouse-sql.js';

/**
 * The small records of a project kept in the ClickHouse store (saved funnels, goals, alert rules and history,
 * scoring models, API keys, channel settings): one `documents` table on the first shard, a JSON body per
 * (project, kind, id). A change writes a newer version of the row (ReplacingMergeTree, read with FINAL), a
 * deletion a tombstone, since ClickHouse has no in-place UPDATE or DELETE that takes effect at once.
 */
export interface StoredDocument {
  id: string;
  body: unknown;
  createdAt: string;
  updatedAt: string;
}

let lastVersion = 0;
/** Versions grow within a process even when the clock does not (microseconds since the epoch). */
export function nextVersion(): number {
  lastVersion = Math.max(lastVersion + 1, Date.now() * 1000);
  return lastVersion;
}

export class Documents {
  constructor(
    private readonly shards: ClickHouseShards,
    private readonly database: string,
  ) {}

  async list(project: string, kind: string, id: string | null = null): Promise<StoredDocument[]> {
    const rows = await this.shards.rows(
      0,
      `SELECT id, body, created_us, updated_us FROM ${this.database}.documents FINAL
       WHERE project_id = ${chString(project)} AND kind = ${chString(kind)} AND deleted = 0
         ${id === null ? '' : `AND id = ${chString(id)}`}
       ORDER BY created_us, id`,
    );
    return rows.map((r) => ({
      id: tsvField(r[0] as string) ?? '',
      body: JSON.parse(tsvField(r[1] as string) ?? 'null') as unknown,
      createdAt: new Date(Number(r[2]) / 1000).toISOString(),
      updatedAt: new Date(Number(r[3]) / 1000).toISOString(),
    }));
  }

  /** Every document of a kind, across projects, newest first (at most `limit`). */
  async newest(kind: string, limit: number): Promise<(StoredDocument & { project: string })[]> {
    const rows = await this.shards.rows(
      0,
      `SELECT project_id, id, body, created_us, updated_us FROM ${this.database}.documents FINAL
       WHERE kind = ${chString(kind)} AND deleted = 0
       ORDER BY created_us DESC, id DESC LIMIT ${chInt(Math.max(0, Math.floor(limit)))}`,
    );
    return rows.map((r) => ({
      project: tsvField(r[0] as string) ?? '',
      id: tsvField(r[1] as string) ?? '',
      body: JSON.parse(tsvField(r[2] as string) ?? 'null') as unknown,
      createdAt: new Date(Number(r[3]) / 1000).toISOString(),
      updatedAt: new Date(Number(r[4]) / 1000).toISOString(),
    }));
  }

  /** Projects that have a document of this kind. */
  async projects(kind: string): Promise<string[]> {
    const rows = await this.shards.rows(
      0,
      `SELECT DISTINCT project_id FROM ${this.database}.documents FINAL
       WHERE kind = ${chString(kind)} AND deleted = 0 ORDER BY project_id`,
    );
    return rows.map((r) => tsvField(r[0] as string) ?? '');
  }

  async get(project: string, kind: string, id: string): Promise<StoredDocument | undefined> {
    return (await this.list(project, kind, id))[0];
  }

  /** Writes a document (keeping its creation time when it exists) and returns it as stored. */
  async put(project: string, kind: string, id: string, body: unknown, createdAt?: string): Promise<StoredDocument> {
    const existing = await this.get(project, kind, id);
    const version = nextVersion();
    const created = Date.parse(createdAt ?? existing?.createdAt ?? '') * 1000 || version;
    await this.write(project, kind, id, JSON.stringify(body), created, version, 0);
    return {
      id,
      body,
      createdAt: new Date(created / 1000).toISOString(),
      updatedAt: new Date(version / 1000).toISOString(),
    };
  }

  /** Deletes a document; false when there was none. */
  async remove(project: string, kind: string, id: string): Promise<boolean> {
    const existing = await this.get(project, kind, id);
    if (!existing) return false;
    await this.write(project, kind, id, 'null', Date.parse(existing.createdAt) * 1000, nextVersion(), 1);
    return true;
  }

  private async write(
    project: string,
    kind: string,
    id: string,
    body: string,
    created: number,
    version: number,
    deleted: 0 | 1,
  ): Promise<void> {
    await this.shards.command(
      0,
      `INSERT INTO ${this.database}.documents (project_id, kind, id, body, created_us, updated_us, version, deleted)
       VALUES (${chString(project)}, ${chString(kind)}, ${chString(id)}, ${chString(body)}, ${chInt(created)},
               ${chInt(version)}, ${chInt(version)}, ${deleted})`,
    );
  }
}
