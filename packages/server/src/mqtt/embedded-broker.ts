/**
 * The embedded MQTT broker (aedes, MQTT 3.1.1). Devices connect with their serial as username
 * and their secret as password; each may publish only on its own uplink topic and subscribe
 * only to its own ack topic, so whatever arrives on a device's topic came from that device.
 * Revoking a credential disconnects the device at once. A subscription to anything else is
 * refused (SUBACK 0x80) and the connection kept. A device's client id is its serial or derived
 * from it (client-id.ts), so no device can take over another's session. The connection guard
 * bounds what a connection costs before and after it authenticates.
 */
import { createServer, type Server } from 'node:net';
import { ackTopic, uplinkTopic, UPLINK_TOPIC_FILTER } from '@smartcharge/protocol';
import { Aedes, type AuthenticateError, type Client } from 'aedes';
import type { DeviceService } from '../devices/index.js';
import type { Logger } from '../logger.js';
import type { IngestService } from '../telemetry/index.js';
import { bindSessionToSerial, clientIdProblem } from './client-id.js';
import { ConnectionGuard, MQTT_CONNECT_MAX_BYTES, type GuardRefusal } from './connection-guard.js';
import { handleUplinkMessage } from './uplink-message.js';

const IDENTIFIER_REJECTED = 2;
const BAD_USERNAME_OR_PASSWORD = 4;
const NOT_AUTHORIZED = 5;

/** What a connection may cost (settings MQTT_MAX_PACKET_BYTES, MQTT_CONNECT_TIMEOUT_S, MQTT_MAX_PENDING_*). */
export interface EmbeddedBrokerLimits {
  readonly maxPacketBytes: number;
  readonly connectTimeoutS: number;
  readonly maxPendingConnections: number;
  readonly maxPendingPerAddress: number;
}

export interface EmbeddedBroker {
  readonly port: number;
  close(): Promise<void>;
}

function authError(message: string, returnCode: number): AuthenticateError {
  return Object.assign<Error, { returnCode: AuthenticateError['returnCode'] }>(new Error(message), {
    returnCode: returnCode,
  });
}

/**
 * A refusal names the address; under an attack the cap refuses many connections a second, so
 * those are logged once per burst (when the cap is first hit after a quiet minute), the rest at debug.
 */
function logRefusal(log: Logger): (refusal: GuardRefusal) => void {
  let lastWarnMs = 0;
  return (refusal) => {
    const capped = refusal.kind === 'too_many_pending' || refusal.kind === 'too_many_pending_from_address';
    const now = Date.now();
    if (capped && now - lastWarnMs < 60_000) {
      log.debug(refusal, 'mqtt connection refused');
      return;
    }
    if (capped) lastWarnMs = now;
    log.warn(refusal, capped ? 'mqtt connections refused: too many waiting to authenticate' : 'mqtt connection closed');
  };
}

export async function startEmbeddedBroker(options: {
  port: number;
  host: string;
  devices: DeviceService;
  ingest: IngestService;
  log: Logger;
  limits: EmbeddedBrokerLimits;
}): Promise<EmbeddedBroker> {
  const { devices, ingest, log, limits } = options;
  const serials = new WeakMap<Client, string>();
  const requestedIds = new WeakMap<Client, string>();
  const connected = new Map<string, Set<Client>>();
  const guard = new ConnectionGuard(
    {
      maxPacketBytes: limits.maxPacketBytes,
      maxConnectBytes: Math.min(MQTT_CONNECT_MAX_BYTES, limits.maxPacketBytes),
      connectTimeoutMs: limits.connectTimeoutS * 1000,
      maxPending: limits.maxPendingConnections,
      maxPendingPerAddress: limits.maxPendingPerAddress,
    },
    logRefusal(log),
  );

  const broker = await Aedes.createBroker({
    connectTimeout: limits.connectTimeoutS * 1000,
    preConnect(client, packet, callback) {
      requestedIds.set(client, packet.clientId);
      callback(null, true);
    },
    authenticate(client, username, password, done) {
      if (!username || !password) {
        done(
          authError('a device connects with its serial as username and its secret as password', NOT_AUTHORIZED),
          false,
        );
        return;
      }
      devices
        .authenticate({ serial: username, secret: password.toString('utf8') })
        .then((result) => {
          if (!result.ok) {
            log.info({ serial: username, reason: result.reason }, 'mqtt connection refused');
            done(authError(result.reason, BAD_USERNAME_OR_PASSWORD), false);
            return;
          }
          const serial = result.device.serial;
          const problem = clientIdProblem(requestedIds.get(client) ?? client.id, serial);
          if (problem) {
            log.info({ serial, clientId: client.id }, 'mqtt client id refused');
            done(authError(problem, IDENTIFIER_REJECTED), false);
            return;
          }
          bindSessionToSerial(client, serial);
          serials.set(client, serial);
          guard.authenticated(client.conn);
          done(null, true);
        })
        .catch((error: unknown) => {
          log.error({ err: error }, 'mqtt authentication failed');
          done(authError('server unavailable', 3), false);
        });
    },
    authorizePublish(client, packet, callback) {
      if (client === null) return callback(null); // the server itself (acks)
      const serial = serials.get(client);
      if (serial !== undefined && packet.topic === uplinkTopic(serial)) return callback(null);
      callback(
        new Error(`device ${serial ?? '?'} may publish only on ${serial ? uplinkTopic(serial) : 'its own topic'}`),
      );
    },
    authorizeSubscribe(client, subscription, callback) {
      const serial = serials.get(client);
      if (serial !== undefined && subscription.topic === ackTopic(serial)) return callback(null, subscription);
      // A null subscription is answered 0x80 (failure) for this filter alone: the connection and
      // the device's other subscriptions stay.
      log.info({ serial, topic: subscription.topic }, 'mqtt subscription refused');
      callback(null, null);
    },
  });

  broker.on('clientReady', (client) => {
    const serial = serials.get(client);
    if (serial === undefined) return;
    const set = connected.get(serial) ?? new Set<Client>();
    set.add(client);
    connected.set(serial, set);
  });
  broker.on('clientDisconnect', (client) => {
    const serial = serials.get(client);
    if (serial !== undefined) connected.get(serial)?.delete(client);
  });
  broker.on('clientError', (client, error) => {
    log.debug({ serial: serials.get(client), err: error }, 'mqtt client error');
  });
  const stopRevocations = devices.onCredentialRevoked((serial) => {
    for (const client of connected.get(serial) ?? []) client.close();
    connected.delete(serial);
  });

  await new Promise<void>((resolve) => {
    broker.subscribe(
      UPLINK_TOPIC_FILTER,
      (packet, done) => {
        done();
        handleUplinkMessage(ingest, {
          topic: packet.topic,
          payload: packet.payload as Buffer,
          brokerAuthenticated: true,
        })
          .then((answer) => {
            if (!answer) return;
            broker.publish(
              {
                cmd: 'publish',
                topic: answer.topic,
                payload: Buffer.from(JSON.stringify(answer.ack)),
                qos: 1,
                retain: false,
                dup: false,
              },
              (error) => {
                if (error) log.warn({ err: error, topic: answer.topic }, 'could not publish an ack');
              },
            );
          })
          .catch((error: unknown) => log.error({ err: error }, 'mqtt uplink handling failed'));
      },
      resolve,
    );
  });

  const server: Server = createServer((socket) => {
    if (!guard.admit(socket)) return;
    broker.handle(socket);
    guard.watch(socket);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;

  return {
    port,
    async close() {
      stopRevocations();
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
