/** Sign in, join (sign up), and the password reset reached from the mailed link. */
import { useLocation } from 'preact-iso';
import { useState } from 'preact/hooks';
import { get, post, type Account } from '../api';
import { Field, Page, useForm } from '../components/ui';
import { useSession } from '../session';

export function SignIn() {
  const { setAccount } = useSession();
  const { route, query } = useLocation();
  const [resetSent, setResetSent] = useState<string | undefined>();
  const form = useForm(async (data) => {
    const signedIn = await post<{ account: Account }>('/auth/session', {
      email: data.get('email'),
      password: data.get('password'),
    });
    setAccount(await get<Account>('/auth/me').catch(() => signedIn.account));
    const staff = signedIn.account.role !== 'driver';
    route(query.next && query.next.startsWith('/') ? query.next : staff ? '/admin' : '/dashboard');
  });
  const reset = useForm(async (data) => {
    const answer = await post<{ message: string }>('/auth/password-reset', { email: data.get('email') });
    setResetSent(answer.message);
  });
  return (
    <Page title="Sign in">
      <form class="card form narrow" onSubmit={form.onSubmit} noValidate>
        <Field label="Email" name="email" type="email" autocomplete="username" required error={form.fields.email} />
        <Field
          label="Password"
          name="password"
          type="password"
          autocomplete="current-password"
          required
          error={form.fields.password}
        />
        {form.error ? (
          <p class="notice error" role="alert">
            {form.error}
          </p>
        ) : null}
        <button type="submit" disabled={form.busy}>
          {form.busy ? 'Signing in…' : 'Sign in'}
        </button>
        <p class="muted">
          New here? <a href="/signup">Join a program</a>.
        </p>
      </form>
      <details class="card narrow">
        <summary>Forgot your password?</summary>
        <form class="form" onSubmit={reset.onSubmit} noValidate>
          <Field label="Your email" name="email" type="email" autocomplete="email" required />
          {reset.error ? <p class="notice error">{reset.error}</p> : null}
          {resetSent ? <p class="notice ok">{resetSent}</p> : null}
          <button type="submit" class="secondary" disabled={reset.busy}>
            Send me a link
          </button>
        </form>
      </details>
    </Page>
  );
}

/** What the sign-up form calls each field the server names, so a message reads in words. */
const SIGN_UP_LABELS: Readonly<Record<string, string>> = { name: 'Your name', email: 'Email', password: 'Password' };
const signUpFieldLabel = (field: string): string | undefined => SIGN_UP_LABELS[field];

export function SignUp() {
  const { setAccount } = useSession();
  const { route, query } = useLocation();
  const form = useForm(async (data) => {
    const email = data.get('email');
    const password = data.get('password');
    await post('/auth/signup', { email, name: data.get('name'), password });
    // Sign-up answers alike whether or not the address was new; signing in tells.
    const signedIn = await post<{ account: Account }>('/auth/session', { email, password });
    setAccount(await get<Account>('/auth/me').catch(() => signedIn.account));
    route(query.program ? `/apply/${query.program}` : '/program');
  }, signUpFieldLabel);
  return (
    <Page title="Join SmartCharge">
      <p class="lede narrow">
        Share how your EV drives and charges with your utility, help plan the grid, and earn rewards. First make your
        account; then apply to your utility’s program with your vehicle.
      </p>
      <form class="card form narrow" onSubmit={form.onSubmit} noValidate>
        <Field label="Your name" name="name" autocomplete="name" required error={form.fields.name} />
        <Field label="Email" name="email" type="email" autocomplete="email" required error={form.fields.email} />
        <Field
          label="Password"
          name="password"
          type="password"
          autocomplete="new-password"
          required
          minLength={10}
          hint="At least 10 characters."
          error={form.fields.password}
        />
        {form.error ? (
          <p class="notice error" role="alert">
            {form.error}
          </p>
        ) : null}
        <button type="submit" disabled={form.busy}>
          {form.busy ? 'Making your account…' : 'Make my account'}
        </button>
      </form>
    </Page>
  );
}

export function ResetPassword() {
  const { query } = useLocation();
  const [done, setDone] = useState<string | undefined>();
  const form = useForm(async (data) => {
    const answer = await post<{ message: string }>('/auth/password-reset/complete', {
      token: query.token ?? '',
      password: data.get('password'),
    });
    setDone(answer.message);
  });
  return (
    <Page title="Choose a new password">
      {done ? (
        <p class="notice ok narrow">
          {done} <a href="/signin">Sign in</a>.
        </p>
      ) : (
        <form class="card form narrow" onSubmit={form.onSubmit} noValidate>
          <Field
            label="New password"
            name="password"
            type="password"
            autocomplete="new-password"
            required
            minLength={10}
            error={form.fields.password}
          />
          {form.error ? <p class="notice error">{form.error}</p> : null}
          <button type="submit" disabled={form.busy}>
            Save the password
          </button>
        </form>
      )}
    </Page>
  );
}
