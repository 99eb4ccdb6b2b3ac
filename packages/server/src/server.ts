/**
 * `smartcharge serve`: opens the database, migrates, builds the services, listens for HTTP and
 * MQTT, and publishes how the CLI can reach it. close() stops intake first, lets everything
 * received be committed, then closes the database.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { redactUrl, type Config } from './config.js';
import { migrate } from './db/migrate.js';
import { openDatabase } from './db/open.js';
import { buildHttpServer, registeredRoutes, type RouteEntry } from './http/http-server.js';
import type { RuntimeInfo } from './http/ops.routes.js';
import { createLogger, type Logger } from './logger.js';
import { createMetrics } from './metrics.js';
import { startEmbeddedBroker } from './mqtt/embedded-broker.js';
import { startExternalConsumer } from './mqtt/external-consumer.js';
import { startNatsIngest } from './nats/index.js';
import { hostname } from 'node:os';
import { platformJobs, Scheduler } from './jobs/index.js';
import { createServices, type Services } from './services.js';
import type { PasswordCost } from './accounts/index.js';
import { isEmptyForDemo, resumeDemo, startDemo, type Demo } from './demo/demo.js';
import type { Role } from './roles.js';

export const SERVER_VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

export interface RunningServer {
  /** Base URL for clients on this machine, e.g. http://127.0.0.1:8080 */
  readonly url: string;
  readonly port: number;
  /** Port of the embedded MQTT broker, when one runs. */
  readonly mqttPort: number | undefined;
  readonly mqtt: string;
  readonly adminToken: string;
  readonly services: Services;
  readonly scheduler: Scheduler | undefined;
  /** The demo, when this start created one (an empty database, demo on). */
  readonly demo: Demo | undefined;
  readonly log: Logger;
  /** Every HTTP route this server answers. */
  readonly routes: readonly RouteEntry[];
  /** ROLES: what this node does. */
  readonly roles: readonly Role[];
  close(): Promise<void>;
}

export interface StartOptions {
  readonly log?: Logger;
  readonly clock?: () => Date;
  /** MQTT_PORT was chosen by the user: a busy port is then an error, not a warning. */
  readonly mqttPortExplicit?: boolean;
  /** Set up the demo when the database is empty (`serve` passes DEMO, unless NODE_ENV=production). */
  readonly demo?: boolean;
  /** scrypt cost for new password hashes (default OWASP's minimum; end-to-end tests pass a lower one). */
  readonly passwordCost?: PasswordCost;
  /** The built web app's folder (default packages/web/dist; tests may serve their own build). */
  readonly webRoot?: string;
}

