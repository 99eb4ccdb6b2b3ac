/**
 * @smartcharge/protocol — the uplink wire format shared by devices (simulator, edge agent) and the server.
 */
export * from './fields.js';
export * from './uplink.js';
export * from './transport.js';
export * from './quantize.js';
export * from './local-time.js';
