/**
 * Runs the server in the foreground until SIGINT/SIGTERM, then shuts down cleanly
 * (everything received is committed and acknowledged before the database closes).
 */
import type { Config } from '../config.js';
import { readDemoCredentials } from '../demo/demo.js';
import { describeRoles } from '../roles.js';
import { startServer, SERVER_VERSION } from '../server.js';

export async function runServe(
  config: Config,
  options: { json: boolean; mqttPortExplicit: boolean; demo: boolean },
): Promise<void> {
  const demoWanted = options.demo && config.demo && process.env.NODE_ENV !== 'production';
  const has = (role: (typeof config.roles)[number]) => config.roles.includes(role);
  // The demo runs only where its fleet is taken in, its people served and its history derived.
  const demoHere = demoWanted && has('ingest') && has('api') && has('worker');
  const server = await startServer(config, { mqttPortExplicit: options.mqttPortExplicit, demo: demoWanted });
  // A demo made by an earlier start on this folder: its sign-ins, again (the file is the data folder's).
  const credentials = server.demo?.credentials ?? (demoHere ? await readDemoCredentials(config.dataDir) : undefined);
  const summary = {
    event: 'started',
    version: SERVER_VERSION,
    url: server.url,
    roles: server.roles,
    ...(has('ingest') ? { uplink: `${server.url}/api/v1/uplink` } : {}),
    mqtt: server.mqtt,
    database: server.services.db.description,
    ...(credentials ? { demo: credentials } : {}),
  };
  // Before the start-up line: whoever waits for it (a supervisor, a test) may stop us at once.
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    server.log.info({ signal }, 'shutting down: finishing what was received');
    server
      .close()
      .then(() => process.exit(0))
      .catch((error: unknown) => {
        server.log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  server.log.info(summary, 'SmartCharge is running');
  if (options.json) {
    process.stderr.write(`${JSON.stringify(summary)}\n`);
  } else {
    const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
    process.stderr.write(
      [
        '',
        `  SmartCharge ${SERVER_VERSION} is running`,
        '',
        `  Roles       ${describeRoles(server.roles)}${server.roles.length < 4 ? '  (other routes answer 503 naming their role)' : ''}`,
        ...(has('web') ? [`  Web         http://${host}:${server.port}/`] : []),
        ...(has('api') && !has('web') ? [`  API         http://${host}:${server.port}/api/v1/`] : []),
        ...(has('ingest') ? [`  Uplink      POST http://${host}:${server.port}/api/v1/uplink`] : []),
        ...(has('ingest') ? [`  MQTT        ${server.mqtt}`] : []),
        ...(has('worker')
          ? [
              `  Worker      ${config.deriveLive ? 'derivation from the queue' : 'derivation off (DERIVE_LIVE=false)'}${config.jobs ? ', scheduled jobs' : ''}`,
            ]
          : []),
        `  Health      http://${host}:${server.port}/healthz · /readyz`,
        `  Database    ${server.services.db.description}`,
        '',
        ...(demoWanted && !demoHere
          ? ['  Demo        not on this node: it runs where ingest, api and worker all run', '']
          : []),
        ...(credentials
          ? [
              !server.demo
                ? '  Demo        made on an earlier start of this data folder (its history is kept; DEMO=false to skip)'
                : server.demo.status().state === 'preparing'
                  ? `  Demo        made on an earlier start: ${server.demo.status().vehicles} vehicles catch up on the time the server was down, then drive live`
                  : `  Demo        ${config.demoVehicles} simulated vehicles, ${config.demoDays} days of history filling in (progress in the web app), then driving live`,
              `  Driver      ${credentials.driver.email}  /  ${credentials.driver.password}`,
              ...(credentials.mississippiDriver
                ? [`  Driver (MS) ${credentials.mississippiDriver.email}  /  ${credentials.mississippiDriver.password}`]
                : []),
              `  Admin       ${credentials.admin.email}  /  ${credentials.admin.password}`,
              `  Operator    ${credentials.operator.email}  /  ${credentials.operator.password}`,
              '',
            ]
          : []),
        ...(has('api') || has('ingest')
          ? ['  Add a device:  npx smartcharge device provision --serial C2-DEMO-1']
          : []),
        '  Stop:          Ctrl+C',
        '',
        '',
      ].join('\n'),
    );
  }
}
