import {
  Alert,
  Badge,
  Button,
  Card,
  Grid,
  Group,
  MultiSelect,
  NumberInput,
  Progress,
  SegmentedControl,
  Stack,
  Switch,
  Table,
  Text,
  TextInput,
  Title,
} from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { errorMessage } from "../api/client";
import { type Pin, spatial, type Transit } from "../api/spatial";
import { canEdit, useSession } from "../auth";
import { FloorPlan } from "../components/FloorPlan";
import { Empty, ErrorState, Loading, QueryView } from "../components/States";
import { useParam } from "../filters";
import { fmtTime } from "../format";

const PIN_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

function PinEditor({
  pin,
  pins,
  editable,
  onDone,
}: {
  pin: Pin;
  pins: Pin[];
  editable: boolean;
  onDone: (deleted?: boolean) => void;
}) {
  const queryClient = useQueryClient();
  const [draft, setDraft] = useState<Pin>(pin);
  useEffect(() => setDraft(pin), [pin]);
  const save = useMutation({
    mutationFn: (p: Pin) => spatial.savePin(p.id, p),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ["pins"] });
      onDone();
    },
  });
  const remove = useMutation({
    mutationFn: () => spatial.deletePin(pin.id),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ["pins"] });
      onDone(true);
    },
  });
  const videos = useQuery({ queryKey: ["videos", pin.id], queryFn: () => spatial.videos(pin.id) });
  const jobs = useQuery({ queryKey: ["jobs"], queryFn: spatial.jobs, refetchInterval: 5000 });
  const jobOf = (id: unknown) => jobs.data?.find((j) => j.upload_id === id);

  function setTransit(other: string, patch: Partial<Transit>) {
    const current = draft.transit_times[other] ?? { mu_sec: 60, tau_sec: 20 };
    setDraft({
      ...draft,
      transit_times: { ...draft.transit_times, [other]: { ...current, ...patch } },
    });
  }

  return (
    <Stack gap="sm" aria-label={`Pin ${pin.label}`} data-testid="pin-panel">
      <Group justify="space-between">
        <Title order={2} size="h4">
          {pin.label}
        </Title>
        <Badge color={pin.pin_kind === "entrance" ? "green" : "blue"}>{pin.pin_kind}</Badge>
      </Group>
      <Text size="xs" c="dimmed">
        id {pin.id} · at ({pin.coordinates.join(", ")})
      </Text>
      <TextInput
        label="Label"
        value={draft.label}
        disabled={!editable}
        onChange={(e) => setDraft({ ...draft, label: e.currentTarget.value })}
      />
      <SegmentedControl
        aria-label="Pin kind"
        disabled={!editable}
        value={draft.pin_kind}
        onChange={(v) => setDraft({ ...draft, pin_kind: v as Pin["pin_kind"] })}
        data={[
          { value: "normal", label: "Normal" },
          { value: "entrance", label: "Entrance" },
        ]}
      />
      <MultiSelect
        label="Adjacent to"
        disabled={!editable}
        data={pins.filter((p) => p.id !== pin.id).map((p) => ({ value: p.id, label: p.label }))}
        value={draft.adjacent_to}
        onChange={(v) =>
          setDraft({
            ...draft,
            adjacent_to: v,
            transit_times: Object.fromEntries(
              v.map((o) => [o, draft.transit_times[o] ?? { mu_sec: 60, tau_sec: 20 }]),
            ),
          })
        }
      />
      {draft.adjacent_to.length > 0 && (
        <Table fz="sm">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>To</Table.Th>
              <Table.Th>Walk μ (s)</Table.Th>
              <Table.Th>Spread τ (s)</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {draft.adjacent_to.map((o) => (
              <Table.Tr key={o}>
                <Table.Td>{o}</Table.Td>
                <Table.Td>
                  <NumberInput
                    size="xs"
                    min={1}
                    aria-label={`Walk time to ${o}`}
                    disabled={!editable}
                    value={draft.transit_times[o]?.mu_sec ?? 60}
                    onChange={(v) => setTransit(o, { mu_sec: Number(v) || 1 })}
                  />
                </Table.Td>
                <Table.Td>
                  <NumberInput
                    size="xs"
                    min={1}
                    aria-label={`Walk time spread to ${o}`}
                    disabled={!editable}
                    value={draft.transit_times[o]?.tau_sec ?? 20}
                    onChange={(v) => setTransit(o, { tau_sec: Number(v) || 1 })}
                  />
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {editable && (
        <Group>
          <Button onClick={() => save.mutate(draft)} loading={save.isPending}>
            Save pin
          </Button>
          <Button
            color="red"
            variant="light"
            onClick={() => remove.mutate()}
            loading={remove.isPending}
          >
            Delete pin
          </Button>
        </Group>
      )}
      {(save.isError || remove.isError) && (
        <Alert color="red" role="alert">
          {errorMessage(save.error ?? remove.error)}
        </Alert>
      )}
      <Title order={3} size="h6">
        Videos
      </Title>
      <QueryView
        query={videos}
        isEmpty={(v) => v.length === 0}
        empty="No footage for this pin yet."
      >
        {(v) => (
          <Stack gap="xs">
            {v.map((video) => {
              const job = jobOf(video.upload_id);
              const progress = Number(job?.progress ?? (video.status === "succeeded" ? 1 : 0));
              return (
                <Card key={String(video.upload_id)} withBorder padding="xs">
                  <Text size="sm" fw={600} truncate>
                    {String(video.filename ?? video.upload_id)}
                  </Text>
                  <Text size="xs" c="dimmed">
                    {String(job?.status ?? video.status ?? "")} ·{" "}
                    {fmtTime(String(video.recorded_at ?? ""))}
                  </Text>
                  <Progress
                    value={Math.round((progress <= 1 ? progress * 100 : progress) || 0)}
                    aria-label={`Job progress of ${String(video.filename ?? video.upload_id)}`}
                  />
                </Card>
              );
            })}
          </Stack>
        )}
      </QueryView>
    </Stack>
  );
}

function NewPin({ at, onDone }: { at: [number, number]; onDone: () => void }) {
  const queryClient = useQueryClient();
  const [id, setId] = useState("");
  const [label, setLabel] = useState("");
  const [kind, setKind] = useState<Pin["pin_kind"]>("normal");
  const create = useMutation({
    mutationFn: () =>
      spatial.savePin(id, {
        label: label || id,
        pin_kind: kind,
        adjacent_to: [],
        transit_times: {},
        coordinates: at,
      }),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ["pins"] });
      onDone();
    },
  });
  return (
    <form
      aria-label="New pin"
      onSubmit={(e) => {
        e.preventDefault();
        create.mutate();
      }}
    >
      <Stack gap="sm">
        <Title order={2} size="h4">
          New pin at ({at.join(", ")})
        </Title>
        <TextInput
          label="Pin id"
          required
          value={id}
          error={id && !PIN_ID.test(id) ? "letters, digits, _ . - (up to 64)" : undefined}
          onChange={(e) => setId(e.currentTarget.value)}
        />
        <TextInput label="Label" value={label} onChange={(e) => setLabel(e.currentTarget.value)} />
        <SegmentedControl
          aria-label="New pin kind"
          value={kind}
          onChange={(v) => setKind(v as Pin["pin_kind"])}
          data={[
            { value: "normal", label: "Normal" },
            { value: "entrance", label: "Entrance" },
          ]}
        />
        <Group>
          <Button type="submit" disabled={!PIN_ID.test(id)} loading={create.isPending}>
            Add pin
          </Button>
          <Button variant="default" onClick={onDone}>
            Cancel
          </Button>
        </Group>
        {create.isError && (
          <Alert color="red" role="alert">
            {errorMessage(create.error)}
          </Alert>
        )}
      </Stack>
    </form>
  );
}

export default function MapPage() {
  const { me } = useSession();
  const editable = canEdit(me, "admin");
  const queryClient = useQueryClient();
  const [selected, setSelected] = useParam("pin");
  const [adding, setAdding] = useState(false);
  const [newAt, setNewAt] = useState<[number, number] | null>(null);
  const [flow, setFlow] = useState(true);
  const map = useQuery({ queryKey: ["map"], queryFn: spatial.map });
  const pins = useQuery({ queryKey: ["pins"], queryFn: spatial.pins });
  const edges = useQuery({
    queryKey: ["report", "edge_traversal"],
    queryFn: () =>
      spatial.report<{ edges?: { from_pin: string; to_pin: string; count: number }[] }>(
        "edge_traversal",
      ),
  });
  const move = useMutation({
    mutationFn: ({ pin, at }: { pin: Pin; at: [number, number] }) =>
      spatial.savePin(pin.id, { ...pin, coordinates: at }),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ["pins"] }),
  });
  const pin = pins.data?.find((p) => p.id === selected);

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={1} size="h2">
          Mall map
        </Title>
        <Group gap="sm">
          <Switch
            label="Flow between pins"
            checked={flow}
            onChange={(e) => setFlow(e.currentTarget.checked)}
          />
          {editable && (
            <Button
              variant={adding ? "filled" : "light"}
              onClick={() => {
                setAdding(!adding);
                setNewAt(null);
              }}
              aria-pressed={adding}
            >
              {adding ? "Click the map to place…" : "Add pin"}
            </Button>
          )}
        </Group>
      </Group>
      {move.isError && (
        <Alert color="red" role="alert">
          {errorMessage(move.error)}
        </Alert>
      )}
      <Grid>
        <Grid.Col span={{ base: 12, md: 8 }}>
          <Card withBorder padding="xs">
            {map.isError ? (
              <ErrorState error={map.error} retry={() => map.refetch()} />
            ) : pins.isError ? (
              <ErrorState error={pins.error} retry={() => pins.refetch()} />
            ) : map.data && pins.data ? (
              <>
                <FloorPlan
                  map={map.data}
                  pins={pins.data}
                  selected={selected}
                  onSelect={(id) => {
                    setSelected(id);
                    setNewAt(null);
                  }}
                  onMapClick={adding ? (c) => setNewAt(c) : undefined}
                  onMove={
                    editable
                      ? (id, at) => {
                          const p = pins.data?.find((x) => x.id === id);
                          if (p) move.mutate({ pin: p, at });
                        }
                      : undefined
                  }
                  edges={
                    flow
                      ? (edges.data?.edges ?? []).map((e) => ({
                          from: e.from_pin,
                          to: e.to_pin,
                          weight: e.count,
                          label: `${e.from_pin} → ${e.to_pin}: ${e.count} journeys`,
                        }))
                      : []
                  }
                />
                {pins.data.length === 0 && (
                  <Empty>
                    No camera pins yet.{editable ? " Press “Add pin” and click the map." : ""}
                  </Empty>
                )}
              </>
            ) : (
              <Loading label="Loading the map…" />
            )}
          </Card>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 4 }}>
          <Card withBorder>
            {newAt ? (
              <NewPin
                at={newAt}
                onDone={() => {
                  setNewAt(null);
                  setAdding(false);
                }}
              />
            ) : pin && pins.data ? (
              <PinEditor
                pin={pin}
                pins={pins.data}
                editable={editable}
                onDone={(deleted) => deleted && setSelected(undefined)}
              />
            ) : (
              <Stack gap="xs">
                <Text size="sm" c="dimmed">
                  Select a pin to see its links and footage.
                </Text>
                <Table fz="sm" data-testid="pin-list">
                  <Table.Tbody>
                    {(pins.data ?? []).map((p) => (
                      <Table.Tr key={p.id}>
                        <Table.Td>
                          <Button
                            variant="subtle"
                            size="compact-sm"
                            onClick={() => setSelected(p.id)}
                          >
                            {p.label}
                          </Button>
                        </Table.Td>
                        <Table.Td>
                          <Badge size="sm" color={p.pin_kind === "entrance" ? "green" : "blue"}>
                            {p.pin_kind}
                          </Badge>
                        </Table.Td>
                        <Table.Td>{p.adjacent_to.length} links</Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Stack>
            )}
          </Card>
        </Grid.Col>
      </Grid>
    </Stack>
  );
}
