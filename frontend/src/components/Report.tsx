/** The validation report of one upload: counts, per-column problems, the bad rows and why. */
import { Alert, Badge, Group, List, SimpleGrid, Stack, Table, Text, Title } from "@mantine/core";
import { fmtInt } from "../format";

interface BadRow {
  line: number | null;
  reason: string;
  column: string | null;
  value: string | null;
}

export interface ValidationReport {
  status?: string;
  error?: string | null;
  rows_total?: number;
  rows_good?: number;
  rows_bad?: number;
  duplicates?: number;
  encoding?: string;
  delimiter?: string;
  columns?: Record<string, string>;
  unknown_columns?: string[];
  notes?: string[];
  reasons?: Record<string, number>;
  column_problems?: Record<string, number>;
  bad_rows?: BadRow[];
  days?: string[];
  days_total?: number;
}

function Stat({
  label,
  value,
  color,
}: {
  label: string;
  value: number | undefined;
  color?: string;
}) {
  return (
    <Stack gap={0}>
      <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
        {label}
      </Text>
      <Text size="xl" fw={700} c={color} className="kpi-value" data-testid={`report-${label}`}>
        {fmtInt(value)}
      </Text>
    </Stack>
  );
}

export function ReportView({ report }: { report: ValidationReport }) {
  const reasons = Object.entries(report.reasons ?? {});
  const problems = Object.entries(report.column_problems ?? {});
  const bad = report.bad_rows ?? [];
  const delimiter = report.delimiter === "\t" ? "tab" : report.delimiter;
  return (
    <Stack gap="md" aria-label="Validation report">
      {report.error && (
        <Alert color="red" title="The file was rejected" role="alert">
          {report.error}
        </Alert>
      )}
      <SimpleGrid cols={{ base: 2, sm: 4 }}>
        <Stat label="rows" value={report.rows_total} />
        <Stat label="accepted" value={report.rows_good} color="teal" />
        <Stat
          label="rejected"
          value={report.rows_bad}
          color={report.rows_bad ? "red" : undefined}
        />
        <Stat label="duplicates" value={report.duplicates} />
      </SimpleGrid>
      {(report.encoding || delimiter || report.days_total !== undefined) && (
        <Group gap="xs">
          {report.encoding && <Badge variant="light">encoding {report.encoding}</Badge>}
          {delimiter && <Badge variant="light">delimiter {delimiter}</Badge>}
          {report.days && report.days.length > 0 && (
            <Badge variant="light">
              {report.days_total ?? report.days.length} day(s): {report.days[0]} …{" "}
              {report.days[report.days.length - 1]}
            </Badge>
          )}
        </Group>
      )}
      {(report.notes?.length ?? 0) > 0 && (
        <div>
          <Title order={4} size="h6">
            Notes
          </Title>
          <List size="sm">
            {report.notes?.map((n) => (
              <List.Item key={n}>{n}</List.Item>
            ))}
          </List>
        </div>
      )}
      {(report.unknown_columns?.length ?? 0) > 0 && (
        <Text size="sm">Kept as extra columns: {report.unknown_columns?.join(", ")}</Text>
      )}
      {reasons.length > 0 && (
        <div>
          <Title order={4} size="h6">
            Why rows were rejected
          </Title>
          <Table striped>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Reason</Table.Th>
                <Table.Th ta="right">Rows</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {reasons.map(([reason, n]) => (
                <Table.Tr key={reason}>
                  <Table.Td>{reason}</Table.Td>
                  <Table.Td ta="right">{fmtInt(n)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </div>
      )}
      {problems.length > 0 && (
        <div>
          <Title order={4} size="h6">
            Column problems
          </Title>
          <Table striped>
            <Table.Tbody>
              {problems.map(([problem, n]) => (
                <Table.Tr key={problem}>
                  <Table.Td>{problem}</Table.Td>
                  <Table.Td ta="right">{fmtInt(n)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </div>
      )}
      {bad.length > 0 && (
        <div>
          <Title order={4} size="h6">
            Rejected rows (first {bad.length})
          </Title>
          <Table.ScrollContainer minWidth={480}>
            <Table striped data-testid="bad-rows">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Line</Table.Th>
                  <Table.Th>Reason</Table.Th>
                  <Table.Th>Column</Table.Th>
                  <Table.Th>Value</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {bad.map((row) => (
                  <Table.Tr key={`${row.line}-${row.reason}-${row.column}-${row.value}`}>
                    <Table.Td>{row.line ?? "—"}</Table.Td>
                    <Table.Td>{row.reason}</Table.Td>
                    <Table.Td>{row.column ?? ""}</Table.Td>
                    <Table.Td>
                      <Text size="sm" ff="monospace" truncate maw={240}>
                        {row.value ?? ""}
                      </Text>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </div>
      )}
    </Stack>
  );
}
