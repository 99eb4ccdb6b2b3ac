/**
 * What an MQTT connection may cost the server, enforced at the socket before aedes sees a byte.
 * aedes 1.x has no maximum packet size (moscajs/aedes#831): its parser buffers a packet of any
 * declared size, so a CONNECT declaring 256 MB is kept in memory byte after byte before anyone
 * is authenticated. The guard reads the fixed header of every packet as aedes reads the stream
 * (its remaining length is a varint of at most four bytes) and closes the connection as soon as
 * one declares more than allowed: before authentication the CONNECT limit, afterwards the
 * packet limit. It also closes a connection that has not authenticated within the connect
 * timeout, and refuses new connections while too many are waiting to authenticate, in all and
 * per address, so the memory held by strangers stays bounded by the caps times the CONNECT limit.
 */
import type { Socket } from 'node:net';

/** Largest packet before authentication: a CONNECT holds a client id, a serial and a secret, far below this. */
export const MQTT_CONNECT_MAX_BYTES = 64 * 1024;
/** MQTT's remaining length is at most four bytes long. */
const MAX_LENGTH_BYTES = 4;

export interface ConnectionLimits {
  /** Largest packet (remaining length) an authenticated device may send. */
  readonly maxPacketBytes: number;
  /** Largest packet before authentication (the CONNECT). */
  readonly maxConnectBytes: number;
  /** A connection not authenticated this long after it opened is closed. */
  readonly connectTimeoutMs: number;
  /** Connections waiting to authenticate, in all and from one address; beyond, new ones are closed at once. */
  readonly maxPending: number;
  readonly maxPendingPerAddress: number;
}

export interface OversizedPacket {
  /** MQTT control packet type (1 = CONNECT, 3 = PUBLISH...). */
  readonly type: number;
  /** The remaining length declared so far (a lower bound when the varint was cut short). */
  readonly declaredBytes: number;
  readonly reason: 'too_large' | 'malformed_length';
}

/**
 * Follows the packet boundaries of an MQTT byte stream from the fixed headers alone, without
 * buffering: each chunk costs a few comparisons, whatever its size.
 */
export class PacketSizeScanner {
  private phase: 'type' | 'length' | 'body' = 'type';
  private type = 0;
  private length = 0;
  private multiplier = 1;
  private lengthBytes = 0;
  private bodyLeft = 0;

  constructor(private limit: number) {}

  setLimit(limit: number): void {
    this.limit = limit;
  }

  /** The first packet in the chunk that declares more than the limit, or undefined when all fit. */
  scan(chunk: Uint8Array): OversizedPacket | undefined {
    let i = 0;
    while (i < chunk.length) {
      if (this.phase === 'body') {
        const take = Math.min(this.bodyLeft, chunk.length - i);
        i += take;
        this.bodyLeft -= take;
        if (this.bodyLeft === 0) this.phase = 'type';
        continue;
      }
      const byte = chunk[i++]!;
      if (this.phase === 'type') {
        this.type = byte >> 4;
        this.length = 0;
        this.multiplier = 1;
        this.lengthBytes = 0;
        this.phase = 'length';
        continue;
      }
      this.length += (byte & 0x7f) * this.multiplier;
      this.multiplier *= 128;
      this.lengthBytes++;
      // The length only grows with each byte: refuse as soon as it passes the limit.
      if (this.length > this.limit) return { type: this.type, declaredBytes: this.length, reason: 'too_large' };
      if (byte & 0x80) {
        if (this.lengthBytes === MAX_LENGTH_BYTES) {
          return { type: this.type, declaredBytes: this.length, reason: 'malformed_length' };
        }
        continue;
      }
      this.bodyLeft = this.length;
      this.phase = this.length > 0 ? 'body' : 'type';
    }
    return undefined;
  }
}

export type GuardRefusal =
  | { readonly kind: 'too_many_pending'; readonly address: string; readonly pending: number }
  | { readonly kind: 'too_many_pending_from_address'; readonly address: string; readonly pending: number }
  | { readonly kind: 'connect_timeout'; readonly address: string }
  | ({
      readonly kind: 'packet_too_large';
      readonly address: string;
      readonly authenticated: boolean;
    } & OversizedPacket);

interface Guarded {
  readonly scanner: PacketSizeScanner;
  readonly address: string;
  pending: boolean;
  timer: NodeJS.Timeout | undefined;
}

export class ConnectionGuard {
  private readonly sockets = new WeakMap<object, Guarded>();
  private pending = 0;
  private readonly pendingByAddress = new Map<string, number>();

  constructor(
    private readonly limits: ConnectionLimits,
    private readonly onRefusal: (refusal: GuardRefusal) => void = () => {},
  ) {}

  /** Connections waiting to authenticate right now. */
  get pendingCount(): number {
    return this.pending;
  }

  /**
   * Watches a new connection, or closes it and returns false when too many are waiting to
   * authenticate. Call before handing the socket to the broker, and `watch` right after.
   */
  admit(socket: Socket): boolean {
    const address = socket.remoteAddress ?? 'unknown';
    const fromAddress = this.pendingByAddress.get(address) ?? 0;
    const refusal: GuardRefusal | undefined =
      this.pending >= this.limits.maxPending
        ? { kind: 'too_many_pending', address, pending: this.pending }
        : fromAddress >= this.limits.maxPendingPerAddress
          ? { kind: 'too_many_pending_from_address', address, pending: fromAddress }
          : undefined;
    if (refusal) {
      socket.destroy();
      this.onRefusal(refusal);
      return false;
    }
    const guarded: Guarded = {
      scanner: new PacketSizeScanner(this.limits.maxConnectBytes),
      address,
      pending: true,
      timer: setTimeout(() => {
        this.onRefusal({ kind: 'connect_timeout', address });
        socket.destroy();
      }, this.limits.connectTimeoutMs),
    };
    this.sockets.set(socket, guarded);
    this.pending++;
    this.pendingByAddress.set(address, fromAddress + 1);
    socket.once('close', () => this.settle(guarded));
    return true;
  }

  /**
   * Starts reading packet headers. Attached after the broker's own 'readable' listener, the
   * 'data' listener leaves the broker in control of the flow: it sees each chunk as the broker
   * reads it, and a socket closed here delivers nothing more.
   */
  watch(socket: Socket): void {
    const guarded = this.sockets.get(socket);
    if (!guarded) return;
    socket.on('data', (chunk: Buffer) => {
      if (socket.destroyed) return;
      const oversized = guarded.scanner.scan(chunk);
      if (!oversized) return;
      socket.destroy();
      this.onRefusal({
        kind: 'packet_too_large',
        address: guarded.address,
        authenticated: !guarded.pending,
        ...oversized,
      });
    });
  }

  /** The connection authenticated: it no longer counts as waiting and may send full-size packets. */
  authenticated(socket: object): void {
    const guarded = this.sockets.get(socket);
    if (!guarded?.pending) return;
    this.settle(guarded);
    guarded.scanner.setLimit(this.limits.maxPacketBytes);
  }

  private settle(guarded: Guarded): void {
    clearTimeout(guarded.timer);
    guarded.timer = undefined;
    if (!guarded.pending) return;
    guarded.pending = false;
    this.pending--;
    const left = (this.pendingByAddress.get(guarded.address) ?? 1) - 1;
    if (left > 0) this.pendingByAddress.set(guarded.address, left);
    else this.pendingByAddress.delete(guarded.address);
  }
}