export async function startServer(config: Config, options: StartOptions = {}): Promise<RunningServer> {
  const log = options.log ?? createLogger(config.logLevel);
  const opened = await openDatabase(config, { role: 'server', command: 'smartcharge serve' });
  const cleanups: (() => Promise<void>)[] = [() => opened.close()];
  const closeAll = async (): Promise<void> => {
    for (const cleanup of cleanups.splice(0).reverse()) {
      try {
        await cleanup();
      } catch (error) {
        log.error({ err: error }, 'error while shutting down');
      }
    }
  };

  try {
    const migrations = await migrate(opened.db);
    if (migrations.applied.length > 0) log.info({ applied: migrations.applied }, 'database migrated');
    const metrics = createMetrics();
    // Unset, PUBLIC_URL follows the port actually bound (PORT=0 picks one at start), so mail links reach us.
    let boundPort = config.port;
    const settings = {
      ...config,
      get publicUrl() {
        return config.publicUrlGiven || boundPort === config.port ? config.publicUrl : `http://localhost:${boundPort}`;
      },
    };
    const services = await createServices(opened.db, settings, {
      log,
      metrics,
      ...(options.clock ? { clock: options.clock } : {}),
      ...(options.passwordCost ? { passwordCost: options.passwordCost } : {}),
    });
    const roles = config.roles;
    // Without the worker role this node derives nothing: what its writer queues, workers derive.
    if (!roles.includes('worker')) await services.derive.stopWorker();
    // Closed in reverse: the writer commits what it holds, then derivation finishes with it.
    cleanups.push(() => services.derive.close());
    cleanups.push(() => services.writer.close());
    // After HTTP stops, before the database closes: reset mail queued after its answer goes out.
    cleanups.push(() => services.accounts.close());

    const adminToken = config.adminToken ?? randomBytes(24).toString('base64url');
    const runtime: RuntimeInfo = {
      version: SERVER_VERSION,
      instance: opened.lock?.instance ?? randomBytes(8).toString('hex'),
      startedAt: new Date(),
      database: opened.db.description,
      mqtt: 'off',
    };

    let scheduler: Scheduler | undefined;
    let demo: Demo | undefined;
    const http = await buildHttpServer({
      services,
      metrics,
      log,
      runtime,
      adminToken,
      migrations,
      scheduler: () => scheduler,
      demo: () => demo?.status(),
      mapTileUrl: config.mapTileUrl,
      secureCookies: config.publicUrl.startsWith('https:'),
      publicUrl: config.publicUrl,
      ...(options.webRoot ? { webRoot: options.webRoot } : {}),
      opsPublic: config.opsPublic,
      trustProxy: config.trustProxy,
      roles,
    });
    try {
      await http.listen({ port: config.port, host: config.host });
    } catch (error) {
      await http.close();
      if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
        throw new Error(`Port ${config.port} is already in use (PORT). Stop what uses it, or choose another port.`, {
          cause: error,
        });
      }
      throw error;
    }
    cleanups.push(() => http.close());
    const address = http.server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    boundPort = port;
    const url = `http://127.0.0.1:${port}`;

    let mqttPort: number | undefined;
    // Device intake over MQTT (the ingest role): an API, web or worker node takes no uplinks.
    if (!roles.includes('ingest')) {
      runtime.mqtt = 'off (this node has no ingest role)';
    } else {
      if (config.natsUrl) {
        // A NATS JetStream cluster is the broker (docs/nats.md): no embedded one, no MQTT_URL.
        const nats = await startNatsIngest({
          url: config.natsUrl,
          replicas: config.natsStreamReplicas,
          ingest: services.ingest,
          log: log.child({ component: 'nats' }),
          name: `smartcharge-ingest ${hostname()}:${process.pid}`,
        });
        cleanups.push(() => nats.close());
        runtime.mqtt = nats.description;
      } else if (config.mqttUrl) {
        const consumer = await startExternalConsumer({
          url: config.mqttUrl,
          trustBrokerAuth: config.mqttTrustBrokerAuth,
          ingest: services.ingest,
          log: log.child({ component: 'mqtt' }),
        });
        cleanups.push(() => consumer.close());
        runtime.mqtt = `external broker ${redactUrl(config.mqttUrl)}`;
      } else if (config.mqttPort > 0) {
        try {
          const broker = await startEmbeddedBroker({
            port: config.mqttPort,
            host: config.host,
            devices: services.devices,
            ingest: services.ingest,
            log: log.child({ component: 'mqtt' }),
            limits: {
              maxPacketBytes: config.mqttMaxPacketBytes,
              connectTimeoutS: config.mqttConnectTimeoutS,
              maxPendingConnections: config.mqttMaxPendingConnections,
              maxPendingPerAddress: config.mqttMaxPendingPerAddress,
            },
          });
          cleanups.push(() => broker.close());
          mqttPort = broker.port;
          runtime.mqtt = `embedded broker on port ${broker.port}`;
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
          const message = `MQTT port ${config.mqttPort} is already in use (another broker, such as Mosquitto?)`;
          if (options.mqttPortExplicit) {
            throw new Error(`${message}. Choose another MQTT_PORT, set MQTT_PORT=0, or MQTT_URL to use that broker.`, {
              cause: error,
            });
          }
          log.warn(
            `${message}: starting without the embedded broker. Devices can use HTTP; set MQTT_URL to use that broker.`,
          );
          runtime.mqtt = `off (port ${config.mqttPort} in use)`;
        }
      }
    }

    // Derivation from the durable queue: what other nodes queued, and what a crash left there.
    if (roles.includes('worker') && config.deriveLive) services.derive.startWorker();

    if (config.jobs && roles.includes('worker')) {
      scheduler = new Scheduler(opened.db, platformJobs(services), {
        instance: `${hostname()}:${process.pid}`,
        log: log.child({ component: 'jobs' }),
        ...(options.clock ? { clock: options.clock } : {}),
      });
      await scheduler.start();
      const running = scheduler;
      // Stopped before the database closes: a job in progress finishes first.
      cleanups.push(() => running.stop());
    }

    await opened.lock?.publish({ http_url: url, admin_token: adminToken });

    // The demo's fleet sends (ingest), its people sign in (api) and its history is derived and
    // rewarded (worker): a node with only some of these leaves the demo to an all-in-one start.
    const demoRoles = (['ingest', 'api', 'worker'] as const).filter((role) => !roles.includes(role));
    if (options.demo && demoRoles.length > 0) {
      log.info(
        `no demo on this node: it lacks the ${demoRoles.join(', ')} role (the demo needs ingest, api and worker)`,
      );
    } else if (options.demo) {
      try {
        const demoOptions = {
          config,
          serverUrl: url,
          log: log.child({ component: 'demo' }),
          ...(options.clock ? { clock: options.clock } : {}),
        };
        // An empty database gets a demo; one made by an earlier start drives on.
        demo = (await isEmptyForDemo(services))
          ? await startDemo(services, demoOptions)
          : await resumeDemo(services, demoOptions);
        const started = demo;
        // Stopped first: the fleet's last uploads go in before intake closes.
        if (started) cleanups.push(() => started.stop());
      } catch (error) {
        // The platform runs without its demo rather than not at all.
        log.error({ err: error }, 'could not set up the demo; the server runs without it');
      }
    }

    return {
      url,
      port,
      mqttPort,
      mqtt: runtime.mqtt,
      adminToken,
      services,
      scheduler,
      demo,
      log,
      routes: registeredRoutes(http),
      roles,
      close: closeAll,
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
