/**
 * What the administration pages share: labelled form controls with unique ids, an action runner
 * that shows the server's message, the date-range picker, status badges and small formatters.
 */
import type {
  ComponentChildren,
  PartialInputHTMLAttributes,
  PartialSelectHTMLAttributes,
  TargetedSubmitEvent,
  TextareaHTMLAttributes,
} from 'preact';
import { useId, useState } from 'preact/hooks';
import { ApiError, api, daysAgo, isoDay } from '../api';
import { Badge } from '../components/ui';

export type Tone = 'ok' | 'warn' | 'bad' | 'neutral' | 'info';

export const TONES: Record<string, Tone> = {
  applied: 'info',
  pending: 'info',
  approved: 'ok',
  declined: 'bad',
  withdrawn: 'neutral',
  left: 'neutral',
  replaced: 'neutral',
  provisioned: 'neutral',
  shipped: 'info',
  installed: 'info',
  active: 'ok',
  removed: 'warn',
  returned: 'neutral',
  revoked: 'bad',
  requested: 'warn',
  delivered: 'ok',
  received: 'ok',
  cancelled: 'neutral',
  created: 'info',
  submitted: 'info',
  processing: 'info',
  exported: 'warn',
  completed: 'ok',
  failed: 'bad',
  new: 'warn',
  contacted: 'info',
  qualified: 'ok',
};

export function StatusBadge({ status }: { status: string }) {
  return <Badge tone={TONES[status] ?? 'neutral'}>{status.replaceAll('_', ' ')}</Badge>;
}

/** A form value as trimmed text ("" when absent). */
export function text(data: FormData, name: string): string {
  const value = data.get(name);
  return typeof value === 'string' ? value.trim() : '';
}

export const patch = <T,>(path: string, body: unknown) => api<T>('PATCH', path, body);

/** The server's field details under a message, e.g. "rewardRules[0].points: expected a number". */
export function Problems({ error }: { error: unknown }) {
  if (!error) return null;
  const message = error instanceof Error ? error.message : typeof error === 'string' ? error : 'Something went wrong.';
  const details = error instanceof ApiError ? error.details : [];
  return (
    <div class="notice error" role="alert">
      {details.length > 1 ? (
        <>
          <p class="adm-tight">The server did not accept this:</p>
          <ul class="adm-tight">
            {details.map((d) => (
              <li key={`${d.field}:${d.message}`}>
                <code>{d.field}</code>: {d.message}
              </li>
            ))}
          </ul>
        </>
      ) : (
        message
      )}
    </div>
  );
}

/** Runs one action at a time for a button or a form: { busy, error, run }. */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const run = async (action: () => Promise<unknown>): Promise<boolean> => {
    setBusy(true);
    setError(undefined);
    try {
      await action();
      return true;
    } catch (e) {
      setError(e);
      return false;
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, run, clear: () => setError(undefined) };
}

/** Submit handler that hands the form's data to `action` (forms stay uncontrolled). */
export function onSubmitData(action: (data: FormData, form: HTMLFormElement) => unknown) {
  return (event: TargetedSubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    void action(new FormData(event.currentTarget), event.currentTarget);
  };
}

/** The field error for `name` among the server's details (matching the path's last part). */
export function fieldError(error: unknown, name: string): string | undefined {
  if (!(error instanceof ApiError)) return undefined;
  return error.details.find((d) => d.field === name || d.field.endsWith(`.${name}`))?.message;
}

type InputProps = Omit<PartialInputHTMLAttributes<HTMLInputElement>, 'id' | 'label' | 'role' | 'type'> & {
  label: ComponentChildren;
  type?: string;
  /** The id of a <datalist> of suggestions. */
  list?: string;
  name: string;
  hint?: ComponentChildren;
  error?: string | undefined;
};

export function Input({ label, hint, error, class: cls, type = 'text', ...rest }: InputProps) {
  const id = useId();
  const note = error ?? hint;
  return (
    <div class={`field ${error ? 'has-error' : ''} ${typeof cls === 'string' ? cls : ''}`}>
      <label for={id}>{label}</label>
      <input
        id={id}
        type={type as 'text'}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={note ? `${id}-note` : undefined}
        {...rest}
      />
      {note ? (
        <small id={`${id}-note`} class={error ? 'field-error' : 'muted'}>
          {note}
        </small>
      ) : null}
    </div>
  );
}

