import {
  Alert,
  Badge,
  Button,
  Card,
  Group,
  Progress,
  Stack,
  Table,
  Text,
  Title,
  UnstyledButton,
} from "@mantine/core";
import { Dropzone } from "@mantine/dropzone";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState, useSyncExternalStore } from "react";
import { Link, useParams } from "react-router-dom";
import { api, unwrap } from "../api/client";
import { canEdit, useSession } from "../auth";
import { type ValidationReport, ReportView } from "../components/Report";
import { QueryView } from "../components/States";
import { fmtBytes, fmtTime } from "../format";
import { checkFile, type Phase, type Upload, UploadTask } from "../uploader";

const ACCEPT = {
  "text/csv": [".csv"],
  "application/json": [".json", ".jsonl"],
  "video/mp4": [".mp4"],
};

const PHASE_LABEL: Record<Phase, string> = {
  hashing: "checking",
  starting: "starting",
  uploading: "uploading",
  paused: "paused",
  processing: "processing",
  succeeded: "done",
  failed: "failed",
  error: "error",
};

const STATUS_COLOR: Record<string, string> = {
  awaiting_upload: "gray",
  processing: "blue",
  succeeded: "teal",
  failed: "red",
};

export function StatusBadge({ status }: { status: string }) {
  return (
    <Badge color={STATUS_COLOR[status] ?? "gray"} variant="light">
      {status.replace("_", " ")}
    </Badge>
  );
}

function TaskCard({ task, onDone }: { task: UploadTask; onDone: () => void }) {
  const state = useSyncExternalStore(task.subscribe, task.getState);
  const pct = state.total ? Math.round((state.sent / state.total) * 100) : 0;
  const finished = ["succeeded", "failed", "error"].includes(state.phase);
  const doneRef = useRef(false);
  useEffect(() => {
    if (finished && !doneRef.current) {
      doneRef.current = true;
      onDone();
    }
  }, [finished, onDone]);
  const color =
    state.phase === "succeeded"
      ? "teal"
      : state.phase === "failed" || state.phase === "error"
        ? "red"
        : state.phase === "paused"
          ? "yellow"
          : "indigo";
  return (
    <Card withBorder data-testid="upload-task" data-phase={state.phase}>
      <Stack gap="xs">
        <Group justify="space-between" wrap="nowrap">
          <Text fw={600} truncate>
            {task.file.name}
          </Text>
          <Badge color={color} data-testid="task-status">
            {PHASE_LABEL[state.phase]}
          </Badge>
        </Group>
        <Text size="xs" c="dimmed">
          {task.kind} · {fmtBytes(task.file.size)}
          {state.multipart ? " · multipart" : ""}
          {state.duplicate ? " · already uploaded" : ""}
        </Text>
        <Progress
          value={state.phase === "processing" || finished ? 100 : pct}
          color={color}
          animated={state.phase === "processing" || state.phase === "hashing"}
          aria-label={`${state.phase === "hashing" ? "Checking" : "Upload of"} ${task.file.name}`}
        />
        <Group justify="space-between">
          <Text size="xs" c="dimmed" aria-live="polite">
            {state.phase === "uploading" || state.phase === "paused"
              ? `${fmtBytes(state.sent)} of ${fmtBytes(state.total)} (${pct}%)`
              : state.phase === "processing"
                ? `uploaded; the pipeline is ${state.upload?.status?.replace("_", " ") ?? "starting"}…`
                : state.phase === "hashing"
                  ? "computing the checksum…"
                  : ""}
          </Text>
          {state.multipart && state.phase === "uploading" && (
            <Button size="xs" variant="light" onClick={() => task.pause()}>
              Pause
            </Button>
          )}
          {state.phase === "paused" && (
            <Button size="xs" onClick={() => task.resume()}>
              Resume
            </Button>
          )}
        </Group>
        {state.error && (
          <Alert color="red" role="alert">
            {state.error}
          </Alert>
        )}
        {state.upload?.error && <Alert color="red">{state.upload.error}</Alert>}
        {finished && state.upload?.report && (
          <ReportView report={state.upload.report as ValidationReport} />
        )}
      </Stack>
    </Card>
  );
}

