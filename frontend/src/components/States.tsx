import { Alert, Button, Center, Group, Loader, Stack, Text } from "@mantine/core";
import type { UseQueryResult } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { ApiError, errorMessage } from "../api/client";

export function Loading({ label = "Loading…" }: { label?: string }) {
  return (
    <Center py="lg" role="status" aria-live="polite">
      <Group gap="xs">
        <Loader size="sm" />
        <Text size="sm" c="dimmed">
          {label}
        </Text>
      </Group>
    </Center>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return (
    <Center py="lg">
      <Text size="sm" c="dimmed" ta="center">
        {children}
      </Text>
    </Center>
  );
}

export function ErrorState({ error, retry }: { error: unknown; retry?: () => void }) {
  const notYet = error instanceof ApiError && (error.status === 404 || error.status === 403);
  return (
    <Alert
      color={notYet ? "gray" : "red"}
      title={notYet ? "Not available" : "Could not load"}
      role="alert"
    >
      <Stack gap="xs">
        <Text size="sm">{errorMessage(error)}</Text>
        {retry && !notYet && (
          <Button size="xs" variant="light" onClick={retry} w="fit-content">
            Try again
          </Button>
        )}
      </Stack>
    </Alert>
  );
}

/** Loading, error, empty or the content of one query. */
export function QueryView<T>({
  query,
  empty,
  isEmpty,
  children,
  label,
}: {
  query: UseQueryResult<T>;
  empty?: ReactNode;
  isEmpty?: (data: T) => boolean;
  children: (data: T) => ReactNode;
  label?: string;
}) {
  if (query.isPending) return <Loading label={label} />;
  if (query.isError) return <ErrorState error={query.error} retry={() => query.refetch()} />;
  if (isEmpty?.(query.data)) return <Empty>{empty ?? "No data for these filters."}</Empty>;
  return <>{children(query.data)}</>;
}
