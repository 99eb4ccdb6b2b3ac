/**
 * What every HTTP answer carries and what every browser write must show, in one place:
 *
 * - Security headers (helmet): a Content-Security-Policy that lets the web app load only its own
 *   scripts and styles, images from itself and the map tile server, connect only to itself and never be
 *   framed; nosniff, a strict Referrer-Policy, no X-Powered-By.
 * - Cross-site request forgery: a write (POST, PUT, PATCH, DELETE) that a browser sends from another
 *   site is refused, whatever its content type. A browser names the page's origin in `Origin` (or at
 *   least says `Sec-Fetch-Site`) on every write; the write goes through only when that origin is the
 *   server's own — the address it was reached at, or PUBLIC_URL. Requests with an Authorization header
 *   (bearer tokens, the device uplink) carry no ambient credential and are not at risk; a client that
 *   sends neither header is not a browser.
 * - The JSON API reads JSON only: no text/plain parser, so a form or a "simple" cross-site request
 *   cannot reach a route with a body it made up (415, saying what to send).
 */
import helmet from '@fastify/helmet';
import { UPLINK_HTTP_PATH } from '@smartcharge/protocol';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';

export interface SecurityOptions {
  /** PUBLIC_URL: the address people reach the web app at. */
  readonly publicUrl?: string;
  /** The map tile URL template (or "off"): its origin may serve images. */
  readonly mapTileUrl?: string;
}

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function originOf(url: string | undefined): string | undefined {
  if (!url || url === 'off') return undefined;
  try {
    // A tile template's {s}, {z}… sit in the host or path; the origin is what CSP needs.
    const origin = new URL(url.replace(/\{s\}/g, 'a')).origin;
    return origin === 'null' ? undefined : origin;
  } catch {
    return undefined;
  }
}

/** Origins allowed to serve map tiles: a {s} subdomain template allows the tile host's subdomains. */
function tileSources(mapTileUrl: string | undefined): string[] {
  const origin = originOf(mapTileUrl);
  if (!origin || !mapTileUrl) return [];
  if (!mapTileUrl.includes('{s}')) return [origin];
  const { protocol, host } = new URL(mapTileUrl.replace(/\{s\}/g, 'a'));
  return [`${protocol}//*.${host.split('.').slice(1).join('.')}`];
}

/** The Content-Security-Policy directives for pages and answers alike. */
export function contentSecurityPolicy(options: SecurityOptions): Record<string, string[]> {
  return {
    'default-src': ["'self'"],
    'script-src': ["'self'"],
    // Styles come from the app's own stylesheet; Leaflet and uPlot position elements through the
    // style property (CSSOM), which CSP does not restrict.
    'style-src': ["'self'"],
    'img-src': ["'self'", 'data:', 'blob:', ...tileSources(options.mapTileUrl)],
    'font-src': ["'self'"],
    'connect-src': ["'self'"],
    'object-src': ["'none'"],
    'base-uri': ["'self'"],
    'form-action': ["'self'"],
    'frame-ancestors': ["'none'"],
  };
}

/** Why a browser write is refused, or undefined when it may go through. */
export function crossSiteWriteRefusal(request: FastifyRequest, publicUrl: string | undefined): string | undefined {
  if (!WRITE_METHODS.has(request.method)) return undefined;
  // Bearer tokens and device credentials are sent on purpose, never attached by a browser on its own.
  if (request.headers.authorization) return undefined;
  // The uplink knows no cookies; it answers in its own protocol.
  if (request.url.startsWith(UPLINK_HTTP_PATH)) return undefined;
  const origin = request.headers.origin;
  if (origin !== undefined) {
    const own = new Set<string>();
    const host = request.headers.host;
    if (host) {
      own.add(`http://${host}`);
      own.add(`https://${host}`);
    }
    const publicOrigin = originOf(publicUrl);
    if (publicOrigin) own.add(publicOrigin);
    if (own.has(origin.toLowerCase())) return undefined;
    return `This request came from a page at ${origin}, not from SmartCharge (${publicOrigin ?? `http://${host ?? ''}`}): writes are taken only from SmartCharge's own pages.`;
  }
  const site = request.headers['sec-fetch-site'];
  if (site === 'cross-site' || site === 'same-site') {
    return "This request came from a page on another site: writes are taken only from SmartCharge's own pages.";
  }
  return undefined;
}

export async function registerSecurity(app: FastifyInstance, options: SecurityOptions): Promise<void> {
  await app.register(helmet, {
    contentSecurityPolicy: { useDefaults: false, directives: contentSecurityPolicy(options) },
    // The web app loads nothing from other origins but map tiles, which are images (no CORP needed).
    crossOriginEmbedderPolicy: false,
    referrerPolicy: { policy: 'strict-origin-when-cross-origin' },
    // HSTS only matters, and is only honoured, over HTTPS; a plain-HTTP install must not send it.
    strictTransportSecurity: options.publicUrl?.startsWith('https:') ? { maxAge: 15_552_000 } : false,
  });
  app.removeContentTypeParser('text/plain');
  app.addHook('onRequest', async (request) => {
    const refusal = crossSiteWriteRefusal(request, options.publicUrl);
    if (refusal) throw new AppError('forbidden', refusal);
  });
}
