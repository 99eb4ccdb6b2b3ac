/**
 * The driver's demand-response events: the ones they were told about that are coming or under way
 * (what to do, the window in local time, a one-tap opt-out and then "You opted out"), past ones with
 * how they ended, and each application's event preferences (ready-by time, minimum charge, mail).
 * Shown on the dashboard (coming and active only) and on My program (all).
 */
import { useEffect, useId, useState } from 'preact/hooks';
import { api, get, post } from '../api';
import { Badge, ErrorNote, Loading, text, useForm } from '../components/ui';
import { windowText, whatToDo, type EventPreferences, type MyEvent } from '../demand';
import { useLoad } from '../session';
import { dateTime } from '../units';
import './events.css';

const isCurrent = (e: MyEvent, now = Date.now()) =>
  (e.status === 'scheduled' || e.status === 'active') && Date.parse(e.endsAt) > now;

function pastState(e: MyEvent): { text: string; tone: 'ok' | 'warn' | 'neutral' } {
  if (e.status === 'cancelled') return { text: 'Cancelled', tone: 'neutral' };
  if (e.optedOut === 'explicit') return { text: 'You opted out', tone: 'warn' };
  if (e.optedOut === 'charging') return { text: 'You charged during it', tone: 'warn' };
  return { text: 'You took part, thank you', tone: 'ok' };
}

/**
 * The events of the signed-in driver. `current` only: the coming and active ones (nothing at all
 * when there are none), for the dashboard.
 */
export function MyEvents({ current = false }: { current?: boolean }) {
  const load = useLoad(() => get<{ events: MyEvent[] }>('/me/events'), []);
  const [changed, setChanged] = useState<Record<string, MyEvent>>({});
  const events = (load.data?.events ?? []).map((e) => changed[`${e.id}:${e.vehicle.id}`] ?? e);
  const coming = events.filter((e) => isCurrent(e)).sort((a, b) => Date.parse(a.startsAt) - Date.parse(b.startsAt));
  const past = events.filter((e) => !isCurrent(e)).sort((a, b) => Date.parse(b.startsAt) - Date.parse(a.startsAt));
  const onChange = (e: MyEvent) => setChanged((c) => ({ ...c, [`${e.id}:${e.vehicle.id}`]: e }));
  if (current && coming.length === 0) {
    // The dashboard stays quiet without an event; a failed load is said on My program.
    return null;
  }
  return (
    <section class="dr-events" aria-labelledby="dr-events-title">
      <h2 class="section" id="dr-events-title">
        Charging events
      </h2>
      {load.loading && !load.data ? <Loading what="Loading your charging events" /> : null}
      <ErrorNote error={load.error} />
      {coming.map((e) => (
        <EventNotice key={`${e.id}:${e.vehicle.id}`} event={e} onChange={onChange} />
      ))}
      {!current && load.data && coming.length === 0 ? (
        <p class="muted">No charging event coming up. When your program asks you to wait to charge, it shows here.</p>
      ) : null}
      {!current && past.length > 0 ? (
        <details class="dr-past">
          <summary>Past events ({past.length})</summary>
          <ul>
            {past.map((e) => {
              const state = pastState(e);
              return (
                <li key={`${e.id}:${e.vehicle.id}`}>
                  <strong>{e.name}</strong> <span class="muted">{windowText(e.startsAt, e.endsAt)}</span> ·{' '}
                  {e.vehicle.label} <Badge tone={state.tone}>{state.text}</Badge>
                </li>
              );
            })}
          </ul>
        </details>
      ) : null}
    </section>
  );
}

