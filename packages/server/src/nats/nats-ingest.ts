/**
 * Ingest from a NATS JetStream cluster: devices publish over MQTT to nats-server, their uplinks land
 * in a replicated stream, and every ingest node pulls from one shared durable consumer. A message
 * is acknowledged to JetStream only after its batch committed and the device's ack went out, so a
 * node that dies holding messages loses none of them: they come back to another node after the ack
 * wait, and the copies are stored once (ingest drops records it already holds, by device, boot
 * and seq).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { UPLINK_MAX_BYTES } from '@smartcharge/protocol';
import {
  jetstream,
  jetstreamManager,
  type ConsumerMessages,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { handleUplinkMessage } from '../mqtt/uplink-message.js';
import type { Logger } from '../logger.js';
import type { IngestService } from '../telemetry/index.js';
import { parseNatsUrls, subjectFromTopic, topicFromSubject } from './nats-url.js';
import { ensureUplinkStream, INGEST_CONSUMER, UPLINK_STREAM } from './uplink-stream.js';

/** Batches this node works on at once (pulled ahead and in flight). The writer groups them per commit. */
const IN_FLIGHT = 128;
const CONNECT_TIMEOUT_MS = 10_000;
const DRAIN_TIMEOUT_MS = 5000;
/** How long a start waits for JetStream to answer (a cluster electing its leader), and how often it asks. */
const SETUP_WAIT_MS = 60_000;
const SETUP_RETRY_MS = 2000;

/** JetStream's answers while a cluster has no leader yet: worth asking again. */
function jetStreamSettling(error: unknown): boolean {
  const e = error as { name?: string; message?: string; code?: string | number; api_error?: { err_code?: number } };
  if (e?.api_error?.err_code === 10008) return true; // JetStream system temporarily unavailable
  return (
    e?.name === 'TimeoutError' || /timeout|timed out|temporarily unavailable|no suitable peers/i.test(e?.message ?? '')
  );
}
/**
 * Tries for a batch the writer keeps refusing as busy (the database down, or a batch larger than
 * INGEST_MAX_PENDING_RECORDS): then the device is told to send it later, and the log lets it go.
 * The device still holds it, so nothing it was told is stored is at stake.
 */
export const BUSY_DELIVERIES = 5;

export interface NatsIngest {
  /** For runtime info: the stream, its replicas, the servers. */
  readonly description: string;
  /** Stops pulling, finishes the batches in flight (each acknowledged), then closes the connection. */
  close(): Promise<void>;
}

