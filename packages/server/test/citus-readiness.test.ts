/**
 * The schema would run on Citus unchanged: read from the catalog of a freshly migrated PostgreSQL
 * database and checked against the classification in src/db/distribution.ts and Citus's
 * documented rules (primary, unique and exclusion keys of a distributed table include its
 * distribution column; foreign keys only between co-located distributed tables on that column,
 * from distributed or local tables to reference tables, or between local tables; sequences on
 * distributed tables are bigint; one level of partitioning; no triggers on distributed or
 * reference tables). Every table must be classified. The Citus setup script is generated from the
 * same classification and must name every distributed and reference table.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database, Queryable } from '../src/db/database.js';
import {
  citusSetupSql,
  DISTRIBUTION_GROUPS,
  distributionColumn,
  TABLE_PLACEMENT,
  tablesOfKind,
  type TablePlacement,
} from '../src/db/distribution.js';
import { migrate } from '../src/db/migrate.js';
import { openPostgres } from '../src/db/postgres.js';
import { TelemetryPartitions } from '../src/telemetry/index.js';
import { createPostgresDatabase } from './support/databases.js';

const CLASSIFY_HINT = 'classify it in packages/server/src/db/distribution.ts (TABLE_PLACEMENT), with the reason';
const SETUP_FILE = new URL('../../../deploy/cluster/citus-setup.sql', import.meta.url);
const SCALING_DOC = new URL('../../../docs/scaling.md', import.meta.url);

interface CatalogTable {
  readonly name: string;
  readonly partitioned: boolean;
  readonly parent: string | null;
}
interface CatalogKey {
  readonly table: string;
  readonly name: string;
  /** p primary, u unique, x exclusion, i a unique index without a constraint. */
  readonly type: 'p' | 'u' | 'x' | 'i';
  readonly columns: readonly string[];
}
interface CatalogForeignKey {
  readonly table: string;
  readonly name: string;
  readonly columns: readonly string[];
  readonly references: string;
  readonly referencedColumns: readonly string[];
}
interface CatalogColumn {
  readonly table: string;
  readonly name: string;
  readonly type: string;
  readonly notNull: boolean;
  readonly generated: boolean;
}
interface Catalog {
  readonly tables: readonly CatalogTable[];
  readonly keys: readonly CatalogKey[];
  readonly foreignKeys: readonly CatalogForeignKey[];
  readonly columns: readonly CatalogColumn[];
  readonly triggers: readonly { table: string; name: string }[];
}

