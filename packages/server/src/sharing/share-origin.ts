/**
 * The address a share link starts with. A driver copies the link from the page they are on, so
 * unless PUBLIC_URL is set, the link uses the origin that request reached the server at: its Host
 * (or, behind a proxy the server trusts, TRUST_PROXY, X-Forwarded-Host and -Proto, which the HTTP
 * layer has already applied). Safe here, unlike in mail: the Host is the asker's own, so a forged
 * one only misleads the one who forged it. Mail links never follow a request's Host.
 */

/** Where a request reached us, as the HTTP layer reads it (protocol and host with any port). */
export interface ReachedAt {
  readonly protocol: string;
  readonly host: string;
}

const HOST =
  /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*|\[[0-9a-f:.]+\])(?::\d{1,5})?$/i;

/** "https://ev.example.com" from where a request came in, or undefined when that is not a plain host. */
export function originOf(reached: ReachedAt | undefined): string | undefined {
  if (!reached) return undefined;
  const protocol = reached.protocol.toLowerCase();
  if (protocol !== 'http' && protocol !== 'https') return undefined;
  const host = reached.host.trim();
  if (!HOST.test(host)) return undefined;
  try {
    const url = new URL(`${protocol}://${host}`);
    return url.origin;
  } catch {
    return undefined;
  }
}
