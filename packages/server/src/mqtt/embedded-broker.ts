/**
 * The embedded MQTT broker (aedes, MQTT 3.1.1). Devices connect with their serial as username
 * and their secret as password; each may publish only on its own uplink topic and subscribe
 * only to its own ack topic, so whatever arrives on a device's topic came from that device.
 * Revoking a credential disconnects the device at once.
 */
import { createServer, type Server } from 'node:net';
import { ackTopic, uplinkTopic, UPLINK_TOPIC_FILTER } from '@smartcharge/protocol';
import { Aedes, type AuthenticateError, type Client } from 'aedes';
import type { DeviceService } from '../devices/index.js';
import type { Logger } from '../logger.js';
import type { IngestService } from '../telemetry/index.js';
import { handleUplinkMessage } from './uplink-message.js';

const BAD_USERNAME_OR_PASSWORD = 4;
const NOT_AUTHORIZED = 5;

export interface EmbeddedBroker {
  readonly port: number;
  close(): Promise<void>;
}

function authError(message: string, returnCode: number): AuthenticateError {
  return Object.assign<Error, { returnCode: AuthenticateError['returnCode'] }>(new Error(message), {
    returnCode: returnCode,
  });
}

export async function startEmbeddedBroker(options: {
  port: number;
  host: string;
  devices: DeviceService;
  ingest: IngestService;
  log: Logger;
}): Promise<EmbeddedBroker> {
  const { devices, ingest, log } = options;
  const serials = new WeakMap<Client, string>();
  const connected = new Map<string, Set<Client>>();

  const broker = await Aedes.createBroker({
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
          serials.set(client, result.device.serial);
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
      callback(new Error(`device ${serial ?? '?'} may subscribe only to its ack topic`));
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

  const server: Server = createServer(broker.handle);
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
