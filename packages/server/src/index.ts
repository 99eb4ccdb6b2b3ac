/**
 * @smartcharge/server — the platform as a library: start a server, or build the services over a
 * database (tests, benchmarks, tools).
 */
export { loadConfig, SETTINGS, ConfigError, type Config } from './config.js';
export { startServer, SERVER_VERSION, type RunningServer, type StartOptions } from './server.js';
export { createServices, type Services, type ServiceSettings } from './services.js';
export { migrate, type MigrationReport } from './db/migrate.js';
export { openPGlite, type PGliteDatabase } from './db/pglite.js';
export { openPostgres } from './db/postgres.js';
export type { Database, Queryable } from './db/database.js';
export { createLogger } from './logger.js';
export { createMetrics, type Metrics } from './metrics.js';
export { CLI_OPERATOR, type Actor } from './actor.js';
export { decodeRecords, encodeRecords } from './telemetry/index.js';
