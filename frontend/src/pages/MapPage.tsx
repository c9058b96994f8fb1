import { Stack, Text, Title } from "@mantine/core";

export default function Page() {
  return (
    <Stack>
      <Title order={1} size="h2">
        MapPage
      </Title>
      <Text c="dimmed">Coming next.</Text>
    </Stack>
  );
}
