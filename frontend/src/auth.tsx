/** The signed-in session: tokens in sessionStorage, the caller's tenant and role from /me. */
import { useQueryClient } from "@tanstack/react-query";
import { createContext, type ReactNode, useCallback, useContext, useEffect, useState } from "react";
import { api, type Schemas, setIdToken, setUnauthorizedHandler, unwrap } from "./api/client";

type Me = Schemas["Me"];
type Tokens = Schemas["Tokens"];

const KEY = "wandr.session";

interface Stored {
  idToken: string;
  refreshToken: string | null;
  expiresAt: number;
}

interface Session {
  me: Me | null;
  ready: boolean;
  login(username: string, password: string): Promise<void>;
  logout(): void;
}

const SessionContext = createContext<Session | null>(null);

function readStored(): Stored | null {
  try {
    const raw = sessionStorage.getItem(KEY);
    return raw ? (JSON.parse(raw) as Stored) : null;
  } catch {
    return null;
  }
}

function store(tokens: Tokens, previousRefresh: string | null = null): Stored {
  const stored: Stored = {
    idToken: tokens.id_token,
    refreshToken: tokens.refresh_token ?? previousRefresh,
    expiresAt: Date.now() + tokens.expires_in * 1000,
  };
  sessionStorage.setItem(KEY, JSON.stringify(stored));
  setIdToken(stored.idToken);
  return stored;
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const [me, setMe] = useState<Me | null>(null);
  const [ready, setReady] = useState(false);

  const logout = useCallback(() => {
    sessionStorage.removeItem(KEY);
    setIdToken(null);
    setMe(null);
    queryClient.clear();
  }, [queryClient]);

  useEffect(() => {
    setUnauthorizedHandler(logout);
    const stored = readStored();
    if (!stored) {
      setReady(true);
      return;
    }
    setIdToken(stored.idToken);
    unwrap(api.GET("/me"))
      .then(setMe)
      .catch(() => logout())
      .finally(() => setReady(true));
  }, [logout]);

  // Refresh the ID token a minute before it expires, while the tab is open.
  useEffect(() => {
    if (!me) return;
    const stored = readStored();
    if (!stored?.refreshToken) return;
    const wait = Math.max(5_000, stored.expiresAt - Date.now() - 60_000);
    const timer = window.setTimeout(() => {
      unwrap(api.POST("/auth/refresh", { body: { refresh_token: stored.refreshToken ?? "" } }))
        .then((tokens) => store(tokens, stored.refreshToken))
        .catch(() => logout());
    }, wait);
    return () => window.clearTimeout(timer);
  }, [me, logout]);

  const login = useCallback(async (username: string, password: string) => {
    const tokens = await unwrap(api.POST("/auth/login", { body: { username, password } }));
    store(tokens);
    setMe(await unwrap(api.GET("/me")));
  }, []);

  return (
    <SessionContext.Provider value={{ me, ready, login, logout }}>
      {children}
    </SessionContext.Provider>
  );
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error("useSession outside SessionProvider");
  return session;
}

export function canEdit(me: Me | null, role: "admin" | "analyst"): boolean {
  if (!me) return false;
  return role === "analyst" ? me.role === "admin" || me.role === "analyst" : me.role === "admin";
}
