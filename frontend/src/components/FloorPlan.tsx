/**
 * The mall floor plan drawn from the tenant's GeoJSON on Leaflet's CRS.Simple: no tile
 * layer, nothing fetched from the internet. GeoJSON [x, y] is Leaflet's [lat=y, lng=x].
 */
import L, { type LatLngBoundsExpression, type LatLngExpression } from "leaflet";
import { type ReactNode, useEffect, useMemo } from "react";
import {
  GeoJSON,
  MapContainer,
  Marker,
  Polyline,
  Tooltip,
  useMap,
  useMapEvents,
} from "react-leaflet";
import type { FeatureCollection, Pin } from "../api/spatial";

export const toLatLng = (c: [number, number]): LatLngExpression => [c[1], c[0]];

function pinIcon(pin: Pin, selected: boolean, step?: number): L.DivIcon {
  const colour = pin.pin_kind === "entrance" ? "#2f9e44" : "#1c7ed6";
  const size = selected ? 26 : 20;
  const text = step !== undefined ? String(step) : pin.pin_kind === "entrance" ? "E" : "";
  return L.divIcon({
    className: "",
    iconSize: [size, size],
    iconAnchor: [size / 2, size / 2],
    html: `<div style="width:${size}px;height:${size}px;border-radius:50%;background:${colour};border:${
      selected ? 3 : 2
    }px solid ${selected ? "#e8590c" : "#fff"};box-shadow:0 0 2px #000;color:#fff;font:600 11px/${
      size - 4
    }px system-ui;text-align:center">${text}</div>`,
  });
}

function FitBounds({ bounds }: { bounds: LatLngBoundsExpression }) {
  const map = useMap();
  useEffect(() => {
    map.fitBounds(bounds, { padding: [24, 24] });
  }, [map, bounds]);
  return null;
}

function ClickHandler({ onClick }: { onClick?: (c: [number, number]) => void }) {
  useMapEvents({
    click(e) {
      onClick?.([Math.round(e.latlng.lng * 10) / 10, Math.round(e.latlng.lat * 10) / 10]);
    },
  });
  return null;
}

function collectCoords(value: unknown, out: [number, number][]): void {
  if (Array.isArray(value) && value.length >= 2 && typeof value[0] === "number") {
    out.push([value[0] as number, value[1] as number]);
  } else if (Array.isArray(value)) {
    for (const v of value) collectCoords(v, out);
  }
}

export interface Edge {
  from: string;
  to: string;
  weight?: number;
  colour?: string;
  label?: string;
}

export function FloorPlan({
  map,
  pins,
  selected,
  onSelect,
  onMapClick,
  onMove,
  edges,
  steps,
  height = 480,
  children,
}: {
  map: FeatureCollection;
  pins: Pin[];
  selected?: string | null;
  onSelect?: (id: string) => void;
  onMapClick?: (c: [number, number]) => void;
  onMove?: (id: string, c: [number, number]) => void;
  edges?: Edge[];
  steps?: Record<string, number>;
  height?: number;
  children?: ReactNode;
}) {
  const plan = useMemo<FeatureCollection>(
    () => ({
      type: "FeatureCollection",
      features: map.features.filter((f) => f.geometry?.type !== "Point"),
    }),
    [map],
  );
  const bounds = useMemo<LatLngBoundsExpression>(() => {
    const coords: [number, number][] = [];
    for (const f of map.features) collectCoords(f.geometry?.coordinates, coords);
    for (const p of pins) coords.push(p.coordinates);
    if (!coords.length)
      return [
        [0, 0],
        [100, 100],
      ];
    const xs = coords.map((c) => c[0]);
    const ys = coords.map((c) => c[1]);
    const pad = 1;
    return [
      [Math.min(...ys) - pad, Math.min(...xs) - pad],
      [Math.max(...ys) + pad, Math.max(...xs) + pad],
    ];
  }, [map, pins]);
  const byId = useMemo(() => new Map(pins.map((p) => [p.id, p])), [pins]);
  const adjacency = useMemo(() => {
    const seen = new Set<string>();
    const out: [Pin, Pin][] = [];
    for (const p of pins)
      for (const q of p.adjacent_to) {
        const other = byId.get(q);
        const key = [p.id, q].sort().join("|");
        if (other && !seen.has(key)) {
          seen.add(key);
          out.push([p, other]);
        }
      }
    return out;
  }, [pins, byId]);
  const maxWeight = Math.max(1, ...(edges ?? []).map((e) => e.weight ?? 1));

  return (
    <section aria-label="Mall floor plan" data-testid="floor-plan">
      <MapContainer
        crs={L.CRS.Simple}
        bounds={bounds}
        minZoom={-5}
        maxZoom={5}
        zoomSnap={0.25}
        style={{ height, width: "100%", borderRadius: 8 }}
        attributionControl={false}
      >
        <FitBounds bounds={bounds} />
        <ClickHandler onClick={onMapClick} />
        {plan.features.length > 0 && (
          <GeoJSON
            key={JSON.stringify(plan).length}
            // biome-ignore lint/suspicious/noExplicitAny: GeoJSON typing differs from our loose Feature
            data={plan as any}
            style={() => ({ color: "#868e96", weight: 1, fillColor: "#dee2e6", fillOpacity: 0.6 })}
          />
        )}
        {adjacency.map(([a, b]) => (
          <Polyline
            key={`adj-${a.id}-${b.id}`}
            positions={[toLatLng(a.coordinates), toLatLng(b.coordinates)]}
            pathOptions={{ color: "#adb5bd", weight: 2, dashArray: "4 4" }}
          />
        ))}
        {(edges ?? []).map((e) => {
          const a = byId.get(e.from);
          const b = byId.get(e.to);
          if (!a || !b) return null;
          const w = e.weight ?? 1;
          return (
            <Polyline
              key={`edge-${e.from}-${e.to}-${e.label ?? ""}`}
              positions={[toLatLng(a.coordinates), toLatLng(b.coordinates)]}
              pathOptions={{
                color: e.colour ?? "#e8590c",
                weight: 2 + (8 * w) / maxWeight,
                opacity: 0.5 + (0.5 * w) / maxWeight,
              }}
            >
              {e.label && <Tooltip sticky>{e.label}</Tooltip>}
            </Polyline>
          );
        })}
        {pins.map((p) => (
          <Marker
            key={p.id}
            position={toLatLng(p.coordinates)}
            icon={pinIcon(p, selected === p.id, steps?.[p.id])}
            draggable={Boolean(onMove)}
            keyboard
            title={`${p.label} (${p.pin_kind})`}
            alt={`${p.label} (${p.pin_kind})`}
            eventHandlers={{
              click: () => onSelect?.(p.id),
              keypress: () => onSelect?.(p.id),
              dragend: (e) => {
                const ll = (e.target as L.Marker).getLatLng();
                onMove?.(p.id, [Math.round(ll.lng * 10) / 10, Math.round(ll.lat * 10) / 10]);
              },
            }}
          >
            <Tooltip direction="top" offset={[0, -10]}>
              {p.label}
            </Tooltip>
          </Marker>
        ))}
        {children}
      </MapContainer>
    </section>
  );
}
