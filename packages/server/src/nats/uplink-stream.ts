/**
 * The durable log between devices and the database: one JetStream stream capturing every device's
 * uplink subject (what nats-server's MQTT listener publishes a device's QoS 1 uplink on), and one
 * durable pull consumer that every ingest node shares, so each message is handled by one node and
 * comes back to another when that node dies before acknowledging it.
 *
 * Both are created when missing and checked when present: a stream made by hand with another
 * shape is a start error that says what differs, never silently reshaped.
 */
import { MQTT_TOPIC_ROOT } from '@smartcharge/protocol';
import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  RetentionPolicy,
  StorageType,
  type ConsumerConfig,
  type JetStreamManager,
  type StreamConfig,
  type StreamInfo,
} from '@nats-io/jetstream';
import { subjectFromTopic } from './nats-url.js';

export const UPLINK_STREAM = 'SMARTCHARGE_UPLINKS';
export const INGEST_CONSUMER = 'smartcharge-ingest';
/** Every device's uplink subject: smartcharge.v1.devices.{serial}.uplink */
export const UPLINK_SUBJECT_FILTER = subjectFromTopic(`${MQTT_TOPIC_ROOT}/*/uplink`);

const SECOND_NS = 1_000_000_000;
/** A node that took a message and died: the message goes to another node after this long. */
export const ACK_WAIT_S = 30;
/** Messages handed out and not yet acknowledged, over all ingest nodes together. */
export const MAX_ACK_PENDING = 2048;
/**
 * A message waiting longer than this is dropped from the log: its device, which keeps every
 * record until acknowledged, has sent it again long before (the copies are stored once).
 */
const MAX_AGE_S = 7 * 24 * 3600;

function streamConfig(replicas: number): Partial<StreamConfig> & { name: string; subjects: string[] } {
  return {
    name: UPLINK_STREAM,
    subjects: [UPLINK_SUBJECT_FILTER],
    // Work queue: a message leaves the log once an ingest node acknowledged it (its batch committed).
    retention: RetentionPolicy.Workqueue,
    storage: StorageType.File,
    num_replicas: replicas,
    discard: DiscardPolicy.Old,
    max_age: MAX_AGE_S * SECOND_NS,
  };
}

const consumerConfig: Partial<ConsumerConfig> = {
  durable_name: INGEST_CONSUMER,
  ack_policy: AckPolicy.Explicit,
  ack_wait: ACK_WAIT_S * SECOND_NS,
  max_ack_pending: MAX_ACK_PENDING,
  // Never given up on: a batch waits in the log until the database takes it.
  max_deliver: -1,
  deliver_policy: DeliverPolicy.All,
  filter_subject: UPLINK_SUBJECT_FILTER,
};

/** What differs between the stream found and the one ingest needs, in words; empty when it fits. */
function streamDifferences(found: StreamConfig, wanted: ReturnType<typeof streamConfig>): string[] {
  const differences: string[] = [];
  const subjects = found.subjects ?? [];
  if (subjects.length !== 1 || subjects[0] !== UPLINK_SUBJECT_FILTER) {
    differences.push(`it captures ${JSON.stringify(subjects)} instead of ["${UPLINK_SUBJECT_FILTER}"]`);
  }
  if (found.retention !== wanted.retention)
    differences.push(`retention is ${found.retention}, not ${wanted.retention}`);
  if (found.storage !== wanted.storage) differences.push(`storage is ${found.storage}, not ${wanted.storage}`);
  return differences;
}

/**
 * Creates the stream and the consumer, or checks those found. A different replica count is
 * changed (NATS moves the data); anything else that differs stops the start.
 */
export async function ensureUplinkStream(jsm: JetStreamManager, replicas: number): Promise<StreamInfo> {
  const wanted = streamConfig(replicas);
  let info: StreamInfo | undefined;
  try {
    info = await jsm.streams.info(UPLINK_STREAM);
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  if (info === undefined) {
    try {
      info = await jsm.streams.add(wanted);
    } catch (error) {
      throw new Error(
        `Cannot create the JetStream stream ${UPLINK_STREAM} on ${UPLINK_SUBJECT_FILTER} with ${replicas} replica(s): ${(error as Error).message}. ` +
          (/overlap/i.test((error as Error).message)
            ? 'Another stream already captures these subjects: remove it, or give this deployment its own NATS account.'
            : /replicas|peers|insufficient resources/i.test((error as Error).message)
              ? 'NATS_STREAM_REPLICAS may not exceed the JetStream servers in the cluster.'
              : ''),
        { cause: error },
      );
    }
  } else {
    const differences = streamDifferences(info.config, wanted);
    if (differences.length > 0) {
      throw new Error(
        `The JetStream stream ${UPLINK_STREAM} exists but does not fit: ${differences.join('; ')}. ` +
          `Remove it (nats stream rm ${UPLINK_STREAM}, after the messages in it were consumed) and start again.`,
      );
    }
    if (info.config.num_replicas !== replicas) {
      try {
        info = await jsm.streams.update(UPLINK_STREAM, { ...info.config, num_replicas: replicas });
      } catch (error) {
        throw new Error(
          `The JetStream stream ${UPLINK_STREAM} has ${info.config.num_replicas} replica(s) and NATS_STREAM_REPLICAS asks for ${replicas}; changing it failed: ${(error as Error).message}`,
          { cause: error },
        );
      }
    }
  }
  await jsm.consumers.add(UPLINK_STREAM, consumerConfig).catch(async (error: unknown) => {
    // An existing consumer made with other settings (an older release): bring it to these.
    if (!/already exists|different/i.test((error as Error).message)) throw error;
    await jsm.consumers.update(UPLINK_STREAM, INGEST_CONSUMER, {
      ack_wait: consumerConfig.ack_wait!,
      max_ack_pending: consumerConfig.max_ack_pending!,
      max_deliver: consumerConfig.max_deliver!,
    });
  });
  return info;
}

function isNotFound(error: unknown): boolean {
  const e = error as { name?: string; message?: string; code?: number | string; api_error?: { code?: number } };
  return e.name === 'StreamNotFoundError' || /stream not found/i.test(e.message ?? '') || e.api_error?.code === 404;
}
