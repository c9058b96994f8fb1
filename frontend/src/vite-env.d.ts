/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** Where the Query API is: "/api" (same origin) unless built for another origin. */
  readonly VITE_API_BASE?: string;
}
