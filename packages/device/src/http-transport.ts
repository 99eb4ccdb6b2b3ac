/**
 * Uplink over HTTP: POST /api/v1/uplink with the device's Basic credential.
 */
import {
  UPLINK_HTTP_PATH,
  basicAuthorization,
  type DeviceCredential,
  type TUplinkBatch,
  type UplinkAck,
} from '@smartcharge/protocol';
import { TransportError, type UplinkTransport } from './transport.js';

export interface HttpTransportOptions {
  /** Server base URL, e.g. http://127.0.0.1:8080 */
  readonly url: string;
  readonly credential: DeviceCredential;
  /** Give up waiting for an answer after this long (default 30 s); the batch is sent again later. */
  readonly timeoutMs?: number;
}

export class HttpUplinkTransport implements UplinkTransport {
  readonly name = 'http';
  private readonly endpoint: string;
  private readonly authorization: string;

  constructor(private readonly options: HttpTransportOptions) {
    this.endpoint = new URL(UPLINK_HTTP_PATH, options.url).toString();
    this.authorization = basicAuthorization(options.credential);
  }

  async send(batch: TUplinkBatch): Promise<UplinkAck> {
    let response: Response;
    try {
      response = await fetch(this.endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: this.authorization },
        body: JSON.stringify(batch),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000),
      });
    } catch (error) {
      throw new TransportError(`no answer from ${this.endpoint}: ${(error as Error).message}`, { cause: error });
    }
    let ack: unknown;
    try {
      ack = await response.json();
    } catch (error) {
      throw new TransportError(`unreadable answer (HTTP ${response.status}) from ${this.endpoint}`, { cause: error });
    }
    if (typeof ack !== 'object' || ack === null || typeof (ack as { ok?: unknown }).ok !== 'boolean') {
      throw new TransportError(`HTTP ${response.status} from ${this.endpoint} is not an uplink acknowledgement`);
    }
    return ack as UplinkAck;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
