/** NATS JetStream between devices and ingest (docs/nats.md). */
export { BUSY_DELIVERIES, startNatsIngest, type NatsIngest } from './nats-ingest.js';
export { parseNatsUrls, subjectFromTopic, topicFromSubject, type NatsServers } from './nats-url.js';
export { ACK_WAIT_S, INGEST_CONSUMER, MAX_ACK_PENDING, UPLINK_STREAM, UPLINK_SUBJECT_FILTER } from './uplink-stream.js';
export { natsUserEntry, addNatsUser, removeNatsUser } from './nats-users.js';
