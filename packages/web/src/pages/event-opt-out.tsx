/**
 * /events/opt-out?token=…: the one-tap opt-out link from an event's mail, no sign-in needed. It
 * shows which event and vehicle the link is for, and opts out only when the button is pressed
 * (mail scanners open links; they do not press buttons). An unknown link and an event that has
 * ended each say so plainly.
 */
import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { ApiError, get, post } from '../api';
import { Card, ErrorNote, Loading, Page } from '../components/ui';
import { windowText, type OptOutByToken } from '../demand';
import { useLoad } from '../session';
import { dateTime } from '../units';
import './events.css';

type Lookup = { found: true; view: OptOutByToken } | { found: false };

export function EventOptOut() {
  const { query } = useLocation();
  const token = (query.token ?? '').trim();
  const load = useLoad(async (): Promise<Lookup> => {
    if (!token) return { found: false };
    try {
      return { found: true, view: await get<OptOutByToken>(`/events/opt-out?token=${encodeURIComponent(token)}`) };
    } catch (error) {
      // An unknown token, or one cut short by the mail program: the same answer for the driver.
      if (error instanceof ApiError && (error.status === 404 || error.status === 400)) return { found: false };
      throw error;
    }
  }, [token]);
  const [done, setDone] = useState<OptOutByToken | undefined>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const confirm = async () => {
    setBusy(true);
    setError(undefined);
    try {
      setDone(await post<OptOutByToken>('/events/opt-out', { token }));
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const lookup = load.data;
  const view = done ?? (lookup?.found ? lookup.view : undefined);
  return (
    <Page title="Opt out of a charging event">
      <div class="dr-optout">
        {load.loading ? <Loading what="Looking up your link" /> : null}
        <ErrorNote error={load.error} />
        {lookup && !lookup.found ? (
          <Card>
            <p class="notice warn" role="alert">
              This opt-out link is not known. It may be incomplete (open it again from the mail, or copy the whole
              address), or it belongs to an event that was removed.
            </p>
            <p>
              Signed in, you can opt out of your events on your <a href="/dashboard">dashboard</a>.
            </p>
          </Card>
        ) : null}
        {view ? <OptOutCard view={view} confirmed={done !== undefined} busy={busy} onConfirm={confirm} /> : null}
        <ErrorNote error={error} />
      </div>
    </Page>
  );
}

function OptOutCard({
  view,
  confirmed,
  busy,
  onConfirm,
}: {
  view: OptOutByToken;
  confirmed: boolean;
  busy: boolean;
  onConfirm: () => Promise<void>;
}) {
  const e = view.event;
  const ended = e.status === 'completed' || Date.parse(e.endsAt) <= Date.now();
  return (
    <Card title={e.name}>
      <p class="dr-window">
        {windowText(e.startsAt, e.endsAt)} · {view.vehicleLabel}
      </p>
      {view.optedOutAt ? (
        <p class="notice ok" role="status">
          <strong>You opted out</strong> of this event{confirmed ? '' : ` on ${dateTime(view.optedOutAt)}`}: charge as
          you need. Thank you for telling us.
        </p>
      ) : e.status === 'cancelled' ? (
        <p class="notice" role="status">
          This event was cancelled: there is nothing to opt out of. Charge as usual.
        </p>
      ) : ended ? (
        <p class="notice" role="status">
          This event has ended: there is nothing to opt out of any more.
        </p>
      ) : view.canOptOut ? (
        <>
          <p>Need to charge during this event? Opt out here, no questions asked: only this event is affected.</p>
          <div class="buttons">
            <button type="button" disabled={busy} onClick={() => void onConfirm()}>
              {busy ? 'Opting out…' : 'Opt out of this event'}
            </button>
          </div>
        </>
      ) : (
        <p class="notice" role="status">
          This event can no longer be opted out of.
        </p>
      )}
    </Card>
  );
}
