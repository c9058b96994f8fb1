import {
  Alert,
  Button,
  Card,
  Group,
  NumberInput,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
  UnstyledButton,
} from "@mantine/core";
import { useMutation, useQuery } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { errorMessage, request } from "../api/client";
import { ANALYTICS, apiRoutes, fetchAnalytics, type Row, rowsOf, str } from "../api/routes";
import { FilterBar } from "../components/FilterBar";
import { QueryView } from "../components/States";
import { filterQuery, useFilters, useParam } from "../filters";
import { fmtDuration, fmtInt } from "../format";

const PAGE = 50;
const PREFERRED = [
  "utc_time_started",
  "utc_time_ended",
  "person_id",
  "camera_id",
  "camera_group_name",
  "dwell_s",
  "gender",
  "gender_outcome",
  "age_group",
  "age_group_outcome",
  "event_type",
  "zone_name",
];
const HIDDEN = new Set(["tenant", "upload_id", "raw", "extra", "dt", "source_line"]);

function cell(column: string, value: unknown): string {
  if (value === null || value === undefined) return "";
  if (column === "dwell_s") return fmtDuration(Number(value));
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

export default function EventsPage() {
  const [filters] = useFilters();
  const [camera, setCamera] = useParam("camera");
  const [gender, setGender] = useParam("gender");
  const [ageGroup, setAgeGroup] = useParam("age_group");
  const [minDwell, setMinDwell] = useParam("min_dwell");
  const [maxDwell, setMaxDwell] = useParam("max_dwell");
  const [sort, setSort] = useParam("sort");
  const [order, setOrder] = useParam("order");
  const [cameraText, setCameraText] = useState(camera ?? "");

  const query = useMemo(
    () => ({
      ...filterQuery(filters),
      camera,
      gender,
      age_group: ageGroup,
      min_dwell: minDwell,
      max_dwell: maxDwell,
      sort: sort ?? "utc_time_started",
      order: order ?? "desc",
    }),
    [filters, camera, gender, ageGroup, minDwell, maxDwell, sort, order],
  );
  // Cursors of the pages seen; a new filter or sort starts again at the first page.
  const key = JSON.stringify(query);
  const [paging, setPaging] = useState<{ key: string; cursors: (string | undefined)[] }>({
    key,
    cursors: [undefined],
  });
  const cursors = paging.key === key ? paging.cursors : [undefined];
  const setCursors = (next: (c: (string | undefined)[]) => (string | undefined)[]) =>
    setPaging({ key, cursors: next(cursors) });
  const cursor = cursors[cursors.length - 1];

  const rows = useQuery({
    queryKey: [ANALYTICS.detail, query, cursor],
    queryFn: () =>
      fetchAnalytics<{ items?: Row[]; next_cursor?: string | null }>(ANALYTICS.detail, {
        ...query,
        limit: PAGE,
        cursor,
      }),
    placeholderData: (prev) => prev,
  });

  const exporter = useMutation({
    mutationFn: async () => {
      const declared = await apiRoutes();
      if (!declared.has(`POST ${ANALYTICS.export}`)) throw new Error("Export is not available.");
      const out = await request<{ url: string; rows: number }>("POST", ANALYTICS.export, { query });
      const a = document.createElement("a");
      a.href = out.url;
      a.download = "wandr-events.csv";
      document.body.appendChild(a);
      a.click();
      a.remove();
      return out.rows;
    },
  });

  const columns = useMemo(() => {
    const items = rowsOf(rows.data);
    const keys = new Set<string>();
    for (const r of items.slice(0, 20)) for (const k of Object.keys(r)) keys.add(k);
    const ordered = PREFERRED.filter((k) => keys.has(k));
    const rest = [...keys].filter((k) => !PREFERRED.includes(k) && !HIDDEN.has(k)).sort();
    return [...ordered, ...rest].slice(0, 14);
  }, [rows.data]);

  function toggleSort(column: string) {
    if ((sort ?? "utc_time_started") === column) setOrder(order === "asc" ? "desc" : "asc");
    else {
      setSort(column);
      setOrder("desc");
    }
  }

  const activeSort = sort ?? "utc_time_started";
  return (
    <Stack>
      <Title order={1} size="h2">
        Events
      </Title>
      <FilterBar />
      <Card withBorder>
        <form
          aria-label="Event filters"
          onSubmit={(e) => {
            e.preventDefault();
            setCamera(
              cameraText
                .split(",")
                .map((c) => c.trim())
                .filter(Boolean)
                .join(",") || undefined,
            );
          }}
        >
          <Group align="flex-end" gap="sm" wrap="wrap">
            <TextInput
              label="Cameras"
              description="comma-separated ids"
              value={cameraText}
              onChange={(e) => setCameraText(e.currentTarget.value)}
              onBlur={(e) => setCamera(e.currentTarget.value.trim() || undefined)}
              w={220}
            />
            <Select
              label="Gender"
              placeholder="Any"
              data={["male", "female", "not_determined"]}
              value={gender ?? null}
              onChange={(v) => setGender(v ?? undefined)}
              clearable
              w={150}
            />
            <Select
              label="Age group"
              placeholder="Any"
              data={["0-17", "18-25", "26-40", "41-60", "60+", "not_determined"]}
              value={ageGroup ?? null}
              onChange={(v) => setAgeGroup(v ?? undefined)}
              clearable
              w={150}
            />
            <NumberInput
              label="Min dwell (min)"
              min={0}
              value={minDwell ? Number(minDwell) / 60 : ""}
              onChange={(v) => setMinDwell(v === "" ? undefined : String(Number(v) * 60))}
              w={130}
            />
            <NumberInput
              label="Max dwell (min)"
              min={0}
              value={maxDwell ? Number(maxDwell) / 60 : ""}
              onChange={(v) => setMaxDwell(v === "" ? undefined : String(Number(v) * 60))}
              w={130}
            />
            <Button type="submit" variant="light">
              Apply
            </Button>
            <Button
              onClick={() => exporter.mutate()}
              loading={exporter.isPending}
              disabled={rows.isError}
            >
              Export CSV
            </Button>
          </Group>
        </form>
        {exporter.isSuccess && (
          <Text size="sm" c="teal" mt="xs" role="status" data-testid="export-status">
            Exported {fmtInt(exporter.data)} rows.
          </Text>
        )}
        {exporter.isError && (
          <Alert color="red" mt="xs" role="alert">
            {errorMessage(exporter.error)}
          </Alert>
        )}
      </Card>
      <QueryView
        query={rows}
        isEmpty={(d) => rowsOf(d).length === 0}
        empty="No events match these filters."
        label="Loading events…"
      >
        {(d) => (
          <Stack gap="xs">
            <Table.ScrollContainer minWidth={900}>
              <Table striped highlightOnHover data-testid="events-table" fz="sm">
                <Table.Thead>
                  <Table.Tr>
                    {columns.map((c) => (
                      <Table.Th
                        key={c}
                        aria-sort={
                          activeSort === c
                            ? (order ?? "desc") === "asc"
                              ? "ascending"
                              : "descending"
                            : undefined
                        }
                      >
                        <UnstyledButton onClick={() => toggleSort(c)} fw={600} fz="sm">
                          {c}
                          {activeSort === c ? ((order ?? "desc") === "asc" ? " ▲" : " ▼") : ""}
                        </UnstyledButton>
                      </Table.Th>
                    ))}
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {rowsOf(d).map((r, i) => (
                    <Table.Tr key={str(r.event_id) || `${cursor}-${i}`}>
                      {columns.map((c) => (
                        <Table.Td key={c}>{cell(c, r[c])}</Table.Td>
                      ))}
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
            <Group justify="space-between">
              <Text size="sm" c="dimmed" data-testid="page-info">
                Page {cursors.length} · {rowsOf(d).length} rows
              </Text>
              <Group gap="xs">
                <Button
                  variant="default"
                  size="xs"
                  disabled={cursors.length < 2}
                  onClick={() => setCursors((c) => c.slice(0, -1))}
                >
                  Previous page
                </Button>
                <Button
                  variant="default"
                  size="xs"
                  disabled={!d.next_cursor}
                  onClick={() => setCursors((c) => [...c, d.next_cursor ?? undefined])}
                >
                  Next page
                </Button>
              </Group>
            </Group>
          </Stack>
        )}
      </QueryView>
    </Stack>
  );
}