export async function startNatsIngest(options: {
  /** NATS_URL as given. */
  url: string;
  replicas: number;
  ingest: IngestService;
  log: Logger;
  /** Client name shown by the NATS server (monitoring, logs). */
  name?: string;
  /** How long to wait for JetStream at start (default 60 s). */
  setupWaitMs?: number;
}): Promise<NatsIngest> {
  const { ingest, log } = options;
  const target = parseNatsUrls(options.url);
  let nc: NatsConnection;
  try {
    nc = await connect({
      servers: [...target.servers],
      ...(target.user === undefined ? {} : { user: target.user }),
      ...(target.pass === undefined ? {} : { pass: target.pass }),
      name: options.name ?? 'smartcharge-ingest',
      timeout: CONNECT_TIMEOUT_MS,
      // After the first connection, never give up: the cluster may be restarted under us.
      maxReconnectAttempts: -1,
      reconnectTimeWait: 1000,
    });
  } catch (error) {
    throw new Error(`Cannot connect to NATS at ${target.display} (NATS_URL): ${(error as Error).message}`, {
      cause: error,
    });
  }

  let messages: ConsumerMessages;
  try {
    if (nc.info && nc.info.max_payload < UPLINK_MAX_BYTES) {
      log.warn(
        { maxPayload: nc.info.max_payload, largestBatch: UPLINK_MAX_BYTES },
        'the NATS servers take messages up to max_payload bytes, less than the largest uplink batch: set max_payload: 4MB in their config (deploy/nats)',
      );
    }
    // A cluster that is electing its JetStream leader (a server just restarted, or too few are up)
    // answers with timeouts or "temporarily unavailable" for a while: wait for it, within a bound,
    // rather than exit (a supervisor restarting the node would meet the same cluster).
    const deadline = Date.now() + (options.setupWaitMs ?? SETUP_WAIT_MS);
    for (let attempt = 1; ; attempt++) {
      try {
        let jsm: JetStreamManager;
        try {
          jsm = await jetstreamManager(nc);
        } catch (error) {
          if (/jetstream.*not enabled|no responders/i.test((error as Error).message)) {
            throw new Error(
              `NATS at ${target.display} (NATS_URL) has no JetStream for this account: enable jetstream in the server config and for the account (deploy/nats).`,
              { cause: error },
            );
          }
          throw error;
        }
        await ensureUplinkStream(jsm, options.replicas);
        const consumer = await jetstream(nc).consumers.get(UPLINK_STREAM, INGEST_CONSUMER);
        messages = await consumer.consume({ max_messages: IN_FLIGHT });
        break;
      } catch (error) {
        if (!jetStreamSettling(error) || Date.now() >= deadline) {
          if (jetStreamSettling(error)) {
            throw new Error(
              `NATS at ${target.display} (NATS_URL): JetStream did not answer within ${Math.round((options.setupWaitMs ?? SETUP_WAIT_MS) / 1000)} s (${(error as Error).message}); are enough of the cluster's servers up to elect a leader?`,
              { cause: error },
            );
          }
          throw error;
        }
        log.warn(
          { attempt, err: error },
          'JetStream is not answering yet (the cluster may be electing a leader): trying again',
        );
        await sleep(SETUP_RETRY_MS);
      }
    }
  } catch (error) {
    await nc.close().catch(() => {});
    throw error;
  }

  (async () => {
    for await (const status of nc.status()) {
      if (status.type === 'disconnect' || status.type === 'reconnect') {
        log.warn({ event: status.type, server: status.server }, `NATS ${status.type}`);
      } else if (status.type === 'error') {
        log.warn({ err: status.error }, 'NATS error');
      }
    }
  })().catch(() => {});
  (async () => {
    for await (const status of messages.status()) {
      if (
        status.type === 'heartbeats_missed' ||
        status.type === 'consumer_not_found' ||
        status.type === 'stream_not_found'
      ) {
        // A node makes the stream and the consumer at start only: one deleted by hand needs a restart.
        log.warn(
          { status },
          'JetStream consumer: no messages coming (the cluster may be electing a leader; a stream deleted by hand is made again when the ingest nodes restart)',
        );
      }
    }
  })().catch(() => {});

  let stopping = false;
  const inFlight = new Set<Promise<void>>();

  const publishAck = (topic: string, ack: unknown) => {
    nc.publish(subjectFromTopic(topic), JSON.stringify(ack));
  };

  async function handle(message: JsMsg): Promise<void> {
    let answer;
    try {
      answer = await handleUplinkMessage(ingest, {
        topic: topicFromSubject(message.subject),
        payload: message.data,
        // nats-server authenticated the device and lets it publish only on its own subject (deploy/nats).
        brokerAuthenticated: true,
      });
    } catch (error) {
      log.error({ err: error, subject: message.subject }, 'nats uplink handling failed; it will come again');
      message.nak(5000);
      return;
    }
    if (!answer) {
      message.term();
      return;
    }
    const { ack } = answer;
    if (!ack.ok && ack.error.code === 'unavailable' && message.info.deliveryCount < BUSY_DELIVERIES) {
      // The batch is fine and the writer cannot take it now: it stays in the log and comes back.
      // The device hears nothing yet; the ack follows when it is stored (or the device sends again).
      message.nak((ack.error.retry_after_s ?? 2) * 1000);
      return;
    }
    // The device's ack leaves before the JetStream ack, on the same connection: a node that dies
    // between the two leaves the message to be handled again (stored once, acknowledged again).
    publishAck(answer.topic, ack);
    if (ack.ok) message.ack();
    else message.term(); // (nats-server 2.9 ignores a +TERM with a reason)
  }

  const loop = (async () => {
    for await (const message of messages) {
      if (stopping) {
        // Pulled but not started: hand it back now rather than after the ack wait.
        message.nak();
        continue;
      }
      if (message.info.deliveryCount > 1 && message.info.deliveryCount % 10 === 0) {
        log.warn({ subject: message.subject, deliveries: message.info.deliveryCount }, 'an uplink keeps coming back');
      }
      const task = handle(message).finally(() => inFlight.delete(task));
      inFlight.add(task);
      if (inFlight.size >= IN_FLIGHT) await Promise.race(inFlight);
    }
  })().catch((error: unknown) => {
    if (!stopping) log.error({ err: error }, 'the JetStream consumer stopped');
  });

  const description = `NATS JetStream ${target.display}, stream ${UPLINK_STREAM} (R${options.replicas}), consumer ${INGEST_CONSUMER}`;
  log.info(
    { servers: target.display, stream: UPLINK_STREAM, replicas: options.replicas },
    'consuming device uplinks from NATS JetStream',
  );

  return {
    description,
    async close() {
      if (stopping) return;
      stopping = true;
      await messages.close().catch(() => {});
      await loop;
      await Promise.allSettled([...inFlight]);
      // Drain flushes the acks (device and JetStream) still buffered, then closes; with NATS
      // unreachable it would wait for a reconnect, so it gets a few seconds (unsent acks only
      // mean the messages come back, to be stored once).
      let timer: NodeJS.Timeout | undefined;
      const drained = await Promise.race([
        nc.drain().then(
          () => true,
          () => false,
        ),
        new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), DRAIN_TIMEOUT_MS))),
      ]);
      clearTimeout(timer);
      if (!drained) await nc.close().catch(() => {});
    },
  };
}
