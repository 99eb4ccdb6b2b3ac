/**
 * How a device's batch reaches the server. A transport returns the server's acknowledgement
 * (which may say "refused") or throws when it got no answer (network down, timeout): then the
 * client keeps the batch and tries again later.
 */
import type { TUplinkBatch, UplinkAck } from '@smartcharge/protocol';

export interface UplinkTransport {
  readonly name: string;
  send(batch: TUplinkBatch): Promise<UplinkAck>;
  close(): Promise<void>;
}

export class TransportError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TransportError';
  }
}
