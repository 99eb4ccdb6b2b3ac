/**
 * Devices just added to stock: each secret shown this once, and a printable label per device
 * (serial, secret and a QR code of both, for whoever installs or configures it). Printing uses
 * the print stylesheet (styles.css: "Device stock"), which prints the labels and nothing else.
 */
import { encodeQR } from 'qr';
import type { AddedStock } from '../api';
import { Card } from '../components/ui';

/** What a label's QR code holds: "serial:secret", as the uplink's Basic credentials are written. */
export function labelPayload(serial: string, secret: string): string {
  return `${serial}:${secret}`;
}

/** A QR code as one SVG path (no inline styles: the page's CSP allows none). */
export function QrCode({ text, label }: { text: string; label: string }) {
  const modules = encodeQR(text, 'raw', { ecc: 'medium', border: 2 });
  const size = modules.length;
  let d = '';
  modules.forEach((row, y) =>
    row.forEach((dark, x) => {
      if (dark) d += `M${x} ${y}h1v1h-1z`;
    }),
  );
  return (
    <svg
      class="qr"
      viewBox={`0 0 ${size} ${size}`}
      role="img"
      aria-label={label}
      shape-rendering="crispEdges"
      data-modules={size}
    >
      <rect width={size} height={size} fill="#fff" />
      <path d={d} fill="#000" />
    </svg>
  );
}

export function DeviceLabels({ added, onDone }: { added: AddedStock; onDone: () => void }) {
  const n = added.added.length;
  const whose = added.program ? `${added.program.name}'s stock` : 'the shared stock';
  return (
    <Card title={n === 1 ? 'New device: print its label now' : `${n} new devices: print their labels now`}>
      <p class="notice warn adm-tight" role="status">
        {n === 1 ? 'Its secret is' : 'Their secrets are'} shown this once. Print the label{n === 1 ? '' : 's'} (or copy
        the secret{n === 1 ? '' : 's'}) before you leave this page: a lost secret means issuing a new one.{' '}
        {n === 1 ? 'It is' : 'They are'} in {whose}.
      </p>
      <div class="adm-toolbar no-print">
        <button type="button" onClick={() => window.print()}>
          Print the label{n === 1 ? '' : 's'}
        </button>
        <button type="button" class="secondary" onClick={onDone}>
          Done: hide the secret{n === 1 ? '' : 's'}
        </button>
      </div>
      <ul class="stock-labels" aria-label="Device labels">
        {added.added.map(({ serial, secret }) => (
          <li key={serial} class="stock-label">
            <QrCode text={labelPayload(serial, secret)} label={`QR code of device ${serial} and its secret`} />
            <dl>
              <dt>Serial</dt>
              <dd>
                <code>{serial}</code>
              </dd>
              <dt>Secret</dt>
              <dd>
                <code class="break" data-secret={serial}>
                  {secret}
                </code>
              </dd>
            </dl>
          </li>
        ))}
      </ul>
    </Card>
  );
}