function UploadDetail({ uploadId }: { uploadId: string }) {
  const query = useQuery({
    queryKey: ["upload", uploadId],
    queryFn: () =>
      unwrap(api.GET("/uploads/{upload_id}", { params: { path: { upload_id: uploadId } } })),
    refetchInterval: (q) =>
      q.state.data && ["succeeded", "failed"].includes(q.state.data.status) ? false : 2000,
  });
  return (
    <Card withBorder>
      <QueryView query={query}>
        {(u) => (
          <Stack>
            <Group justify="space-between">
              <Title order={2} size="h4">
                {u.filename}
              </Title>
              <StatusBadge status={u.status} />
            </Group>
            <Text size="xs" c="dimmed">
              {u.kind} · {fmtBytes(u.size)} · uploaded {fmtTime(u.created_at)}
            </Text>
            {u.error && <Alert color="red">{u.error}</Alert>}
            {u.report ? (
              <ReportView report={u.report as ValidationReport} />
            ) : (
              <Text size="sm" c="dimmed">
                No validation report yet.
              </Text>
            )}
          </Stack>
        )}
      </QueryView>
    </Card>
  );
}

export default function UploadsPage() {
  const { me } = useSession();
  const { uploadId } = useParams();
  const queryClient = useQueryClient();
  const [tasks, setTasks] = useState<UploadTask[]>([]);
  const [rejected, setRejected] = useState<string[]>([]);
  const allowed = canEdit(me, "analyst");

  const live = useRef<UploadTask[]>([]);
  live.current = tasks;
  useEffect(
    () => () => {
      for (const t of live.current) t.dispose();
    },
    [],
  );

  const list = useQuery({
    queryKey: ["uploads"],
    queryFn: () => unwrap(api.GET("/uploads", { params: { query: { limit: 50 } } })),
    refetchInterval: (q) =>
      q.state.data?.items.some((u: Upload) => u.status === "processing") ? 3000 : false,
  });

  async function onDrop(files: File[]) {
    const problems: string[] = [];
    const started: UploadTask[] = [];
    for (const file of files) {
      const check = await checkFile(file);
      if (check.error || !check.kind) {
        problems.push(`${file.name}: ${check.error}`);
        continue;
      }
      const task = new UploadTask(file, check.kind);
      started.push(task);
      void task.start();
    }
    setRejected(problems);
    setTasks((prev) => [...started, ...prev]);
  }

  const refresh = () => {
    void queryClient.invalidateQueries({ queryKey: ["uploads"] });
    void queryClient.invalidateQueries({ predicate: (q) => q.queryKey[0] !== "upload" });
  };

  return (
    <Stack>
      <Title order={1} size="h2">
        Uploads
      </Title>
      {allowed ? (
        <Dropzone
          onDrop={onDrop}
          onReject={(rejections) =>
            setRejected(
              rejections.map((r) => `${r.file.name}: ${r.errors.map((e) => e.message).join("; ")}`),
            )
          }
          accept={ACCEPT}
          maxSize={5 * 1024 ** 3}
          aria-label="Upload files: drop CSV, JSON or MP4 files here or press Enter to choose"
          data-testid="dropzone"
        >
          <Stack align="center" gap={4} py="lg" style={{ pointerEvents: "none" }}>
            <Text fw={600}>Drop camera-event CSV, insight JSON or MP4 footage here</Text>
            <Text size="sm" c="dimmed">
              or click to choose files · checked before sending · up to 5 GB
            </Text>
          </Stack>
        </Dropzone>
      ) : (
        <Alert color="gray">Your role ({me?.role}) can view uploads but not add them.</Alert>
      )}
      {rejected.length > 0 && (
        <Alert color="red" title="Not uploaded" role="alert" data-testid="rejected">
          {rejected.map((r) => (
            <Text size="sm" key={r}>
              {r}
            </Text>
          ))}
        </Alert>
      )}
      {tasks.map((t) => (
        <TaskCard key={t.id} task={t} onDone={refresh} />
      ))}
      {uploadId && <UploadDetail uploadId={uploadId} />}
      <Title order={2} size="h4">
        Recent uploads
      </Title>
      <QueryView
        query={list}
        isEmpty={(d) => d.items.length === 0}
        empty="No uploads yet: drop a file above."
      >
        {(d) => (
          <Table.ScrollContainer minWidth={560}>
            <Table striped highlightOnHover data-testid="uploads-table">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>File</Table.Th>
                  <Table.Th>Kind</Table.Th>
                  <Table.Th>Size</Table.Th>
                  <Table.Th>Status</Table.Th>
                  <Table.Th>Uploaded</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {d.items.map((u) => (
                  <Table.Tr key={u.upload_id}>
                    <Table.Td>
                      <UnstyledButton
                        component={Link}
                        to={`/uploads/${u.upload_id}`}
                        td="underline"
                      >
                        {u.filename}
                      </UnstyledButton>
                    </Table.Td>
                    <Table.Td>{u.kind}</Table.Td>
                    <Table.Td>{fmtBytes(u.size)}</Table.Td>
                    <Table.Td>
                      <StatusBadge status={u.status} />
                    </Table.Td>
                    <Table.Td>{fmtTime(u.created_at)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </QueryView>
    </Stack>
  );
}
