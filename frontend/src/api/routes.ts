/**
 * Paths and response shapes of the analytics routes. They are newer than the generated
 * schema in places, so the shapes here are read tolerantly (`items` arrays, optional fields).
 */
import { ApiError, get, type Query } from "./client";

export const ANALYTICS = {
  summary: "/analytics/summary",
  histogram: "/analytics/dwell-histogram",
  occupancy: "/analytics/occupancy",
  crowd: "/analytics/crowd-hourly",
  waiting: "/analytics/waiting",
  repeat: "/analytics/repeat-visitors",
  demographics: "/analytics/demographics",
  rankings: "/analytics/rankings",
  insight: "/analytics/insight-merge",
  detail: "/analytics/detail",
  export: "/analytics/detail/export",
} as const;

export type Row = Record<string, unknown>;

export interface Summary {
  events?: number;
  visitors?: number;
  avg_dwell_s?: number | null;
  median_dwell_s?: number | null;
  p95_dwell_s?: number | null;
  max_dwell_s?: number | null;
  repeat_visitors?: number;
  peak_hour?: number | null;
  busiest_camera?: string | null;
  busiest_group?: string | null;
}

/** `{items: [...]}`, `{<key>: [...]}` or a bare array, as rows. */
export function rowsOf(data: unknown, ...keys: string[]): Row[] {
  if (Array.isArray(data)) return data as Row[];
  if (data && typeof data === "object") {
    const obj = data as Record<string, unknown>;
    for (const k of [...keys, "items", "rows", "bins", "series", "points"]) {
      if (Array.isArray(obj[k])) return obj[k] as Row[];
    }
  }
  return [];
}

let routes: Promise<Set<string>> | null = null;

/** "GET /analytics/summary", … : what this API declares in its OpenAPI document. */
export function apiRoutes(): Promise<Set<string>> {
  routes ??= get<{ paths?: Record<string, Record<string, unknown>> }>("/openapi.json")
    .then(
      (doc) =>
        new Set(
          Object.entries(doc.paths ?? {}).flatMap(([path, ops]) =>
            Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`),
          ),
        ),
    )
    .catch((e) => {
      routes = null;
      throw e;
    });
  return routes;
}

/**
 * GET an analytics route. A route this API version does not declare is "not available"
 * without a request, so a newer dashboard degrades quietly against an older API.
 */
export async function fetchAnalytics<T = unknown>(path: string, query: Query): Promise<T> {
  const declared = await apiRoutes();
  if (!declared.has(`GET ${path}`))
    throw new ApiError(404, "not_available", `This API does not serve ${path} yet.`);
  return get<T>(path, query);
}

export function num(v: unknown): number {
  return typeof v === "number" ? v : Number(v ?? 0);
}

export function str(v: unknown): string {
  return v === null || v === undefined ? "" : String(v);
}
