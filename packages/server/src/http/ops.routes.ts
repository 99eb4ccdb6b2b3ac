/**
 * Operations: GET /healthz (is the database answering; public, for load balancers), GET /metrics
 * (Prometheus text) and GET /status (a page of what the server is doing). Metrics and status show fleet
 * counts, so they answer the operator only (the operator token, or a signed-in operator), unless
 * OPS_PUBLIC says the network in front of the server already keeps them private.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { CLI_OPERATOR } from '../actor.js';
import { AppError } from '../errors.js';
import { isReadRouting } from '../db/read-routing.js';
import { queueDepth } from '../derive/derive-queue.repository.js';
import type { ReplicaStatus } from '../db/replica-monitor.js';
import type { Metrics } from '../metrics.js';
import type { Services } from '../services.js';
import { contentSecurityPolicy } from './security.js';
import type { ActorResolver } from './session-auth.js';

export interface RuntimeInfo {
  readonly version: string;
  readonly instance: string;
  readonly startedAt: Date;
  readonly database: string;
  /** e.g. "embedded broker on port 1883", "external broker mqtt://…", "off". */
  mqtt: string;
}

function replicaHealth(status: ReplicaStatus): { state: string; lag_s: number | null } {
  return { state: status.state, lag_s: status.lagS === undefined ? null : Math.round(status.lagS * 1000) / 1000 };
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export interface OpsAccess {
  readonly actorOf: ActorResolver;
  /** OPS_PUBLIC: /metrics and /status answer anyone. */
  readonly public: boolean;
  /** For the status page's own Content-Security-Policy. */
  readonly mapTileUrl?: string;
}

const STATUS_STYLE = `
 body{font:16px/1.5 system-ui,sans-serif;margin:0;color:#1b2a2f;background:#f4f7f6}
 main{max-width:44rem;margin:0 auto;padding:1.5rem}
 h1{font-size:1.5rem;margin:.2rem 0}.sub{color:#4b5d63;margin:0 0 1.2rem}
 section{background:#fff;border-radius:.6rem;padding:1rem 1.2rem;margin:0 0 1rem;box-shadow:0 1px 2px #0001}
 h2{font-size:1.05rem;margin:0 0 .6rem}table{border-collapse:collapse;width:100%}
 td{padding:.2rem 0;border-bottom:1px solid #eef2f1}td:last-child{text-align:right;font-variant-numeric:tabular-nums}
 code,pre{font:13px/1.4 ui-monospace,monospace;background:#eef2f1;border-radius:.3rem}pre{padding:.7rem;overflow-x:auto}
 a{color:#0b6e4f}
`;
/** The page's one inline style block, allowed by its hash (no 'unsafe-inline'). */
const STATUS_STYLE_HASH = `'sha256-${createHash('sha256').update(STATUS_STYLE).digest('base64')}'`;

export function opsRoutes(services: Services, metrics: Metrics, runtime: RuntimeInfo, access: OpsAccess) {
  const requireOperatorUnlessPublic = async (request: FastifyRequest): Promise<void> => {
    if (access.public) return;
    const actor = await access.actorOf(request);
    if (actor.kind === 'operator') return;
    throw new AppError(
      actor.kind === 'public' ? 'unauthenticated' : 'forbidden',
      `${request.url.split('?')[0]} shows fleet figures to platform operators only: send the operator token ("Authorization: Bearer <SMARTCHARGE_ADMIN_TOKEN>") or sign in as an operator (OPS_PUBLIC=true opens it to anyone who can reach the server).`,
    );
  };
  const statusCsp = Object.entries(contentSecurityPolicy({ mapTileUrl: access.mapTileUrl }))
    .map(([name, values]) => `${name} ${(name === 'style-src' ? [...values, STATUS_STYLE_HASH] : values).join(' ')}`)
    .join('; ');

  return async (app: FastifyInstance): Promise<void> => {
    app.get('/healthz', async (_request, reply) => {
      try {
        await services.db.query('SELECT 1');
      } catch (error) {
        return reply.code(503).send({ status: 'unavailable', database: (error as Error).message });
      }
      return {
        status: 'ok',
        version: runtime.version,
        instance: runtime.instance,
        database: services.db.kind,
        mqtt: runtime.mqtt,
        pending_records: services.writer.pendingRecords,
        // The replica's state and lag, never its address (this route is public).
        ...(isReadRouting(services.db) ? { replica: replicaHealth(services.db.readReplica.status()) } : {}),
      };
    });

    app.get('/metrics', async (request, reply) => {
      await requireOperatorUnlessPublic(request);
      try {
        const depth = await queueDepth(services.db);
        metrics.deriveQueueVehicles.set({ state: 'waiting' }, depth.waiting);
        metrics.deriveQueueVehicles.set({ state: 'claimed' }, depth.claimed);
        metrics.deriveQueueOldestSeconds.set(depth.oldestS);
      } catch {
        // The database not answering shows on /healthz; the other metrics still go out.
      }
      return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
    });

    app.get('/status', async (request, reply) => {
      await requireOperatorUnlessPublic(request);
      const [byStatus, totals] = await Promise.all([
        services.devices.countDevicesByStatus(CLI_OPERATOR),
        services.telemetry.totals(CLI_OPERATOR),
      ]);
      const devices = Object.values(byStatus).reduce((a, b) => a + b, 0);
      const perRecord = totals.records > 0 ? (totals.bytes / totals.records).toFixed(1) : '–';
      const statusRows = Object.entries(byStatus)
        .map(([status, n]) => `<tr><td>${escapeHtml(status)}</td><td>${n}</td></tr>`)
        .join('');
      const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="10"><title>SmartCharge server</title>
<style>${STATUS_STYLE}</style></head><body><main>
<h1>⚡ SmartCharge</h1>
<p class="sub">Platform server ${escapeHtml(runtime.version)} — running since ${escapeHtml(runtime.startedAt.toISOString())}</p>
<section><h2>Services</h2><table>
<tr><td>Database</td><td>${escapeHtml(runtime.database)}</td></tr>
<tr><td>MQTT</td><td>${escapeHtml(runtime.mqtt)}</td></tr>
<tr><td>Device uplink (HTTP)</td><td><code>POST /api/v1/uplink</code></td></tr>
<tr><td>Health, metrics, web app</td><td><a href="/healthz">/healthz</a> · <a href="/metrics">/metrics</a> · <a href="/">/</a></td></tr>
</table></section>
<section><h2>Devices (${devices})</h2><table>${statusRows || '<tr><td>No devices yet</td><td></td></tr>'}</table></section>
<section><h2>Telemetry</h2><table>
<tr><td>Records stored</td><td>${totals.records.toLocaleString('en-US')}</td></tr>
<tr><td>Chunks</td><td>${totals.chunks.toLocaleString('en-US')}</td></tr>
<tr><td>Bytes on disk per record</td><td>${perRecord}</td></tr>
<tr><td>Waiting to be written</td><td>${services.writer.pendingRecords}</td></tr>
</table></section>
<section><h2>Send data</h2>
<pre>npx smartcharge device provision --serial C2-DEMO-1
curl -u C2-DEMO-1:&lt;secret&gt; -H 'content-type: application/json' \\
  --data @docs/examples/uplink-batch.json http://localhost:PORT/api/v1/uplink</pre>
<p>The example batch names device <code>C2-DEMO-1</code>; see <code>docs/protocol.md</code>. This page refreshes every 10 s.</p>
</section></main></body></html>`;
      return reply.type('text/html; charset=utf-8').header('content-security-policy', statusCsp).send(html);
    });
  };
}
