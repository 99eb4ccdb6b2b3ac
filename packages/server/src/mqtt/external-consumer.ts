/**
 * Consuming device traffic from an external broker (Mosquitto, EMQX): the server joins a shared
 * subscription on every device's uplink topic, so several servers split the load, and publishes
 * each ack to the device's ack topic (or the MQTT 5 response topic, with the correlation data).
 */
import { randomUUID } from 'node:crypto';
import { UPLINK_TOPIC_FILTER } from '@smartcharge/protocol';
import mqtt from 'mqtt';
import { redactUrl } from '../config.js';
import type { Logger } from '../logger.js';
import type { IngestService } from '../telemetry/index.js';
import { handleUplinkMessage } from './uplink-message.js';

/**
 * The shared-subscription group every server of a deployment joins, so each message reaches one
 * of them. (Two deployments on one broker would each answer every device: give them their own broker.)
 */
const SHARE_GROUP = 'smartcharge-ingest';

export interface ExternalConsumer {
  close(): Promise<void>;
}

export async function startExternalConsumer(options: {
  url: string;
  trustBrokerAuth: boolean;
  ingest: IngestService;
  log: Logger;
}): Promise<ExternalConsumer> {
  const { ingest, log } = options;
  const broker = redactUrl(options.url);
  const client = mqtt.connect(options.url, {
    protocolVersion: 5,
    clientId: `smartcharge-ingest-${randomUUID().slice(0, 12)}`,
    clean: true,
    reconnectPeriod: 1000,
    connectTimeout: 10_000,
  });
  const filter = `$share/${SHARE_GROUP}/${UPLINK_TOPIC_FILTER}`;

  /** Subscribes (again after every reconnect: the session is clean); resolves once the broker grants it. */
  const subscribe = () =>
    new Promise<void>((resolve, reject) => {
      client.subscribe(filter, { qos: 1 }, (error, granted) => {
        const refused = granted?.some((grant) => grant.qos >= 0x80);
        if (error || refused) {
          reject(
            new Error(
              `The MQTT broker at ${broker} refused the subscription ${filter}: ${error?.message ?? 'not authorised'}`,
            ),
          );
        } else {
          resolve();
        }
      });
    });

  client.on('error', (error) => log.warn({ err: error, broker }, 'mqtt broker error'));
  client.on('message', (topic, payload, packet) => {
    const properties = packet.properties;
    handleUplinkMessage(ingest, {
      topic,
      payload,
      ...(properties?.userProperties ? { userProperties: properties.userProperties } : {}),
      brokerAuthenticated: options.trustBrokerAuth,
    })
      .then((answer) => {
        if (!answer) return;
        const responseTopic = properties?.responseTopic;
        client.publish(
          responseTopic ?? answer.topic,
          JSON.stringify(answer.ack),
          {
            qos: 1,
            ...(properties?.correlationData ? { properties: { correlationData: properties.correlationData } } : {}),
          },
          (error) => {
            if (error) log.warn({ err: error, topic: answer.topic }, 'could not publish an ack');
          },
        );
      })
      .catch((error: unknown) => log.error({ err: error }, 'mqtt uplink handling failed'));
  });

  // The first connection and subscription must succeed, so a wrong URL or a broker that refuses us
  // stops the start with a clear message instead of a server that silently takes in nothing.
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`Cannot connect to the MQTT broker at ${broker} (MQTT_URL) within 10 s.`)),
        10_000,
      );
      client.once('connect', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    await subscribe();
  } catch (error) {
    client.end(true);
    throw error;
  }
  log.info({ broker, group: SHARE_GROUP }, 'consuming device uplinks from the external broker');
  client.on('connect', () => {
    subscribe().catch((error: unknown) => log.error({ err: error }, 'could not subscribe to device uplinks again'));
  });

  return {
    close: () => new Promise<void>((resolve) => client.end(false, {}, () => resolve())),
  };
}
