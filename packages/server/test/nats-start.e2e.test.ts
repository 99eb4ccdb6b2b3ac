/**
 * An ingest node started while its NATS cluster cannot elect a JetStream leader (two of three
 * servers down) waits for it and starts once they are back, instead of exiting with a timeout;
 * real nats-server processes, PGlite behind the ingest service.
 */
import { afterAll, expect, it } from 'vitest';
import type { Database } from '../src/db/database.js';
import { createLogger } from '../src/logger.js';
import { startNatsIngest, type NatsIngest } from '../src/nats/index.js';
import { testServices } from './support/builders.js';
import { openTemplatePGlite } from './support/databases.js';
import { startNatsCluster, type NatsCluster } from './support/nats-cluster.js';

let cluster: NatsCluster | undefined;
let db: Database | undefined;
let node: NatsIngest | undefined;

afterAll(async () => {
  await node?.close();
  await cluster?.stop();
  await db?.close();
});

it('waits for a cluster electing its JetStream leader, then starts', async () => {
  cluster = await startNatsCluster({ size: 3 });
  db = await openTemplatePGlite();
  const services = await testServices(db);
  // Two of three down: no quorum, so no stream can be made or found.
  await cluster.kill(1);
  await cluster.kill(2);
  let settled = false;
  const starting = startNatsIngest({
    url: cluster.natsUrl,
    replicas: 3,
    ingest: services.ingest,
    log: createLogger('silent'),
    setupWaitMs: 80_000,
  }).finally(() => {
    settled = true;
  });
  starting.catch(() => {});
  // Long enough for JetStream requests to time out at least once.
  await new Promise((resolve) => setTimeout(resolve, 6000));
  expect(settled).toBe(false);
  await Promise.all([cluster.restart(1), cluster.restart(2)]);
  node = await starting;
  expect(node.description).toContain('SMARTCHARGE_UPLINKS');
}, 120_000);