type TextAreaProps = Omit<TextareaHTMLAttributes<HTMLTextAreaElement>, 'id' | 'label'> & {
  label: ComponentChildren;
  name: string;
  hint?: ComponentChildren;
  error?: string | undefined;
};

export function TextArea({ label, hint, error, ...rest }: TextAreaProps) {
  const id = useId();
  const note = error ?? hint;
  return (
    <div class={`field ${error ? 'has-error' : ''}`}>
      <label for={id}>{label}</label>
      <textarea
        id={id}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={note ? `${id}-note` : undefined}
        {...rest}
      />
      {note ? (
        <small id={`${id}-note`} class={error ? 'field-error' : 'muted'}>
          {note}
        </small>
      ) : null}
    </div>
  );
}

type SelectProps = Omit<PartialSelectHTMLAttributes<HTMLSelectElement>, 'id' | 'label' | 'role'> & {
  label: ComponentChildren;
  options: readonly (readonly [value: string, label: string])[];
  hint?: ComponentChildren;
};

export function Select({ label, options, hint, ...rest }: SelectProps) {
  const id = useId();
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <select id={id} aria-describedby={hint ? `${id}-note` : undefined} {...rest}>
        {options.map(([value, name]) => (
          <option key={value} value={value}>
            {name}
          </option>
        ))}
      </select>
      {hint ? (
        <small id={`${id}-note`} class="muted">
          {hint}
        </small>
      ) : null}
    </div>
  );
}

export interface DayRange {
  /** First day, inclusive (YYYY-MM-DD). */
  from: string;
  /** Last day, inclusive; the API's `to` is the day after. */
  through: string;
}

export function lastDays(n: number): DayRange {
  return { from: daysAgo(n - 1), through: daysAgo(0) };
}

/** The API's query for a range: from, and to = the day after `through`. */
export function rangeQuery(range: DayRange): string {
  const to = new Date(`${range.through}T12:00:00`);
  to.setDate(to.getDate() + 1);
  return `from=${range.from}&to=${isoDay(to)}`;
}

/** From and through dates and quick choices; changes apply when the form is submitted. */
export function RangePicker({ value, onChange }: { value: DayRange; onChange: (range: DayRange) => void }) {
  const [error, setError] = useState<string | undefined>();
  const submit = onSubmitData((data) => {
    const from = text(data, 'from');
    const through = text(data, 'through');
    if (!from || !through) return setError('Choose both dates.');
    if (through < from) return setError('The last day comes before the first.');
    setError(undefined);
    onChange({ from, through });
  });
  return (
    <form class="adm-range" onSubmit={submit} aria-label="Date range">
      {/* Keyed by the range, so a quick choice shows in the fields (they are uncontrolled). */}
      <Input key={`from-${value.from}`} label="From" name="from" type="date" defaultValue={value.from} required />
      <Input
        key={`to-${value.through}`}
        label="Through"
        name="through"
        type="date"
        defaultValue={value.through}
        required
      />
      <button type="submit" class="secondary">
        Show
      </button>
      <div class="adm-quick" role="group" aria-label="Quick ranges">
        {[7, 30, 90, 365].map((n) => (
          <button key={n} type="button" class="link" onClick={() => onChange(lastDays(n))}>
            {n === 365 ? 'Last year' : `Last ${n} days`}
          </button>
        ))}
      </div>
      {error ? (
        <p class="field-error adm-wide" role="alert">
          {error}
        </p>
      ) : null}
    </form>
  );
}

/** "3 h ago", "2 days ago": how fresh a device's last data is. */
export function ago(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return 'never';
  const s = Math.max(0, (now - Date.parse(iso)) / 1000);
  if (s < 90) return 'just now';
  if (s < 5400) return `${Math.round(s / 60)} min ago`;
  if (s < 129_600) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86_400)} days ago`;
}

export const int = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });

/** Whole points as the program shows them: "$5.00" or "500 points". */
export function money(
  points: number,
  program: { rewardDisplay: 'money' | 'points'; pointsPerUnit: number; currency: string },
) {
  if (program.rewardDisplay === 'points') return `${int.format(points)} points`;
  return new Intl.NumberFormat(undefined, {
    style: 'currency',
    currency: program.currency,
    currencyDisplay: 'narrowSymbol',
  }).format(points / program.pointsPerUnit);
}

/** Hour of day as "16:00". */
export function hourLabel(h: number): string {
  return `${String(h % 24).padStart(2, '0')}:00`;
}
