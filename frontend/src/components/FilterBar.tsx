import { Button, Group, Select, TextInput } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { ANALYTICS, fetchAnalytics, rowsOf, str } from "../api/routes";
import { useFilters } from "../filters";

/** The global filters: every analytics view reads them from the URL. */
export function FilterBar() {
  const [filters, setFilters] = useFilters();
  const groups = useQuery({
    queryKey: ["groups"],
    queryFn: () => fetchAnalytics(ANALYTICS.rankings, { by: "group", limit: 100 }),
    staleTime: 300_000,
    retry: false,
  });
  const options = rowsOf(groups.data)
    .map((r) => str(r.group ?? r.camera_group_name ?? r.key ?? r.id))
    .filter(Boolean);
  if (filters.group && !options.includes(filters.group)) options.push(filters.group);
  return (
    <Group gap="sm" align="flex-end" role="search" aria-label="Global filters" wrap="wrap">
      <TextInput
        type="date"
        label="From"
        value={filters.start ?? ""}
        max={filters.end}
        onChange={(e) => setFilters({ start: e.currentTarget.value || undefined })}
        w={160}
      />
      <TextInput
        type="date"
        label="To"
        value={filters.end ?? ""}
        min={filters.start}
        onChange={(e) => setFilters({ end: e.currentTarget.value || undefined })}
        w={160}
      />
      <Select
        label="Camera group"
        placeholder="All groups"
        data={options}
        value={filters.group ?? null}
        onChange={(v) => setFilters({ group: v ?? undefined })}
        clearable
        searchable
        w={200}
        comboboxProps={{ withinPortal: true }}
      />
      {(filters.start || filters.end || filters.group) && (
        <Button variant="subtle" onClick={() => setFilters({ start: "", end: "", group: "" })}>
          Clear filters
        </Button>
      )}
    </Group>
  );
}
