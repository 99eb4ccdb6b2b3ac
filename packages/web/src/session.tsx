/** Who is signed in, their units, and the app's configuration (map tiles, demo progress). */
import { createContext } from 'preact';
import { useContext, useEffect, useState } from 'preact/hooks';
import { ApiError, get, type Account, type AppConfig } from './api';
import { unitsOf, type Units } from './units';

export interface Session {
  account: Account | null;
  units: Units;
  config: AppConfig;
  /** Loaded once at start; false until then. */
  ready: boolean;
  setAccount: (account: Account | null) => void;
}

const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside <SessionProvider>');
  return session;
}

export function SessionProvider({ children }: { children: preact.ComponentChildren }) {
  const [account, setAccount] = useState<Account | null>(null);
  const [config, setConfig] = useState<AppConfig>({ mapTileUrl: 'off', demo: null });
  const [ready, setReady] = useState(false);

  useEffect(() => {
    void Promise.all([
      get<Account>('/auth/me').catch((error: unknown) => {
        if (error instanceof ApiError && error.status === 401) return null;
        throw error;
      }),
      get<AppConfig>('/app-config').catch((): AppConfig => ({ mapTileUrl: 'off', demo: null })),
    ])
      .then(([me, cfg]) => {
        setAccount(me);
        setConfig(cfg);
      })
      .catch(() => setAccount(null))
      .finally(() => setReady(true));
  }, []);

  // While the demo's history fills in, follow its progress.
  useEffect(() => {
    if (config.demo?.state !== 'filling' && config.demo?.state !== 'preparing') return;
    const timer = setInterval(() => {
      void get<AppConfig>('/app-config').then(setConfig, () => undefined);
    }, 5000);
    return () => clearInterval(timer);
  }, [config.demo?.state]);

  return (
    <SessionContext.Provider value={{ account, units: unitsOf(account), config, ready, setAccount }}>
      {children}
    </SessionContext.Provider>
  );
}

/** Loads data for a page: { data, error, loading, reload }. */
export function useLoad<T>(load: () => Promise<T>, deps: readonly unknown[]) {
  const [state, setState] = useState<{ data: T | undefined; error: string | undefined; loading: boolean }>({
    data: undefined,
    error: undefined,
    loading: true,
  });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true, error: undefined }));
    load().then(
      (data) => live && setState({ data, error: undefined, loading: false }),
      (error: unknown) =>
        live && setState({ data: undefined, error: (error as Error).message ?? String(error), loading: false }),
    );
    return () => {
      live = false;
    };
  }, [...deps, tick]);
  return { ...state, reload: () => setTick((t) => t + 1) };
}
