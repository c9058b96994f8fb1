/**
 * The one way the dashboard talks to the Query API.
 *
 * `api` is an openapi-fetch client typed by `schema.d.ts`, generated from the API's own
 * /openapi.json (`npm run gen:api`), so a renamed route or field fails `tsc`. Every error
 * the API returns has the shape {"error": {"code", "message", "details"}}; `unwrap` turns it
 * into an `ApiError` the views can show.
 */
import createClient from "openapi-fetch";
import type { components, paths } from "./schema";

export type Schemas = components["schemas"];

export const API_BASE: string = (import.meta.env.VITE_API_BASE || "/api").replace(/\/+$/, "");

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

let idToken: string | null = null;
let onUnauthorized: (() => void) | null = null;

export function setIdToken(token: string | null): void {
  idToken = token;
}

export function setUnauthorizedHandler(handler: (() => void) | null): void {
  onUnauthorized = handler;
}

export const api = createClient<paths>({ baseUrl: API_BASE });
api.use({
  onRequest({ request }) {
    if (idToken) request.headers.set("Authorization", `Bearer ${idToken}`);
    else if (!/\/auth\/(login|refresh)$/.test(new URL(request.url).pathname))
      throw new ApiError(401, "signed_out", "You are signed out.");
    return request;
  },
});

function toError(status: number, body: unknown): ApiError {
  const err = (body as { error?: { code?: string; message?: string; details?: unknown } } | null)
    ?.error;
  if (err?.message) return new ApiError(status, err.code ?? "error", err.message, err.details);
  return new ApiError(status, "http_error", `The API answered ${status}`);
}

/** The data of an openapi-fetch result, or throw its error as an ApiError. */
export async function unwrap<T>(
  call: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  let result: { data?: T; error?: unknown; response: Response };
  try {
    result = await call;
  } catch (e) {
    if (e instanceof ApiError) throw e;
    throw new ApiError(0, "network", `Cannot reach the API (${(e as Error).message})`);
  }
  if (!result.response.ok) {
    if (result.response.status === 401 && idToken) onUnauthorized?.();
    throw toError(result.response.status, result.error);
  }
  return result.data as T;
}

export type Query = Record<string, string | number | boolean | null | undefined>;

export function queryString(query?: Query): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v !== undefined && v !== null && v !== "") params.set(k, String(v));
  }
  const s = params.toString();
  return s ? `?${s}` : "";
}

/** A plain request, for routes newer than the generated schema. */
export async function request<T>(
  method: string,
  path: string,
  options: { query?: Query; body?: unknown } = {},
): Promise<T> {
  const headers: Record<string, string> = {};
  if (idToken) headers.Authorization = `Bearer ${idToken}`;
  else if (path !== "/openapi.json") throw new ApiError(401, "signed_out", "You are signed out.");
  if (options.body !== undefined) headers["Content-Type"] = "application/json";
  let response: Response;
  try {
    response = await fetch(`${API_BASE}${path}${queryString(options.query)}`, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
  } catch (e) {
    throw new ApiError(0, "network", `Cannot reach the API (${(e as Error).message})`);
  }
  const text = await response.text();
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = text;
  }
  if (!response.ok) {
    if (response.status === 401 && idToken) onUnauthorized?.();
    throw toError(response.status, body);
  }
  return body as T;
}

export const get = <T>(path: string, query?: Query) => request<T>("GET", path, { query });

/** Download a text response (CSV export) with the caller's token. */
export async function download(path: string, query: Query, filename: string): Promise<number> {
  const headers: Record<string, string> = {};
  if (idToken) headers.Authorization = `Bearer ${idToken}`;
  const response = await fetch(`${API_BASE}${path}${queryString(query)}`, { headers });
  if (!response.ok) {
    let body: unknown = null;
    try {
      body = await response.json();
    } catch {
      /* not JSON */
    }
    throw toError(response.status, body);
  }
  const blob = await response.blob();
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
  return blob.size;
}

export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error) return error.message;
  return String(error);
}