/** One coming or active event: what to do, when, and the one-tap opt-out. */
function EventNotice({ event: e, onChange }: { event: MyEvent; onChange: (event: MyEvent) => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const titleId = useId();
  const active = e.status === 'active' || Date.parse(e.startsAt) <= Date.now();
  const optOut = async () => {
    setBusy(true);
    setError(undefined);
    try {
      onChange(await post<MyEvent>(`/me/events/${e.id}/opt-out`, { vehicleId: e.vehicle.id }));
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <article
      class={`dr-notice ${e.optedOut ? 'dr-opted-out' : active ? 'dr-active' : ''}`}
      aria-labelledby={titleId}
      data-testid="dr-event"
    >
      <h3 id={titleId}>
        {e.name} <Badge tone={active ? 'warn' : 'info'}>{active ? 'Now' : 'Coming'}</Badge>
      </h3>
      <p class="dr-window">
        {windowText(e.startsAt, e.endsAt)} · {e.vehicle.label} · {e.programName}
      </p>
      {e.optedOut ? (
        <p class="dr-state" role="status">
          <strong>You opted out</strong>
          {e.optedOutAt ? ` (${dateTime(e.optedOutAt)})` : ''}: charge as you need. Thank you for telling us.
        </p>
      ) : (
        <>
          <p class="dr-do">{whatToDo(e)}</p>
          {e.canOptOut ? (
            <div class="buttons">
              <button type="button" class="secondary" disabled={busy} onClick={() => void optOut()}>
                {busy ? 'Opting out…' : 'Opt out of this event'}
              </button>
              <span class="muted small">Need to charge anyway? One tap; only this event is affected.</span>
            </div>
          ) : null}
        </>
      )}
      <ErrorNote error={error} />
    </article>
  );
}

/** A labelled control with a unique id (several applications' forms on one page). */
function PrefField({
  label,
  hint,
  error,
  ...rest
}: { label: string; hint?: string; error?: string | undefined } & Record<string, unknown>) {
  const id = useId();
  const note = error ?? hint;
  return (
    <div class={`field ${error ? 'has-error' : ''}`}>
      <label for={id}>{label}</label>
      <input
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

/** One application's event preferences (GET/PUT /applications/:id/event-preferences). */
export function EventPreferencesForm({ applicationId }: { applicationId: number }) {
  const path = `/applications/${applicationId}/event-preferences`;
  const load = useLoad(() => get<EventPreferences>(path), [path]);
  const [prefs, setPrefs] = useState<EventPreferences | undefined>();
  const [saved, setSaved] = useState(false);
  useEffect(() => setPrefs(load.data), [load.data]);
  const form = useForm(async (data) => {
    setSaved(false);
    const readyBy = text(data, 'readyBy');
    const minSoc = text(data, 'minSocPct');
    const next = await api<EventPreferences>('PUT', path, {
      readyBy: readyBy === '' ? null : readyBy,
      minSocPct: minSoc === '' ? null : Number(minSoc.replace(',', '.')),
      notifyMail: data.get('notifyMail') === 'on',
    });
    setPrefs(next);
    setSaved(true);
  });
  const checkId = useId();
  return (
    <section class="dr-prefs" aria-labelledby={`${checkId}-title`}>
      <h3 id={`${checkId}-title`}>Charging events: your preferences</h3>
      {load.loading && !prefs ? <Loading /> : null}
      <ErrorNote error={load.error} />
      {prefs ? (
        <form class="form" onSubmit={form.onSubmit} noValidate aria-label="Charging event preferences">
          <p class="muted">
            During an event your car waits to charge. Tell us when it must be ready and how much charge it always keeps:
            the event never holds it below that.
          </p>
          <PrefField
            label="Ready by (local time)"
            name="readyBy"
            type="time"
            defaultValue={prefs.readyBy ?? ''}
            hint="Leave empty for no deadline."
            error={form.fields.readyBy}
          />
          <PrefField
            label="Always keep at least (% charge)"
            name="minSocPct"
            type="number"
            min={0}
            max={100}
            step="1"
            inputMode="numeric"
            defaultValue={prefs.minSocPct === null ? '' : String(prefs.minSocPct)}
            hint="Below this the car charges even during an event. Empty: no minimum."
            error={form.fields.minSocPct}
          />
          <div class="field dr-check">
            <input id={checkId} type="checkbox" name="notifyMail" defaultChecked={prefs.notifyMail} />
            <label for={checkId}>Mail me each event’s notice (it always shows here)</label>
          </div>
          <ErrorNote error={form.error} />
          {saved ? (
            <p class="notice ok" role="status">
              Saved.
            </p>
          ) : null}
          <div class="buttons">
            <button type="submit" disabled={form.busy}>
              {form.busy ? 'Saving…' : 'Save my preferences'}
            </button>
          </div>
        </form>
      ) : null}
    </section>
  );
}
