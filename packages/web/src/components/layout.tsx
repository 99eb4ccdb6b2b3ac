/**
 * The frame: a top bar, the navigation, the demo's progress. On a phone the navigation is a bottom
 * bar of the four main places and "More" (the rest, and Sign out), the current place always
 * highlighted (on "More" when it is one of the rest); on a desk, a side bar with every place.
 */
import type { ComponentChildren } from 'preact';
import { useLocation } from 'preact-iso';
import { useEffect, useRef, useState } from 'preact/hooks';
import { post } from '../api';
import { useSession } from '../session';
import './layout-nav.css';

type NavItem = readonly [href: string, label: string];

/** The places a driver goes most: the bottom bar on a phone. */
const DRIVER_MAIN: readonly NavItem[] = [
  ['/dashboard', 'Dashboard'],
  ['/trips', 'Trips'],
  ['/charging', 'Charging'],
  ['/rewards', 'Rewards'],
];
const DRIVER_MORE: readonly NavItem[] = [
  ['/battery', 'Battery'],
  ['/climate', 'Climate'],
  ['/program', 'My program'],
  ['/share', 'Share & export'],
  ['/settings', 'Settings'],
];
const STAFF_MAIN: readonly NavItem[] = [
  ['/admin', 'Programs'],
  ['/settings', 'Settings'],
];

const isCurrent = (path: string, href: string) => path === href || path.startsWith(`${href}/`);

function Nav({
  main,
  more,
  path,
  onSignOut,
}: {
  main: readonly NavItem[];
  more: readonly NavItem[];
  path: string;
  onSignOut: () => void;
}) {
  const [open, setOpen] = useState(false);
  const toggle = useRef<HTMLButtonElement>(null);
  const current = more.find(([href]) => isCurrent(path, href));
  // A followed link closes the menu.
  useEffect(() => setOpen(false), [path]);
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === 'Escape' && open) {
      setOpen(false);
      toggle.current?.focus();
    }
  };
  const link = ([href, label]: NavItem) => (
    <li key={href}>
      <a href={href} aria-current={isCurrent(path, href) ? 'page' : undefined}>
        {label}
      </a>
    </li>
  );
  return (
    <nav class="nav" aria-label="Main" onKeyDown={onKeyDown}>
      <ul class="nav-main">{main.map(link)}</ul>
      <button
        ref={toggle}
        type="button"
        class={`nav-more-toggle ${current ? 'is-current' : ''}`}
        aria-expanded={open}
        aria-controls="nav-more"
        onClick={() => setOpen(!open)}
      >
        More
        {current ? <span class="nav-more-current">{current[1]}</span> : null}
      </button>
      <ul id="nav-more" class={`nav-more ${open ? 'open' : ''}`}>
        {more.map(link)}
        <li class="nav-signout">
          <button type="button" class="link" onClick={onSignOut}>
            Sign out
          </button>
        </li>
      </ul>
    </nav>
  );
}

export function Layout({ children }: { children: ComponentChildren }) {
  const { account, config, setAccount } = useSession();
  const { path, route } = useLocation();
  const staff = account?.role === 'program_admin' || account?.role === 'operator';
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
              <button type="button" class="link topbar-signout" onClick={signOut}>
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
      {account ? (
        <Nav
          main={staff ? STAFF_MAIN : DRIVER_MAIN}
          more={staff ? [] : DRIVER_MORE}
          path={path}
          onSignOut={() => void signOut()}
        />
      ) : null}
      <main id="main" class="main" tabIndex={-1}>
        {children}
      </main>
    </div>
  );
}
