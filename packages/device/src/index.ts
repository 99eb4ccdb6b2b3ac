/**
 * @smartcharge/device — the device side of the platform: the reliable uplink client and its
 * transports. The fleet simulator and the edge agent are built on it.
 */
export { UplinkClient, type FlushResult, type RecordValues, type UplinkClientOptions } from './uplink-client.js';
export { HttpUplinkTransport, type HttpTransportOptions } from './http-transport.js';
export { MqttUplinkTransport, type MqttTransportOptions } from './mqtt-transport.js';
export { TransportError, type UplinkTransport } from './transport.js';
export * from './simulator/index.js';
export * from './agent/index.js';
