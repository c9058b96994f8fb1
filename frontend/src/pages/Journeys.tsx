import {
  Badge,
  Button,
  Card,
  Grid,
  Group,
  NumberInput,
  Select,
  SimpleGrid,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { Link, useLocation, useParams } from "react-router-dom";
import { type Association, type Journey, spatial } from "../api/spatial";
import { FloorPlan } from "../components/FloorPlan";
import { ErrorState, Loading, QueryView } from "../components/States";
import { globalSearch, useParam } from "../filters";
import { fmtDuration, fmtInt, fmtPct, fmtTime } from "../format";

const COMPONENTS = [
  "score",
  "outfit",
  "time",
  "adjacency",
  "physique",
  "dt",
  "mu",
  "tau",
  "hops",
  "delta_e",
  "colour",
  "garment_type",
  "embedding_cos",
  "frequency_factor",
];

function epochIso(t: unknown): string {
  return typeof t === "number" ? new Date(t * 1000).toISOString() : String(t ?? "");
}

function fmtComponent(v: unknown): string {
  if (typeof v !== "number") return String(v ?? "—");
  return Math.abs(v) >= 10 ? v.toFixed(0) : v.toFixed(3);
}

function JourneyDetail({ id }: { id: string }) {
  const journey = useQuery({ queryKey: ["journey", id], queryFn: () => spatial.journey(id) });
  const map = useQuery({ queryKey: ["map"], queryFn: spatial.map });
  const pins = useQuery({ queryKey: ["pins"], queryFn: spatial.pins });
  const audit = useQuery({
    queryKey: ["associations"],
    queryFn: () => spatial.associations(),
    enabled: Boolean(journey.data && !journey.data.links),
  });
  if (journey.isPending) return <Loading label="Loading the journey…" />;
  if (journey.isError) return <ErrorState error={journey.error} retry={() => journey.refetch()} />;
  const j: Journey = journey.data;
  const byLink = new Map((j.links ?? audit.data ?? []).map((a) => [a.link_id, a] as const));
  const links: (Association | undefined)[] = (j.link_ids ?? []).map((l) => byLink.get(l));
  const steps = Object.fromEntries(j.pins.map((p, i) => [p, i + 1]));
  return (
    <Stack data-testid="journey-detail">
      <Group justify="space-between">
        <Title order={2} size="h4">
          Journey {j.journey_id}
        </Title>
        <Badge size="lg">confidence {fmtPct(j.confidence)}</Badge>
      </Group>
      <Text size="sm" c="dimmed">
        {fmtTime(j.start)} → {fmtTime(j.end)} · {fmtDuration(j.duration_sec)} · {j.pins.length}{" "}
        stops · closed by {j.closed_by ?? "—"}
      </Text>
      {map.data && pins.data && (
        <FloorPlan
          map={map.data}
          pins={pins.data}
          steps={steps}
          height={360}
          edges={j.pins.slice(1).map((p, i) => ({
            from: j.pins[i],
            to: p,
            weight: j.link_scores?.[i] ?? 1,
            colour: "#7048e8",
            label: `step ${i + 1} → ${i + 2}: score ${fmtComponent(j.link_scores?.[i])}`,
          }))}
        />
      )}
      <Table.ScrollContainer minWidth={520}>
        <Table striped data-testid="journey-steps" fz="sm">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Step</Table.Th>
              <Table.Th>Pin</Table.Th>
              <Table.Th>Left / arrived</Table.Th>
              <Table.Th>Link score</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {j.pins.map((p, i) => {
              const link = i > 0 ? links[i - 1] : undefined;
              return (
                <Table.Tr key={`${p}-${j.tracklet_ids?.[i] ?? i}`}>
                  <Table.Td>{i + 1}</Table.Td>
                  <Table.Td>{p}</Table.Td>
                  <Table.Td>
                    {i === 0
                      ? fmtTime(j.start)
                      : link
                        ? `${fmtTime(epochIso(link.t_out))} → ${fmtTime(epochIso(link.t_in))}`
                        : "—"}
                  </Table.Td>
                  <Table.Td>{i === 0 ? "entry" : fmtComponent(j.link_scores?.[i - 1])}</Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      <Title order={3} size="h5">
        Why these tracklets were linked
      </Title>
      {links.length === 0 ? (
        <Text size="sm" c="dimmed">
          A single-stop journey has no links.
        </Text>
      ) : (
        <Table.ScrollContainer minWidth={720}>
          <Table striped fz="xs" data-testid="association-audit">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Link</Table.Th>
                <Table.Th>Decision</Table.Th>
                {COMPONENTS.map((c) => (
                  <Table.Th key={c}>{c}</Table.Th>
                ))}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {links.map((a, i) => (
                <Table.Tr key={j.link_ids?.[i] ?? i}>
                  <Table.Td>
                    {j.pins[i]} → {j.pins[i + 1]}
                  </Table.Td>
                  <Table.Td>{a?.decision ?? "—"}</Table.Td>
                  {COMPONENTS.map((c) => (
                    <Table.Td key={c}>{a ? fmtComponent(a[c]) : "—"}</Table.Td>
                  ))}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Stack>
  );
}

function Reports() {
  const entry = useQuery({
    queryKey: ["report", "entry_analysis"],
    queryFn: () => spatial.report<{ entries?: Record<string, unknown>[] }>("entry_analysis"),
  });
  const first = useQuery({
    queryKey: ["report", "first_store"],
    queryFn: () => spatial.report<{ entries?: Record<string, unknown>[] }>("first_store"),
  });
  return (
    <SimpleGrid cols={{ base: 1, md: 2 }}>
      <Card withBorder component="section" aria-label="Entry analysis">
        <Title order={2} size="h5" mb="xs">
          Entry analysis
        </Title>
        <QueryView query={entry} isEmpty={(d) => !d.entries?.length} empty="No journeys yet.">
          {(d) => (
            <Table fz="sm">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Entrance</Table.Th>
                  <Table.Th ta="right">Journeys</Table.Th>
                  <Table.Th ta="right">Share</Table.Th>
                  <Table.Th ta="right">Avg stops</Table.Th>
                  <Table.Th ta="right">Avg duration</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {(d.entries ?? []).map((e) => (
                  <Table.Tr key={String(e.entry_pin)}>
                    <Table.Td>{String(e.entry_pin)}</Table.Td>
                    <Table.Td ta="right">{fmtInt(Number(e.journeys))}</Table.Td>
                    <Table.Td ta="right">{fmtPct(Number(e.share))}</Table.Td>
                    <Table.Td ta="right">{Number(e.avg_stops).toFixed(1)}</Table.Td>
                    <Table.Td ta="right">{fmtDuration(Number(e.avg_duration_sec))}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
        </QueryView>
      </Card>
      <Card withBorder component="section" aria-label="First store after entering">
        <Title order={2} size="h5" mb="xs">
          First store after entering
        </Title>
        <QueryView query={first} isEmpty={(d) => !d.entries?.length} empty="No journeys yet.">
          {(d) => (
            <Table fz="sm">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Entrance</Table.Th>
                  <Table.Th>First pin</Table.Th>
                  <Table.Th ta="right">Journeys</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {(d.entries ?? []).map((e) => (
                  <Table.Tr key={`${String(e.entry_pin)}-${String(e.first_pin)}`}>
                    <Table.Td>{String(e.entry_pin)}</Table.Td>
                    <Table.Td>{String(e.first_pin)}</Table.Td>
                    <Table.Td ta="right">{fmtInt(Number(e.journeys))}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
        </QueryView>
      </Card>
    </SimpleGrid>
  );
}

export default function JourneysPage() {
  const { journeyId } = useParams();
  const location = useLocation();
  const [date, setDate] = useParam("date");
  const [minConfidence, setMinConfidence] = useParam("min_confidence");
  const [entryPin, setEntryPin] = useParam("entry_pin");
  const pins = useQuery({ queryKey: ["pins"], queryFn: spatial.pins });
  const journeys = useQuery({
    queryKey: ["journeys", date, minConfidence, entryPin],
    queryFn: () => spatial.journeys({ date, min_confidence: minConfidence, entry_pin: entryPin }),
  });
  const search = globalSearch(location.search);
  return (
    <Stack>
      <Title order={1} size="h2">
        Journeys
      </Title>
      <Group align="flex-end" gap="sm" role="search" aria-label="Journey filters">
        <TextInput
          type="date"
          label="Day"
          value={date ?? ""}
          onChange={(e) => setDate(e.currentTarget.value || undefined)}
          w={160}
        />
        <NumberInput
          label="Min confidence (%)"
          min={0}
          max={100}
          value={minConfidence ? Number(minConfidence) * 100 : ""}
          onChange={(v) => setMinConfidence(v === "" ? undefined : String(Number(v) / 100))}
          w={160}
        />
        <Select
          label="Entry pin"
          placeholder="Any"
          clearable
          data={(pins.data ?? [])
            .filter((p) => p.pin_kind === "entrance")
            .map((p) => ({ value: p.id, label: p.label }))}
          value={entryPin ?? null}
          onChange={(v) => setEntryPin(v ?? undefined)}
          w={180}
        />
      </Group>
      <Grid>
        <Grid.Col span={{ base: 12, lg: journeyId ? 5 : 12 }}>
          <Card withBorder>
            <QueryView
              query={journeys}
              isEmpty={(d) => d.length === 0}
              empty="No journeys yet: upload footage for the entrance pins on the map."
            >
              {(d) => (
                <Table.ScrollContainer minWidth={480}>
                  <Table striped highlightOnHover fz="sm" data-testid="journeys-table">
                    <Table.Thead>
                      <Table.Tr>
                        <Table.Th>Start</Table.Th>
                        <Table.Th>Entry</Table.Th>
                        <Table.Th ta="right">Stops</Table.Th>
                        <Table.Th ta="right">Duration</Table.Th>
                        <Table.Th ta="right">Confidence</Table.Th>
                      </Table.Tr>
                    </Table.Thead>
                    <Table.Tbody>
                      {d.map((j) => (
                        <Table.Tr
                          key={j.journey_id}
                          bg={j.journey_id === journeyId ? "indigo.0" : undefined}
                        >
                          <Table.Td>
                            <Button
                              component={Link}
                              to={`/journeys/${j.journey_id}${location.search || search}`}
                              variant="subtle"
                              size="compact-sm"
                            >
                              {fmtTime(j.start)}
                            </Button>
                          </Table.Td>
                          <Table.Td>{j.entry_pin}</Table.Td>
                          <Table.Td ta="right">{j.n_stops ?? j.pins.length}</Table.Td>
                          <Table.Td ta="right">{fmtDuration(j.duration_sec)}</Table.Td>
                          <Table.Td ta="right">{fmtPct(j.confidence)}</Table.Td>
                        </Table.Tr>
                      ))}
                    </Table.Tbody>
                  </Table>
                </Table.ScrollContainer>
              )}
            </QueryView>
          </Card>
        </Grid.Col>
        {journeyId && (
          <Grid.Col span={{ base: 12, lg: 7 }}>
            <Card withBorder>
              <JourneyDetail id={journeyId} />
            </Card>
          </Grid.Col>
        )}
      </Grid>
      <Reports />
    </Stack>
  );
}