async function readCatalog(q: Queryable): Promise<Catalog> {
  const tables = await q.query<CatalogTable & Record<string, unknown>>(
    `SELECT c.relname AS name, c.relkind = 'p' AS partitioned,
            (SELECT p.relname FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent WHERE i.inhrelid = c.oid) AS parent
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY 1`,
  );
  const keys = await q.query<CatalogKey & Record<string, unknown>>(
    `SELECT t.relname AS "table", k.conname AS name, k.contype AS type,
            ARRAY(SELECT a.attname::text FROM unnest(k.conkey) WITH ORDINALITY AS u(n, i)
                    JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.n ORDER BY u.i) AS columns
       FROM pg_constraint k JOIN pg_class t ON t.oid = k.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace
      WHERE n.nspname = 'public' AND k.contype IN ('p', 'u', 'x')
     UNION ALL
     SELECT t.relname, x.relname, 'i',
            ARRAY(SELECT a.attname::text FROM unnest(ix.indkey::int2[]) WITH ORDINALITY AS u(n, i)
                    JOIN pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = u.n ORDER BY u.i)
       FROM pg_index ix JOIN pg_class x ON x.oid = ix.indexrelid JOIN pg_class t ON t.oid = ix.indrelid
       JOIN pg_namespace n ON n.oid = t.relnamespace
      WHERE n.nspname = 'public' AND ix.indisunique
        AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = ix.indexrelid)`,
  );
  const foreignKeys = await q.query<CatalogForeignKey & Record<string, unknown>>(
    `SELECT t.relname AS "table", k.conname AS name, r.relname AS "references",
            ARRAY(SELECT a.attname::text FROM unnest(k.conkey) WITH ORDINALITY AS u(n, i)
                    JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.n ORDER BY u.i) AS columns,
            ARRAY(SELECT a.attname::text FROM unnest(k.confkey) WITH ORDINALITY AS u(n, i)
                    JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.n ORDER BY u.i) AS "referencedColumns"
       FROM pg_constraint k JOIN pg_class t ON t.oid = k.conrelid JOIN pg_class r ON r.oid = k.confrelid
       JOIN pg_namespace n ON n.oid = t.relnamespace
      WHERE n.nspname = 'public' AND k.contype = 'f' AND k.conparentid = 0`,
  );
  const columns = await q.query<CatalogColumn & Record<string, unknown>>(
    `SELECT t.relname AS "table", a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type,
            a.attnotnull AS "notNull",
            (a.attidentity <> '' OR coalesce(pg_get_expr(d.adbin, d.adrelid) LIKE 'nextval(%', false)) AS generated
       FROM pg_attribute a JOIN pg_class t ON t.oid = a.attrelid JOIN pg_namespace n ON n.oid = t.relnamespace
       LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE n.nspname = 'public' AND t.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped`,
  );
  const triggers = await q.query<{ table: string; name: string }>(
    `SELECT t.relname AS "table", g.tgname AS name
       FROM pg_trigger g JOIN pg_class t ON t.oid = g.tgrelid JOIN pg_namespace n ON n.oid = t.relnamespace
      WHERE n.nspname = 'public' AND NOT g.tgisinternal`,
  );
  return {
    tables: tables.rows,
    keys: keys.rows,
    foreignKeys: foreignKeys.rows,
    columns: columns.rows,
    triggers: triggers.rows,
  };
}

/** What would stop the schema from running on Citus with this classification; empty when nothing. */
function citusProblems(catalog: Catalog, placement: Readonly<Record<string, TablePlacement>>): string[] {
  const problems: string[] = [];
  const byName = new Map(catalog.tables.map((t) => [t.name, t]));
  /** A partition is placed with its parent. */
  const placementOf = (table: string): TablePlacement | undefined => {
    const parent = byName.get(table)?.parent;
    return parent ? placementOf(parent) : placement[table];
  };
  const label = (p: TablePlacement) =>
    p.kind === 'distributed' ? `distributed by ${distributionColumn(p.group)}` : p.kind;

  for (const table of catalog.tables) {
    if (table.parent) continue;
    if (!placement[table.name]) problems.push(`table ${table.name} is not classified: ${CLASSIFY_HINT}`);
  }
  for (const name of Object.keys(placement)) {
    if (!byName.has(name)) problems.push(`distribution.ts classifies ${name}, which the migrated schema does not have`);
  }

  for (const table of catalog.tables) {
    const p = placementOf(table.name);
    if (!p) continue;
    if (p.kind === 'distributed') {
      const column = distributionColumn(p.group);
      const col = catalog.columns.find((c) => c.table === table.name && c.name === column);
      if (!col) {
        problems.push(`${table.name} is distributed by ${column} but has no such column`);
      } else {
        if (!col.notNull) problems.push(`${table.name}.${column} (its distribution column) must be NOT NULL`);
        if (col.type !== 'bigint') problems.push(`${table.name}.${column} is ${col.type}: co-location needs bigint`);
      }
      if (table.partitioned) {
        for (const child of catalog.tables.filter((t) => t.parent === table.name && t.partitioned)) {
          problems.push(`${child.name} partitions a partition of ${table.name}: Citus distributes one level only`);
        }
      }
      for (const key of catalog.keys.filter((k) => k.table === table.name && !k.columns.includes(column))) {
        problems.push(
          `${table.name}: ${key.type === 'i' ? 'unique index' : 'key'} ${key.name} (${key.columns.join(', ')}) ` +
            `lacks the distribution column ${column}: Citus enforces uniqueness only within a shard`,
        );
      }
    }
    if (p.kind !== 'local' && !table.parent) {
      // Citus (11.2 and later) distributes tables with identity columns only when they are bigint.
      for (const c of catalog.columns.filter((c) => c.table === table.name && c.generated && c.type !== 'bigint')) {
        problems.push(`${table.name}.${c.name} is a ${c.type} sequence: Citus needs bigint on ${label(p)} tables`);
      }
      for (const trigger of catalog.triggers.filter((t) => t.table === table.name)) {
        problems.push(`${table.name} (${label(p)}) has trigger ${trigger.name}: keep triggers on local tables`);
      }
    }
  }

  for (const fk of catalog.foreignKeys) {
    const from = placementOf(fk.table);
    const to = placementOf(fk.references);
    if (!from || !to || byName.get(fk.table)?.parent) continue;
    const what = `foreign key ${fk.name} from ${fk.table} (${label(from)}) to ${fk.references} (${label(to)})`;
    if (to.kind === 'reference') continue; // from any kind of table: allowed
    if (to.kind === 'distributed') {
      if (from.kind !== 'distributed') {
        problems.push(`${what}: only a distributed table may refer to a distributed table`);
        continue;
      }
      if (from.group !== to.group) {
        problems.push(`${what}: the two tables are in different co-location groups`);
        continue;
      }
      const column = distributionColumn(from.group);
      const at = fk.columns.indexOf(column);
      if (at < 0 || fk.referencedColumns[at] !== column) {
        problems.push(`${what}: it must pair ${column} with ${column}, so both rows sit on one shard`);
      }
      continue;
    }
    // to a local table
    if (from.kind !== 'local') problems.push(`${what}: a ${from.kind} table may not refer to a local table`);
  }
  return problems;
}

