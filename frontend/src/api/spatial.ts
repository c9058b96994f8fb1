/** Shapes of the spatial routes (mall map, pins, videos, jobs, journeys, reports). */
import { get, request } from "./client";

export interface Transit {
  mu_sec: number;
  tau_sec: number;
}

export interface Pin {
  id: string;
  label: string;
  pin_kind: "entrance" | "normal";
  adjacent_to: string[];
  transit_times: Record<string, Transit>;
  camera_fps?: number | null;
  coordinates: [number, number];
}

export interface Feature {
  type: "Feature";
  geometry: { type: string; coordinates: unknown };
  properties?: Record<string, unknown> | null;
}

export interface FeatureCollection {
  type: "FeatureCollection";
  features: Feature[];
}

export interface Journey {
  journey_id: string;
  date?: string;
  start?: string;
  end?: string;
  duration_sec?: number;
  entry_pin?: string;
  exit_pin?: string | null;
  pins: string[];
  tracklet_ids?: string[];
  link_ids?: string[];
  link_scores?: number[];
  n_stops?: number;
  confidence?: number;
  closed_by?: string;
  links?: Association[];
}

export interface Association {
  link_id: string;
  source: string;
  target: string;
  source_pin: string;
  target_pin: string;
  t_out: number;
  t_in: number;
  decision: string;
  score?: number;
  [component: string]: unknown;
}

export interface Items<T> {
  items: T[];
}

export const spatial = {
  map: () => get<FeatureCollection>("/map"),
  pins: () => get<Items<Pin>>("/pins").then((d) => d.items),
  savePin: (id: string, pin: Omit<Pin, "id">) =>
    request<Pin>("PUT", `/pins/${encodeURIComponent(id)}`, {
      body: {
        label: pin.label,
        pin_kind: pin.pin_kind,
        adjacent_to: pin.adjacent_to,
        transit_times: pin.transit_times,
        camera_fps: pin.camera_fps ?? null,
        coordinates: pin.coordinates,
      },
    }),
  deletePin: (id: string) => request<unknown>("DELETE", `/pins/${encodeURIComponent(id)}`),
  videos: (pinId?: string) =>
    get<Items<Record<string, unknown>>>("/videos", { pin_id: pinId }).then((d) => d.items),
  jobs: () => get<Items<Record<string, unknown>>>("/jobs").then((d) => d.items),
  journeys: (q: { date?: string; min_confidence?: string; entry_pin?: string }) =>
    get<Items<Journey>>("/journeys", q).then((d) => d.items),
  journey: (id: string) => get<Journey>(`/journeys/${encodeURIComponent(id)}`),
  associations: (decision?: string) =>
    get<Items<Association>>("/associations", { decision }).then((d) => d.items),
  report: <T>(name: string) => get<T>(`/reports/${name}`),
};
