/**
 * Runs once before all tests: builds a migrated PGlite template every suite starts from, and finds
 * out whether the real PostgreSQL server and MQTT broker answer. Under CI=true both must answer;
 * elsewhere the tests that need them are skipped, with a notice printed here.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { migrate } from '../../src/db/migrate.js';
import { openPGlite } from '../../src/db/pglite.js';

declare module 'vitest' {
  export interface ProvidedContext {
    pgliteTemplate: string;
    postgresUrl: string | null;
    mqttUrl: string | null;
  }
}

const REQUIRED = process.env.CI === 'true';

async function postgresAnswers(url: string): Promise<string | null> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return null;
  } catch (error) {
    return (error as Error).message;
  } finally {
    await client.end().catch(() => {});
  }
}

function brokerAnswers(url: string): Promise<string | null> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port || 1883), timeout: 3000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve(null);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve('timed out');
    });
    socket.once('error', (error) => resolve(error.message));
  });
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dir = await mkdtemp(path.join(tmpdir(), 'smartcharge-test-'));
  const template = path.join(dir, 'pglite-template.tar');
  const db = await openPGlite(undefined);
  await migrate(db);
  await writeFile(template, Buffer.from(await (await db.dumpDataDir()).arrayBuffer()));
  await db.close();
  project.provide('pgliteTemplate', template);

  const postgresUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const pgProblem = await postgresAnswers(postgresUrl);
  if (pgProblem && REQUIRED) throw new Error(`CI=true but PostgreSQL at ${postgresUrl} does not answer: ${pgProblem}`);
  if (pgProblem)
    console.warn(
      `\n[notice] PostgreSQL at ${postgresUrl} does not answer (${pgProblem}): skipping the real-server variants.\n`,
    );
  project.provide('postgresUrl', pgProblem ? null : postgresUrl);

  const mqttUrl = process.env.TEST_MQTT_URL ?? 'mqtt://127.0.0.1:1883';
  const mqttProblem = await brokerAnswers(mqttUrl);
  if (mqttProblem && REQUIRED)
    throw new Error(`CI=true but the MQTT broker at ${mqttUrl} does not answer: ${mqttProblem}`);
  if (mqttProblem)
    console.warn(
      `\n[notice] MQTT broker at ${mqttUrl} does not answer (${mqttProblem}): skipping external-broker tests.\n`,
    );
  project.provide('mqttUrl', mqttProblem ? null : mqttUrl);

  return async () => {
    await rm(dir, { recursive: true, force: true });
  };
}
