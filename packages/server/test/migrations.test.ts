/**
 * Migrations on PGlite and on PostgreSQL: each numbered file is applied once and reported, a second
 * run changes nothing, an edited or badly named file is refused, concurrent migrators apply each
 * migration exactly once, and the schema keeps the storage promises telemetry depends on.
 */
import { createHash } from 'node:crypto';
import { copyFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/db/database.js';
import { migrate, MIGRATIONS_DIR } from '../src/db/migrate.js';
import { openPGlite } from '../src/db/pglite.js';
import { openPostgres } from '../src/db/postgres.js';
import { TelemetryPartitions } from '../src/telemetry/index.js';
import {
  createPostgresDatabase,
  describeEachDatabase,
  openTemplatePGlite,
  type DatabaseKind,
} from './support/databases.js';

const REAL_FILES = (await readdir(MIGRATIONS_DIR)).filter((file) => file.endsWith('.sql')).sort();

const temporaryDirs: string[] = [];

afterAll(async () => {
  await Promise.all(temporaryDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A migrations folder holding copies of the real files, with some replaced or added. */
async function migrationsDir(files: Record<string, string> = {}): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'smartcharge-migrations-'));
  temporaryDirs.push(dir);
  for (const file of REAL_FILES) await copyFile(path.join(MIGRATIONS_DIR, file), path.join(dir, file));
  for (const [file, sql] of Object.entries(files)) await writeFile(path.join(dir, file), sql);
  return dir;
}

/**
 * Runs `fn` on a database of its own (migrate() keeps one schema_migration table per database):
 * empty, or migrated with the real files. `open` gives another connection to the same database,
 * as a second process would have (PGlite lives in this process, so it returns the same one).
 */
async function withOwnDatabase<T>(
  kind: DatabaseKind,
  state: 'empty' | 'migrated',
  fn: (db: Database, open: () => Promise<Database>) => Promise<T>,
): Promise<T> {
  if (kind === 'pglite') {
    const db = state === 'empty' ? await openPGlite(undefined) : await openTemplatePGlite();
    try {
      return await fn(db, async () => db);
    } finally {
      await db.close();
    }
  }
  const created = await createPostgresDatabase();
  const opened: Database[] = [];
  const open = async () => {
    const db = await openPostgres(created.url);
    opened.push(db);
    return db;
  };
  try {
    const db = await open();
    if (state === 'migrated') await migrate(db);
    return await fn(db, open);
  } finally {
    await Promise.all(opened.map((db) => db.close()));
    await created.drop();
  }
}

async function recordedMigrations(db: Database) {
  const { rows } = await db.query<{ version: number; name: string; checksum: string; applied_at: Date }>(
    'SELECT version, name, checksum, applied_at FROM schema_migration ORDER BY version',
  );
  return rows;
}

/** Every relation in the public schema with its columns: changes if anything is created, dropped or altered. */
async function schemaSnapshot(db: Database) {
  const { rows } = await db.query(
    `SELECT c.oid::bigint AS oid, c.relname, c.relkind, a.attname, format_type(a.atttypid, a.atttypmod) AS type,
            a.attstorage, a.attnotnull
       FROM pg_class c
       JOIN pg_namespace n ON n.oid = c.relnamespace
       LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
      WHERE n.nspname = 'public'
      ORDER BY c.relname, a.attnum`,
  );
  return rows;
}

async function relationExists(db: Database, name: string): Promise<boolean> {
  const { rows } = await db.query<{ exists: boolean }>('SELECT to_regclass($1) IS NOT NULL AS exists', [name]);
  return rows[0]!.exists;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

describeEachDatabase('migrations', (setup) => {
  it('applies every migration, 0001 first, to an empty database once and records its checksum', async () => {
    await withOwnDatabase(setup().kind, 'empty', async (db) => {
      expect(REAL_FILES[0]).toBe('0001_init.sql');
      const report = await migrate(db);
      expect(report).toEqual({ applied: REAL_FILES, alreadyApplied: [] });

      const recorded = await recordedMigrations(db);
      const expected = await Promise.all(
        REAL_FILES.map(async (name) => ({
          version: Number(name.slice(0, 4)),
          name,
          checksum: sha256(await readFile(path.join(MIGRATIONS_DIR, name), 'utf8')),
        })),
      );
      expect(recorded.map(({ version, name, checksum }) => ({ version, name, checksum }))).toEqual(expected);
      for (const table of ['vehicle', 'device', 'device_event', 'device_assignment', 'telemetry_chunk']) {
        expect(await relationExists(db, table), table).toBe(true);
      }
    });
  });

  it('reports applied migrations as already applied on a second run and changes nothing', async () => {
    const { db } = setup();
    await db.query("INSERT INTO vehicle (make, model, model_year) VALUES ('Kia', 'Niro EV', 2023)");
    const recordedBefore = await recordedMigrations(db);
    const schemaBefore = await schemaSnapshot(db);
    const vehiclesBefore = (await db.query('SELECT * FROM vehicle ORDER BY id')).rows;

    const report = await migrate(db);

    expect(report).toEqual({ applied: [], alreadyApplied: REAL_FILES });
    expect(await recordedMigrations(db)).toEqual(recordedBefore);
    expect(await schemaSnapshot(db)).toEqual(schemaBefore);
    expect((await db.query('SELECT * FROM vehicle ORDER BY id')).rows).toEqual(vehiclesBefore);
  });

  it('applies only the new migration when one is added after the others landed', async () => {
    await withOwnDatabase(setup().kind, 'migrated', async (db) => {
      const dir = await migrationsDir({ '9001_add_probe.sql': 'CREATE TABLE added_probe (id integer);' });
      expect(await migrate(db, { dir })).toEqual({ applied: ['9001_add_probe.sql'], alreadyApplied: REAL_FILES });
      expect(await relationExists(db, 'added_probe')).toBe(true);
    });
  });

  it('refuses a database migrated by a newer version, naming the migrations it does not know', async () => {
    await withOwnDatabase(setup().kind, 'migrated', async (db) => {
      const newer = await migrationsDir({ '9002_from_the_future.sql': 'CREATE TABLE future_probe (id integer);' });
      await migrate(db, { dir: newer });
      await expect(migrate(db)).rejects.toThrow(/does not know \(9002_from_the_future\.sql\).*newer version/);
    });
  });

  it('refuses a migration whose file changed after it was applied, naming the file, and applies nothing after it', async () => {
    await withOwnDatabase(setup().kind, 'migrated', async (db) => {
      const original = await readFile(path.join(MIGRATIONS_DIR, '0001_init.sql'), 'utf8');
      const dir = await migrationsDir({
        '0001_init.sql': `${original}\n-- an edit made after the migration landed\n`,
        '9001_after_changed.sql': 'CREATE TABLE after_changed_probe (id integer);',
      });
      const recordedBefore = await recordedMigrations(db);

      const refusal = migrate(db, { dir });

      await expect(refusal).rejects.toThrow(/Migration 0001_init\.sql was changed after it was applied/);
      await expect(refusal).rejects.toThrow(/put the change in a new migration/);
      expect(await recordedMigrations(db)).toEqual(recordedBefore);
      expect(await relationExists(db, 'after_changed_probe')).toBe(false);
    });
  });

  describe('refuses a migration file not named NNNN_name.sql, naming it', () => {
    it.each([
      ['2_short_number.sql'],
      ['00002_long_number.sql'],
      ['0002-dashes-not-underscores.sql'],
      ['0002_Upper_Case.sql'],
      ['0002_space in_name.sql'],
      ['0002.sql'],
    ])('%s', async (file) => {
      const { db } = setup();
      const probe = `bad_name_probe_${sha256(file).slice(0, 8)}`;
      const dir = await migrationsDir({ [file]: `CREATE TABLE ${probe} (id integer);` });
      const escaped = file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

      const refusal = migrate(db, { dir });

      await expect(refusal).rejects.toThrow(new RegExp(`Migration file ${escaped} is not named NNNN_name\\.sql`));
      expect(await relationExists(db, probe)).toBe(false);
    });
  });

  it('refuses two migration files with the same number', async () => {
    const { db } = setup();
    const dir = await migrationsDir({ '0001_second_init.sql': 'CREATE TABLE same_number_probe (id integer);' });
    await expect(migrate(db, { dir })).rejects.toThrow(/Two migrations are numbered 0001/);
    expect(await relationExists(db, 'same_number_probe')).toBe(false);
  });

  it('lets two concurrent migrators on a fresh database both succeed, applying each migration exactly once', async () => {
    await withOwnDatabase(setup().kind, 'empty', async (first, open) => {
      const second = await open();
      // Extra migrations widen the race: each one is a point where the two could interleave.
      const dir = await migrationsDir({
        '9001_probe_table.sql': 'CREATE TABLE concurrency_probe (migration integer NOT NULL);',
        '9002_probe_row.sql': 'INSERT INTO concurrency_probe VALUES (9002);',
        '9003_probe_row.sql': 'INSERT INTO concurrency_probe VALUES (9003);',
      });
      const all = [...REAL_FILES, '9001_probe_table.sql', '9002_probe_row.sql', '9003_probe_row.sql'];

      const reports = await Promise.all([migrate(first, { dir }), migrate(second, { dir })]);

      for (const name of all) {
        const appliers = reports.filter((report) => report.applied.includes(name)).length;
        const skippers = reports.filter((report) => report.alreadyApplied.includes(name)).length;
        expect({ name, appliers, skippers }).toEqual({ name, appliers: 1, skippers: 1 });
      }
      expect((await recordedMigrations(first)).map((row) => row.name)).toEqual(all);
      const { rows } = await first.query('SELECT migration FROM concurrency_probe ORDER BY migration');
      expect(rows).toEqual([{ migration: 9002 }, { migration: 9003 }]);
    });
  });

  describe('keeps the storage promises of 0001', () => {
    it('telemetry_chunk is a partitioned table', async () => {
      const { rows } = await setup().db.query<{ relkind: string }>(
        "SELECT relkind FROM pg_class WHERE oid = 'telemetry_chunk'::regclass",
      );
      expect(rows).toEqual([{ relkind: 'p' }]);
    });

    it('telemetry_chunk.payload is stored external (already compressed: TOAST must not compress it again)', async () => {
      const { rows } = await setup().db.query<{ attstorage: string }>(
        "SELECT attstorage FROM pg_attribute WHERE attrelid = 'telemetry_chunk'::regclass AND attname = 'payload'",
      );
      expect(rows).toEqual([{ attstorage: 'e' }]);
    });

    it('a month partition created later stores its payload external too', async () => {
      const { db } = setup();
      await new TelemetryPartitions(db).ensure([Date.parse('2031-03-15T00:00:00Z')]);
      const { rows } = await db.query<{ attstorage: string }>(
        "SELECT attstorage FROM pg_attribute WHERE attrelid = 'telemetry_chunk_2031_03'::regclass AND attname = 'payload'",
      );
      expect(rows).toEqual([{ attstorage: 'e' }]);
    });
  });
  it('0008 turns not_qualified and closed inquiries into declined, and takes only the new statuses', async () => {
    await withOwnDatabase(setup().kind, 'empty', async (db) => {
      const before = await mkdtemp(path.join(tmpdir(), 'smartcharge-migrations-'));
      temporaryDirs.push(before);
      for (const file of REAL_FILES.filter((f) => f < '0008')) {
        await copyFile(path.join(MIGRATIONS_DIR, file), path.join(before, file));
      }
      await migrate(db, { dir: before });
      for (const status of ['new', 'contacted', 'qualified', 'not_qualified', 'closed']) {
        await db.query(
          `INSERT INTO property_inquiry (building_name, address, units, has_common_area, contact_name, contact_email, status)
           VALUES ($1, '{}'::jsonb, 10, true, 'Pat', 'pat@example.com', $1)`,
          [status],
        );
      }
      await migrate(db);
      const { rows } = await db.query<{ building_name: string; status: string }>(
        'SELECT building_name, status FROM property_inquiry ORDER BY id',
      );
      expect(rows.map((row) => [row.building_name, row.status])).toEqual([
        ['new', 'new'],
        ['contacted', 'contacted'],
        ['qualified', 'qualified'],
        ['not_qualified', 'declined'],
        ['closed', 'declined'],
      ]);
      await expect(
        db.query(`UPDATE property_inquiry SET status = 'closed' WHERE id = (SELECT min(id) FROM property_inquiry)`),
      ).rejects.toThrow(/check/i);
      await db.query(`UPDATE property_inquiry SET status = 'installed' WHERE building_name = 'qualified'`);
    });
  });

  it('0005 fills the program days from the vehicle days derived before it', async () => {
    await withOwnDatabase(setup().kind, 'empty', async (db) => {
      const before = await mkdtemp(path.join(tmpdir(), 'smartcharge-migrations-'));
      temporaryDirs.push(before);
      for (const file of REAL_FILES.filter((f) => f < '0005')) {
        await copyFile(path.join(MIGRATIONS_DIR, file), path.join(before, file));
      }
      await migrate(db, { dir: before });
      expect(await relationExists(db, 'program_day')).toBe(false);
      await db.query(
        `INSERT INTO program (slug, name, utility, time_zone, grid_g_per_kwh) VALUES ('p', 'P', 'U', 'America/Toronto', 30)`,
      );
      await db.query(
        `INSERT INTO vehicle (make, model, model_year, program_id)
         SELECT 'Nissan', 'Leaf', 2020, id FROM program, generate_series(1, 3)`,
      );
      // Three vehicles on 2 June, one of them on 3 June too, and a day outside any program.
      await db.query(
        `INSERT INTO vehicle_day (vehicle_id, day, program_id, trips, distance_m, charge_wall_wh, charge_hourly_wh, charge_tou_wh)
         SELECT v.id, d.day, CASE WHEN d.day = '2026-06-04' THEN NULL ELSE v.program_id END, 2, 1000 * v.id, 500 * v.id,
                array_fill(0::float8, ARRAY[18]) || ARRAY[100.0 * v.id, 0, 0, 0, 0, 0]::float8[],
                jsonb_build_object('on_peak', 100.0 * v.id, 'off_peak', 400.0 * v.id)
           FROM vehicle v, (VALUES ('2026-06-02'::date), ('2026-06-03'), ('2026-06-04')) AS d(day)
          WHERE d.day = '2026-06-02' OR v.id = (SELECT min(id) FROM vehicle)`,
      );
      const report = await migrate(db);
      expect(report.applied).toEqual(REAL_FILES.filter((f) => f >= '0005'));
      const { rows } = await db.query(
        `SELECT day::text AS day, vehicles, trips, distance_m, charge_wall_wh, charge_hourly_wh, charge_tou_wh
           FROM program_day ORDER BY day`,
      );
      const { rows: ids } = await db.query<{ id: number }>('SELECT id::int AS id FROM vehicle ORDER BY id');
      const sum = ids.reduce((a, r) => a + r.id, 0);
      const first = ids[0]!.id;
      const hourly = (n: number) => [...new Array<number>(18).fill(0), 100 * n, 0, 0, 0, 0, 0];
      expect(rows).toEqual([
        {
          day: '2026-06-02',
          vehicles: 3,
          trips: 6,
          distance_m: 1000 * sum,
          charge_wall_wh: 500 * sum,
          charge_hourly_wh: hourly(sum),
          charge_tou_wh: { on_peak: 100 * sum, off_peak: 400 * sum },
        },
        {
          day: '2026-06-03',
          vehicles: 1,
          trips: 2,
          distance_m: 1000 * first,
          charge_wall_wh: 500 * first,
          charge_hourly_wh: hourly(first),
          charge_tou_wh: { on_peak: 100 * first, off_peak: 400 * first },
        },
      ]);
    });
  });
});
