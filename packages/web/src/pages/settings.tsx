/** Settings: display units, password. */
import { api, type Account } from '../api';
import { Card, ErrorNote, Field, Page, useForm } from '../components/ui';
import { useSession } from '../session';
import { useState } from 'preact/hooks';

export function Settings() {
  const { account, setAccount } = useSession();
  const [saved, setSaved] = useState<string | undefined>();
  const [error, setError] = useState<string | undefined>();
  const setUnit = async (change: Partial<Account['preferences']>) => {
    setError(undefined);
    try {
      setAccount(await api<Account>('PATCH', '/auth/me/preferences', change));
      setSaved('Saved.');
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const password = useForm(async (data) => {
    await api('POST', '/auth/password', {
      currentPassword: data.get('currentPassword'),
      password: data.get('password'),
    });
    setSaved('Your password is changed.');
  });
  if (!account) {
    return (
      <Page title="Settings">
        <p>
          <a href="/signin?next=/settings">Sign in</a> first.
        </p>
      </Page>
    );
  }
  return (
    <Page title="Settings">
      <Card title="Units">
        <fieldset class="choice">
          <legend>Distance</legend>
          {(['km', 'mi'] as const).map((u) => (
            <label key={u}>
              <input
                type="radio"
                name="distance"
                checked={account.preferences.distanceUnit === u}
                onChange={() => setUnit({ distanceUnit: u })}
              />
              {u === 'km' ? 'Kilometres' : 'Miles'}
            </label>
          ))}
        </fieldset>
        <fieldset class="choice">
          <legend>Temperature</legend>
          {(['C', 'F'] as const).map((u) => (
            <label key={u}>
              <input
                type="radio"
                name="temperature"
                checked={account.preferences.temperatureUnit === u}
                onChange={() => setUnit({ temperatureUnit: u })}
              />
              {u === 'C' ? '°C' : '°F'}
            </label>
          ))}
        </fieldset>
        {saved ? (
          <p class="notice ok" role="status">
            {saved}
          </p>
        ) : null}
        <ErrorNote error={error} />
      </Card>
      <Card title="Password">
        <form class="form" onSubmit={password.onSubmit} noValidate>
          <Field
            label="Current password"
            name="currentPassword"
            type="password"
            autocomplete="current-password"
            error={password.fields.currentPassword}
          />
          <Field
            label="New password"
            name="password"
            type="password"
            autocomplete="new-password"
            minLength={10}
            error={password.fields.password}
          />
          <ErrorNote error={password.error} />
          <button type="submit" disabled={password.busy}>
            Change password
          </button>
        </form>
      </Card>
    </Page>
  );
}