let db: Database;
let drop: () => Promise<void>;
let catalog: Catalog;

beforeAll(async () => {
  const created = await createPostgresDatabase();
  drop = created.drop;
  db = await openPostgres(created.url);
  await migrate(db);
  // Month partitions exist in every running database: the checks must see through them.
  await new TelemetryPartitions(db).load(new Date('2026-12-07T00:00:00Z'));
  catalog = await readCatalog(db);
});

afterAll(async () => {
  await db?.close();
  await drop?.();
});

class Rollback extends Error {}

/** The problems found after `ddl`, inside a transaction that is rolled back. */
async function problemsAfter(ddl: string, placement = TABLE_PLACEMENT): Promise<string[]> {
  let found: string[] = [];
  await db
    .transaction(async (tx) => {
      await tx.exec(ddl);
      found = citusProblems(await readCatalog(tx), placement);
      throw new Rollback();
    })
    .catch((error: unknown) => {
      if (!(error instanceof Rollback)) throw error;
    });
  return found;
}

describe('Citus readiness of the migrated schema', () => {
  it('classifies every table, and every distributed table keeps to Citus rules', () => {
    expect(catalog.tables.some((t) => t.parent === 'telemetry_chunk')).toBe(true);
    expect(citusProblems(catalog, TABLE_PLACEMENT)).toEqual([]);
  });

  it('keys every telemetry table by device and every derived table by vehicle', () => {
    const byGroup = (group: string) =>
      Object.entries(TABLE_PLACEMENT)
        .filter(([, p]) => p.kind === 'distributed' && p.group === group)
        .map(([t]) => t);
    expect(byGroup('device')).toEqual(expect.arrayContaining(['telemetry_chunk', 'telemetry_stream']));
    expect(byGroup('vehicle')).toEqual(
      expect.arrayContaining(['trip', 'charge_session', 'charge_segment', 'battery_health', 'vehicle_day']),
    );
    // Each distributed table's primary key leads with its distribution column (one shard per lookup).
    for (const [table, p] of Object.entries(TABLE_PLACEMENT)) {
      if (p.kind !== 'distributed') continue;
      const pk = catalog.keys.find((k) => k.table === table && k.type === 'p');
      expect(pk?.columns[0], `${table}'s primary key`).toBe(distributionColumn(p.group));
    }
  });

  it('finds a new table nobody classified, and says where to classify it', async () => {
    const problems = await problemsAfter('CREATE TABLE trip_note (vehicle_id bigint NOT NULL, note text)');
    expect(problems).toEqual([`table trip_note is not classified: ${CLASSIFY_HINT}`]);
  });

  it('finds a key, a unique index and a foreign key that would break on Citus', async () => {
    const problems = await problemsAfter(
      `
      CREATE TABLE trip_note (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, vehicle_id bigint NOT NULL,
                              trip_started_at timestamptz NOT NULL, tag integer GENERATED ALWAYS AS IDENTITY);
      CREATE UNIQUE INDEX trip_started_unique ON trip (started_at);
      ALTER TABLE trip_note ADD FOREIGN KEY (vehicle_id, trip_started_at) REFERENCES trip (vehicle_id, started_at);
      ALTER TABLE trip ADD COLUMN first_segment_at timestamptz;
      ALTER TABLE trip ADD FOREIGN KEY (vehicle_id, first_segment_at) REFERENCES charge_segment (vehicle_id, started_at);
      ALTER TABLE charge_session ADD COLUMN note_id bigint REFERENCES enrollment (id);
      ALTER TABLE telemetry_stream ADD COLUMN vehicle_id bigint;
      ALTER TABLE telemetry_stream ADD FOREIGN KEY (vehicle_id, first_at) REFERENCES trip (vehicle_id, started_at);
      ALTER TABLE device ADD COLUMN last_trip_at timestamptz;
      ALTER TABLE device ADD FOREIGN KEY (vehicle_id, last_trip_at) REFERENCES trip (vehicle_id, started_at);`,
      {
        ...TABLE_PLACEMENT,
        trip_note: { kind: 'distributed', group: 'vehicle', why: 'test' },
      },
    );
    const expected = [
      /trip_note: key trip_note_pkey \(id\) lacks the distribution column vehicle_id/,
      /trip_note\.tag is a integer sequence: Citus needs bigint/,
      /trip: unique index trip_started_unique \(started_at\) lacks the distribution column vehicle_id/,
      /foreign key charge_session_note_id_fkey .*: a distributed table may not refer to a local table/,
      /foreign key telemetry_stream_vehicle_id_first_at_fkey .*: the two tables are in different co-location groups/,
      /foreign key device_vehicle_id_last_trip_at_fkey .*: only a distributed table may refer to a distributed table/,
    ];
    for (const pattern of expected)
      expect(
        problems.some((p) => pattern.test(p)),
        String(pattern),
      ).toBe(true);
    // The co-located foreign keys on vehicle_id are fine.
    expect(
      problems.filter((p) => /trip_note_vehicle_id_trip_started_at_fkey|trip_vehicle_id_first_segment_at_fkey/.test(p)),
    ).toEqual([]);
    expect(problems).toHaveLength(expected.length);
  });

  it('finds a foreign key that pairs the distribution column with another column', async () => {
    const problems = await problemsAfter(`
      ALTER TABLE charge_segment ADD COLUMN trip_vehicle_id bigint;
      ALTER TABLE charge_segment ADD FOREIGN KEY (trip_vehicle_id, started_at) REFERENCES trip (vehicle_id, started_at);`);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/must pair vehicle_id with vehicle_id/);
  });

  it('finds a trigger on a replicated table and a nullable distribution column', async () => {
    const problems = await problemsAfter(
      `
      CREATE TRIGGER vehicle_append_only BEFORE DELETE ON vehicle FOR EACH ROW EXECUTE FUNCTION ledger_entry_append_only();
      CREATE TABLE trip_note (vehicle_id bigint, note text);`,
      { ...TABLE_PLACEMENT, trip_note: { kind: 'distributed', group: 'vehicle', why: 'test' } },
    );
    expect(problems.sort()).toEqual([
      'trip_note.vehicle_id (its distribution column) must be NOT NULL',
      'vehicle (reference) has trigger vehicle_append_only: keep triggers on local tables',
    ]);
  });
});

