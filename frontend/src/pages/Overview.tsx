import { Card, SegmentedControl, SimpleGrid, Stack, Table, Text, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { type ReactNode, useMemo, useState } from "react";
import { ANALYTICS, fetchAnalytics, num, type Row, rowsOf, type Summary, str } from "../api/routes";
import { Chart, type ChartOption } from "../components/Chart";
import { FilterBar } from "../components/FilterBar";
import { QueryView } from "../components/States";
import { type Filters, filterQuery, useFilters } from "../filters";
import { fmtDuration, fmtInt } from "../format";

function useAnalytics<T = unknown>(
  path: string,
  filters: Filters,
  extra: Record<string, string> = {},
) {
  return useQuery({
    queryKey: [path, filters, extra],
    queryFn: () => fetchAnalytics<T>(path, { ...filterQuery(filters), ...extra }),
  });
}

function Kpi({ label, value, testid }: { label: string; value: ReactNode; testid: string }) {
  return (
    <Card withBorder padding="sm" data-testid={`kpi-${testid}`}>
      <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
        {label}
      </Text>
      <Text size="xl" fw={700} className="kpi-value" data-testid="kpi-value">
        {value}
      </Text>
    </Card>
  );
}

function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <Card withBorder component="section" aria-label={title}>
      <Title order={2} size="h5" mb="xs">
        {title}
      </Title>
      {children}
    </Card>
  );
}

function hourLabel(h: number | null | undefined): string {
  return h === null || h === undefined ? "—" : `${String(h).padStart(2, "0")}:00`;
}

export function KpiCards({ filters }: { filters: Filters }) {
  const summary = useAnalytics<Summary>(ANALYTICS.summary, filters);
  return (
    <QueryView query={summary} label="Loading the cards…">
      {(s) => (
        <SimpleGrid cols={{ base: 2, sm: 3, lg: 5 }} spacing="sm" data-testid="kpis">
          <Kpi testid="visitors" label="Visitors" value={fmtInt(s.visitors)} />
          <Kpi testid="events" label="Events" value={fmtInt(s.events)} />
          <Kpi testid="avg-dwell" label="Avg dwell" value={fmtDuration(s.avg_dwell_s)} />
          <Kpi testid="median-dwell" label="Median dwell" value={fmtDuration(s.median_dwell_s)} />
          <Kpi testid="max-dwell" label="Max dwell" value={fmtDuration(s.max_dwell_s)} />
          <Kpi testid="repeat" label="Repeat visitors" value={fmtInt(s.repeat_visitors)} />
          <Kpi testid="peak-hour" label="Peak hour (UTC)" value={hourLabel(s.peak_hour)} />
          <Kpi testid="busiest-camera" label="Busiest camera" value={s.busiest_camera ?? "—"} />
        </SimpleGrid>
      )}
    </QueryView>
  );
}

function histogramOption(rows: Row[]): ChartOption {
  const label = (r: Row) =>
    r.to_s === null || r.to_s === undefined
      ? `${fmtDuration(num(r.from_s))}+`
      : `${fmtDuration(num(r.from_s))}–${fmtDuration(num(r.to_s))}`;
  return {
    tooltip: { trigger: "axis" },
    grid: { left: 48, right: 12, top: 12, bottom: 48 },
    xAxis: { type: "category", data: rows.map(label), axisLabel: { rotate: 30 } },
    yAxis: { type: "value", name: "events" },
    series: [{ type: "bar", data: rows.map((r) => num(r.events ?? r.count)) }],
  };
}

/** GET /analytics/occupancy: one series per site/group/camera key. */
interface OccupancySeries {
  key: string;
  points: { t: string; peak: number; mean: number }[];
}

function occupancyOption(series: OccupancySeries[]): ChartOption {
  const shown = series.slice(0, 12);
  return {
    tooltip: { trigger: "axis" },
    legend: { type: "scroll", bottom: 0 },
    grid: { left: 48, right: 12, top: 12, bottom: 64 },
    xAxis: { type: "time" },
    yAxis: { type: "value", name: "people" },
    dataZoom: [{ type: "inside" }],
    series: shown.map((s) => ({
      name: s.key,
      type: "line",
      showSymbol: false,
      areaStyle: shown.length === 1 ? { opacity: 0.2 } : undefined,
      data: s.points.map((p) => [p.t, p.peak]),
    })),
  };
}

function heatmapOption(rows: Row[]): ChartOption {
  const cameras = [...new Set(rows.map((r) => str(r.camera_id)))].sort();
  const hours = Array.from({ length: 24 }, (_, h) => String(h).padStart(2, "0"));
  // rows are per camera x hour, already summed over the days in the filter
  const cells = new Map<string, number[]>();
  for (const r of rows) {
    const cell = [num(r.hour), cameras.indexOf(str(r.camera_id)), 0];
    const id = `${cell[0]}:${cell[1]}`;
    const existing = cells.get(id) ?? cell;
    existing[2] += num(r.crowd_events);
    cells.set(id, existing);
  }
  const data = [...cells.values()];
  const max = Math.max(1, ...data.map((d) => d[2]));
  return {
    tooltip: { position: "top" },
    grid: { left: 96, right: 12, top: 12, bottom: 72 },
    xAxis: { type: "category", data: hours, name: "hour" },
    yAxis: { type: "category", data: cameras },
    visualMap: { min: 0, max, calculable: true, orient: "horizontal", left: "center", bottom: 0 },
    series: [{ type: "heatmap", data }],
  };
}

/** GET /analytics/waiting: waiting events per day, each with 24 hourly counts. */
interface Waiting {
  threshold_s: number;
  by_day: { dt: string; waiting_events: number; by_hour: number[] }[];
}

