/** The frame: a top bar, the navigation (a tab bar on phones, a side bar on desks), the demo's progress. */
import type { ComponentChildren } from 'preact';
import { useLocation } from 'preact-iso';
import { post } from '../api';
import { useSession } from '../session';

const DRIVER_NAV = [
  ['/dashboard', 'Dashboard'],
  ['/trips', 'Trips'],
  ['/charging', 'Charging'],
  ['/battery', 'Battery'],
  ['/climate', 'Climate'],
  ['/rewards', 'Rewards'],
  ['/program', 'My program'],
  ['/share', 'Share & export'],
  ['/settings', 'Settings'],
] as const;

export function Layout({ children }: { children: ComponentChildren }) {
  const { account, config, setAccount } = useSession();
  const { path, route } = useLocation();
  const staff = account?.role === 'program_admin' || account?.role === 'operator';
  const nav = account
    ? staff
      ? [['/admin', 'Programs'] as const, ['/settings', 'Settings'] as const]
      : DRIVER_NAV
    : [];
  const demo = config.demo;
  const signOut = async () => {
    await post('/auth/signout').catch(() => undefined);
    setAccount(null);
    route('/');
  };
  return (
    <div class={`shell ${account ? 'with-nav' : ''}`}>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="topbar">
        <a class="brand" href={account ? (staff ? '/admin' : '/dashboard') : '/'}>
          <svg viewBox="0 0 32 32" width="28" height="28" aria-hidden="true">
            <rect width="32" height="32" rx="7" fill="#0b6e4f" />
            <path d="M18 4 8 18h7l-2 10 10-14h-7z" fill="#fff" />
          </svg>
          SmartCharge
        </a>
        <div class="topbar-right">
          {account ? (
            <>
              <span class="who" title={account.email}>
                {account.name}
                {account.role === 'program_admin'
                  ? ` · ${account.utility}`
                  : account.role === 'operator'
                    ? ' · operator'
                    : ''}
              </span>
              <button type="button" class="link" onClick={signOut}>
                Sign out
              </button>
            </>
          ) : (
            <>
              <a href="/signin">Sign in</a>
              <a class="button small" href="/signup">
                Join
              </a>
            </>
          )}
        </div>
      </header>
      {demo && demo.state !== 'live' && demo.state !== 'stopped' ? (
        <div class="demo-banner" role="status" aria-live="polite">
          {demo.state === 'failed'
            ? `The demo fleet stopped: ${demo.message ?? 'see the server log'}.`
            : `Demo: ${demo.vehicles} simulated vehicles are sending ${demo.days} days of history — ${Math.round(demo.progress * 100)} % in. Pages fill in as it arrives.`}
          <progress max={1} value={demo.progress} aria-label="Demo history loaded" />
        </div>
      ) : null}
      {nav.length > 0 ? (
        <nav class="nav" aria-label="Main">
          {nav.map(([href, label]) => (
            <a key={href} href={href} aria-current={path === href || path.startsWith(`${href}/`) ? 'page' : undefined}>
              {label}
            </a>
          ))}
        </nav>
      ) : null}
      <main id="main" class="main" tabIndex={-1}>
        {children}
      </main>
    </div>
  );
}