describe('the Citus setup script', () => {
  const sql = citusSetupSql();
  const calls = [...sql.matchAll(/^SELECT (create_reference_table|create_distributed_table)\((.*)\);$/gm)].map((m) => ({
    fn: m[1]!,
    args: m[2]!.split(',').map((a) => a.trim()),
  }));

  it('makes every reference table a reference table and distributes every distributed one on its column', () => {
    const references = calls.filter((c) => c.fn === 'create_reference_table').map((c) => c.args[0]);
    expect(references.sort()).toEqual(
      tablesOfKind('reference')
        .map((t) => `'${t}'`)
        .sort(),
    );
    const distributed = calls.filter((c) => c.fn === 'create_distributed_table');
    expect(distributed.map((c) => c.args[0]).sort()).toEqual(
      tablesOfKind('distributed')
        .map((t) => `'${t}'`)
        .sort(),
    );
    for (const call of distributed) {
      const p = TABLE_PLACEMENT[call.args[0]!.slice(1, -1)]!;
      expect(p.kind).toBe('distributed');
      if (p.kind === 'distributed') expect(call.args[1]).toBe(`'${DISTRIBUTION_GROUPS[p.group].column}'`);
    }
    // Nothing local is named.
    for (const table of tablesOfKind('local')) expect(sql).not.toContain(`'${table}'`);
  });

  it('creates each reference table after those it refers to, and distributed tables after all of them', () => {
    const order = calls.map((c) => c.args[0]!.slice(1, -1));
    for (const fk of catalog.foreignKeys) {
      const from = TABLE_PLACEMENT[fk.table];
      const to = TABLE_PLACEMENT[fk.references];
      if (!from || !to || to.kind !== 'reference' || from.kind === 'local' || fk.table === fk.references) continue;
      expect(order.indexOf(fk.references), `${fk.references} before ${fk.table}`).toBeLessThan(order.indexOf(fk.table));
    }
  });

  it('co-locates each group with its first table, which starts a group of its own', () => {
    const seen = new Map<string, string>();
    for (const call of calls.filter((c) => c.fn === 'create_distributed_table')) {
      const table = call.args[0]!.slice(1, -1);
      const p = TABLE_PLACEMENT[table]!;
      if (p.kind !== 'distributed') continue;
      const anchor = seen.get(p.group);
      if (anchor === undefined) {
        expect(call.args[2]).toBe("colocate_with => 'none'");
        seen.set(p.group, table);
      } else {
        expect(call.args[2]).toBe(`colocate_with => '${anchor}'`);
      }
    }
    expect([...seen.keys()].sort()).toEqual(Object.keys(DISTRIBUTION_GROUPS).sort());
  });

  it('is written out as deploy/cluster/citus-setup.sql and quoted in docs/scaling.md', async () => {
    const regenerate =
      'regenerate it: npx tsx -e "import(\'./packages/server/src/db/distribution.ts\').then((m) => process.stdout.write(m.citusSetupSql()))" > deploy/cluster/citus-setup.sql';
    expect(await readFile(SETUP_FILE, 'utf8'), regenerate).toBe(sql);
    const doc = await readFile(SCALING_DOC, 'utf8');
    for (const call of calls)
      expect(doc, 'docs/scaling.md quotes the setup script').toContain(`${call.fn}(${call.args.join(', ')})`);
    for (const table of Object.keys(TABLE_PLACEMENT))
      expect(doc, `docs/scaling.md places ${table}`).toContain(`\`${table}\``);
  });
});