function waitingOption(waiting: Waiting): ChartOption {
  const byHour = new Array(24).fill(0);
  for (const day of waiting.by_day) {
    day.by_hour.forEach((n, h) => {
      byHour[h] += n;
    });
  }
  return {
    tooltip: { trigger: "axis" },
    grid: { left: 48, right: 12, top: 12, bottom: 32 },
    xAxis: { type: "category", data: byHour.map((_, h) => String(h).padStart(2, "0")) },
    yAxis: { type: "value", name: "waiting" },
    series: [{ type: "bar", data: byHour, itemStyle: { color: "#f08c00" } }],
  };
}

function demographicsOption(rows: Row[]): ChartOption {
  const byDim = new Map<string, { name: string; value: number }[]>();
  for (const r of rows) {
    const dim = str(r.dimension ?? r.attribute ?? "value");
    const list = byDim.get(dim) ?? [];
    list.push({
      name: str(r.value ?? r.bucket ?? r.name),
      value: num(r.events ?? r.count ?? r.visitors),
    });
    byDim.set(dim, list);
  }
  const dims = [...byDim.keys()].slice(0, 3);
  return {
    tooltip: { trigger: "item" },
    series: dims.map((d, i) => ({
      name: d,
      type: "pie",
      radius: ["30%", "55%"],
      center: [`${((i + 0.5) * 100) / dims.length}%`, "50%"],
      data: byDim.get(d),
      label: { formatter: "{b}: {d}%" },
    })),
  };
}

function demographicRows(data: unknown): Row[] {
  const rows = rowsOf(data);
  if (rows.length) return rows;
  // {gender: {male: n, ...}, age_group: {...}}
  const out: Row[] = [];
  if (data && typeof data === "object") {
    for (const [dim, values] of Object.entries(data as Record<string, unknown>)) {
      if (values && typeof values === "object" && !Array.isArray(values)) {
        for (const [value, n] of Object.entries(values as Record<string, unknown>))
          out.push({ dimension: dim, value, events: n });
      } else if (Array.isArray(values)) {
        for (const v of values as Row[]) out.push({ dimension: dim, ...v });
      }
    }
  }
  return out;
}

export default function OverviewPage() {
  const [filters] = useFilters();
  const [level, setLevel] = useState("site");
  const histogram = useAnalytics(ANALYTICS.histogram, filters);
  const occupancy = useAnalytics(ANALYTICS.occupancy, filters, { level });
  const crowd = useAnalytics(ANALYTICS.crowd, filters);
  const waiting = useAnalytics(ANALYTICS.waiting, filters);
  const demographics = useAnalytics(ANALYTICS.demographics, filters);
  const rankings = useAnalytics(ANALYTICS.rankings, filters, { by: "camera" });
  const demoRows = useMemo(() => demographicRows(demographics.data), [demographics.data]);

  return (
    <Stack>
      <Title order={1} size="h2">
        Overview
      </Title>
      <FilterBar />
      <KpiCards filters={filters} />
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <Section title="Dwell time distribution">
          <QueryView query={histogram} isEmpty={(d) => rowsOf(d).every((r) => !num(r.events))}>
            {(d) => <Chart label="Dwell histogram" option={histogramOption(rowsOf(d))} />}
          </QueryView>
        </Section>
        <Section title="Occupancy over time">
          <SegmentedControl
            size="xs"
            mb="xs"
            value={level}
            onChange={setLevel}
            aria-label="Occupancy level"
            data={[
              { value: "site", label: "Site" },
              { value: "group", label: "Group" },
              { value: "camera", label: "Camera" },
            ]}
          />
          <QueryView query={occupancy} isEmpty={(d) => (d as OccupancySeries[]).length === 0}>
            {(d) => (
              <Chart label="Occupancy timeline" option={occupancyOption(d as OccupancySeries[])} />
            )}
          </QueryView>
        </Section>
        <Section title="Crowd events per camera and hour">
          <QueryView
            query={crowd}
            isEmpty={(d) => rowsOf(d).length === 0}
            empty="No crowd or loitering reports for these filters."
          >
            {(d) => <Chart label="Crowd heatmap" option={heatmapOption(rowsOf(d))} height={320} />}
          </QueryView>
        </Section>
        <Section title="Waiting (dwell over 10 min) by hour">
          <QueryView query={waiting} isEmpty={(d) => (d as Waiting).by_day.length === 0}>
            {(d) => <Chart label="Waiting time by hour" option={waitingOption(d as Waiting)} />}
          </QueryView>
        </Section>
        <Section title="Demographics">
          <QueryView query={demographics} isEmpty={() => demoRows.length === 0}>
            {() => <Chart label="Demographics" option={demographicsOption(demoRows)} />}
          </QueryView>
        </Section>
        <Section title="Busiest cameras">
          <QueryView query={rankings} isEmpty={(d) => rowsOf(d).length === 0}>
            {(d) => (
              <Table striped data-testid="rankings">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Camera</Table.Th>
                    <Table.Th ta="right">Events</Table.Th>
                    <Table.Th ta="right">Visits</Table.Th>
                    <Table.Th ta="right">Avg dwell</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {rowsOf(d).map((r) => {
                    const name = str(r.key);
                    return (
                      <Table.Tr key={name}>
                        <Table.Td>{name}</Table.Td>
                        <Table.Td ta="right">{fmtInt(num(r.events))}</Table.Td>
                        <Table.Td ta="right">{fmtInt(num(r.visits))}</Table.Td>
                        <Table.Td ta="right">{fmtDuration(num(r.avg_dwell_s))}</Table.Td>
                      </Table.Tr>
                    );
                  })}
                </Table.Tbody>
              </Table>
            )}
          </QueryView>
        </Section>
      </SimpleGrid>
    </Stack>
  );
}
