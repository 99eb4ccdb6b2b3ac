/**
 * Consuming device traffic from an external broker (Mosquitto, EMQX): the server joins a shared
 * subscription on every device's uplink topic, so several servers split the load, and publishes
 * each ack to the device's ack topic (or the MQTT 5 response topic, with the correlation data).
 */
import { randomUUID } from 'node:crypto';
import { MQTT_SHARE_GROUP, UPLINK_TOPIC_FILTER } from '@smartcharge/protocol';
import mqtt from 'mqtt';
import { redactUrl } from '../config.js';
import type { Logger } from '../logger.js';
import type { IngestService } from '../telemetry/index.js';
import { handleUplinkMessage } from './uplink-message.js';

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
  const client = mqtt.connect(options.url, {
    protocolVersion: 5,
    clientId: `smartcharge-ingest-${randomUUID().slice(0, 12)}`,
    clean: true,
    reconnectPeriod: 1000,
    connectTimeout: 10_000,
  });
  const filter = `$share/${MQTT_SHARE_GROUP}/${UPLINK_TOPIC_FILTER}`;

  client.on('connect', () => {
    client.subscribe(filter, { qos: 1 }, (error) => {
      if (error) log.error({ err: error }, 'could not subscribe to device uplinks');
      else log.info({ broker: redactUrl(options.url) }, 'consuming device uplinks from the external broker');
    });
  });
  client.on('error', (error) => log.warn({ err: error, broker: redactUrl(options.url) }, 'mqtt broker error'));

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

  // Wait for the first connection so a wrong URL stops the start with a clear message.
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      client.end(true);
      reject(new Error(`Cannot connect to the MQTT broker at ${redactUrl(options.url)} (MQTT_URL) within 10 s.`));
    }, 10_000);
    client.once('connect', () => {
      clearTimeout(timer);
      resolve();
    });
  });

  return {
    close: () => new Promise<void>((resolve) => client.end(false, {}, () => resolve())),
  };
}
