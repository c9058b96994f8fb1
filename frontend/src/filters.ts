/**
 * Global filters (date range, camera group) live in the URL's query string, so every view
 * obeys them and a view can be shared by link. Navigation keeps them (see `withFilters`).
 */
import { useCallback, useMemo } from "react";
import { useSearchParams } from "react-router-dom";

export interface Filters {
  start?: string;
  end?: string;
  group?: string;
}

export const GLOBAL_KEYS = ["start", "end", "group"] as const;

export function useFilters(): [Filters, (patch: Partial<Filters>) => void] {
  const [params, setParams] = useSearchParams();
  const start = params.get("start") ?? undefined;
  const end = params.get("end") ?? undefined;
  const group = params.get("group") ?? undefined;
  const filters = useMemo(() => ({ start, end, group }), [start, end, group]);
  const update = useCallback(
    (patch: Partial<Filters>) =>
      setParams(
        (prev) => {
          const next = new URLSearchParams(prev);
          for (const [k, v] of Object.entries(patch)) {
            if (v) next.set(k, v);
            else next.delete(k);
          }
          next.delete("cursor");
          return next;
        },
        { replace: true },
      ),
    [setParams],
  );
  return [filters, update];
}

/** A page-local parameter in the URL (sort, table filters), beside the global ones. */
export function useParam(name: string): [string | undefined, (value?: string) => void] {
  const [params, setParams] = useSearchParams();
  const value = params.get(name) ?? undefined;
  const set = useCallback(
    (v?: string) =>
      setParams(
        (prev) => {
          const next = new URLSearchParams(prev);
          if (v) next.set(name, v);
          else next.delete(name);
          return next;
        },
        { replace: true },
      ),
    [name, setParams],
  );
  return [value, set];
}

/** The global part of the current query string, for links between views. */
export function globalSearch(search: string): string {
  const current = new URLSearchParams(search);
  const kept = new URLSearchParams();
  for (const k of GLOBAL_KEYS) {
    const v = current.get(k);
    if (v) kept.set(k, v);
  }
  const s = kept.toString();
  return s ? `?${s}` : "";
}

/** Query parameters the analytics routes take for the global filters. */
export function filterQuery(f: Filters): Record<string, string | undefined> {
  return { start: f.start, end: f.end, group: f.group };
}
