/** Small building blocks shared by every page: headings, stat tiles, notices, forms. */
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiError } from '../api';

export function Page({
  title,
  actions,
  children,
}: {
  title: string;
  actions?: ComponentChildren;
  children: ComponentChildren;
}) {
  // Each page its own title: what a screen reader announces, and what a tab or bookmark says.
  useEffect(() => {
    document.title = `${title} · SmartCharge`;
  }, [title]);
  return (
    <section class="page" aria-labelledby="page-title">
      <header class="page-head">
        <h1 id="page-title">{title}</h1>
        {actions ? <div class="page-actions">{actions}</div> : null}
      </header>
      {children}
    </section>
  );
}

export function Card({ title, children, class: cls }: { title?: string; children: ComponentChildren; class?: string }) {
  return (
    <section class={`card ${cls ?? ''}`}>
      {title ? <h2>{title}</h2> : null}
      {children}
    </section>
  );
}

export function Stat({ label, value, hint }: { label: string; value: string; hint?: string }) {
  return (
    <div class="stat">
      <div class="stat-label">{label}</div>
      <div class="stat-value">{value}</div>
      {hint ? <div class="stat-hint">{hint}</div> : null}
    </div>
  );
}

export function Loading({ what = 'Loading' }: { what?: string }) {
  return (
    <p class="muted" role="status" aria-live="polite">
      {what}…
    </p>
  );
}

export function ErrorNote({ error }: { error: string | undefined }) {
  return error ? (
    <p class="notice error" role="alert">
      {error}
    </p>
  ) : null;
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <p class="empty">{children}</p>;
}

/** A form field's text, trimmed ('' when absent or a file). */
export function text(data: FormData, name: string): string {
  const value = data.get(name);
  return typeof value === 'string' ? value.trim() : '';
}

/**
 * A form whose submit runs `action`, shows progress, and puts errors next to the fields named (by
 * the server's path, like "vehicles[0].make", and by its last part, like "make"). With `labelOf`,
 * the note above the button names each field in words ("Vehicle 1, make: Give the vehicle's make.")
 * instead of the server's summary, which names fields by their path.
 */
export function useForm(action: (data: FormData) => Promise<void>, labelOf?: (field: string) => string | undefined) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const [fields, setFields] = useState<Record<string, string>>({});
  const onSubmit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    setFields({});
    try {
      await action(new FormData(event.currentTarget as HTMLFormElement));
    } catch (e) {
      setError((e as Error).message);
      if (e instanceof ApiError) {
        const found: Record<string, string> = {};
        for (const d of e.details) {
          found[d.field] ??= d.message;
          found[d.field.split('.').at(-1) ?? d.field] ??= d.message;
        }
        setFields(found);
        if (labelOf && e.details.length > 0) {
          setError(
            e.details
              .map((d) => {
                const label = labelOf(d.field);
                return label ? `${label}: ${d.message}` : d.message;
              })
              .join(' '),
          );
        }
      }
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, fields, onSubmit };
}

export function Field({
  label,
  name,
  type = 'text',
  error,
  hint,
  ...rest
}: {
  label: string;
  name: string;
  type?: string;
  error?: string | undefined;
  hint?: string;
} & Record<string, unknown>) {
  const id = `f-${name}`;
  return (
    <div class={`field ${error ? 'has-error' : ''}`}>
      <label for={id}>{label}</label>
      <input
        id={id}
        name={name}
        type={type as 'text'}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={error || hint ? `${id}-note` : undefined}
        {...rest}
      />
      {error || hint ? (
        <small id={`${id}-note`} class={error ? 'field-error' : 'muted'}>
          {error ?? hint}
        </small>
      ) : null}
    </div>
  );
}

export function Badge({
  tone = 'neutral',
  children,
}: {
  tone?: 'ok' | 'warn' | 'bad' | 'neutral' | 'info';
  children: ComponentChildren;
}) {
  return <span class={`badge badge-${tone}`}>{children}</span>;
}
