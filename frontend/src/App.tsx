import {
  AppShell,
  Badge,
  Burger,
  Button,
  Group,
  NavLink,
  Text,
  Title,
  VisuallyHidden,
} from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import { lazy, Suspense } from "react";
import { Link, Navigate, Route, Routes, useLocation } from "react-router-dom";
import { useSession } from "./auth";
import { Loading } from "./components/States";
import { globalSearch } from "./filters";
import { LoginPage } from "./pages/Login";

const OverviewPage = lazy(() => import("./pages/Overview"));
const UploadsPage = lazy(() => import("./pages/Uploads"));
const EventsPage = lazy(() => import("./pages/Events"));
const MapPage = lazy(() => import("./pages/MapPage"));
const JourneysPage = lazy(() => import("./pages/Journeys"));

const NAV = [
  { to: "/", label: "Overview" },
  { to: "/uploads", label: "Uploads" },
  { to: "/events", label: "Events" },
  { to: "/map", label: "Mall map" },
  { to: "/journeys", label: "Journeys" },
];

export function App() {
  const { me, ready, logout } = useSession();
  const location = useLocation();
  const [opened, { toggle, close }] = useDisclosure();

  if (!ready) return <Loading label="Starting…" />;
  if (!me) {
    return (
      <Routes>
        <Route path="/login" element={<LoginPage />} />
        <Route
          path="*"
          element={
            <Navigate
              to={`/login?next=${encodeURIComponent(location.pathname + location.search)}`}
              replace
            />
          }
        />
      </Routes>
    );
  }

  const search = globalSearch(location.search);
  return (
    <AppShell
      header={{ height: 56 }}
      navbar={{ width: 200, breakpoint: "sm", collapsed: { mobile: !opened } }}
      padding="md"
    >
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Burger
              opened={opened}
              onClick={toggle}
              hiddenFrom="sm"
              size="sm"
              aria-label="Toggle navigation"
            />
            <Title order={1} size="h3">
              Wandr
            </Title>
          </Group>
          <Group gap="xs" wrap="nowrap">
            <Text size="sm" visibleFrom="sm" c="dimmed" data-testid="username">
              {me.username}
            </Text>
            <Badge variant="light" data-testid="tenant" aria-label={`tenant ${me.tenant}`}>
              <VisuallyHidden>tenant </VisuallyHidden>
              {me.tenant}
            </Badge>
            <Badge variant="outline" color="gray" data-testid="role">
              {me.role}
            </Badge>
            <Button size="xs" variant="subtle" onClick={logout}>
              Log out
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" aria-label="Main">
        {NAV.map((item) => {
          const active =
            item.to === "/" ? location.pathname === "/" : location.pathname.startsWith(item.to);
          return (
            <NavLink
              key={item.to}
              component={Link}
              to={item.to + search}
              label={item.label}
              active={active}
              aria-current={active ? "page" : undefined}
              onClick={close}
            />
          );
        })}
      </AppShell.Navbar>
      <AppShell.Main id="main">
        <Suspense fallback={<Loading />}>
          <Routes>
            <Route path="/" element={<OverviewPage />} />
            <Route path="/uploads" element={<UploadsPage />} />
            <Route path="/uploads/:uploadId" element={<UploadsPage />} />
            <Route path="/events" element={<EventsPage />} />
            <Route path="/map" element={<MapPage />} />
            <Route path="/journeys" element={<JourneysPage />} />
            <Route path="/journeys/:journeyId" element={<JourneysPage />} />
            <Route path="/login" element={<NextRedirect />} />
            <Route path="*" element={<Navigate to="/" replace />} />
          </Routes>
        </Suspense>
      </AppShell.Main>
    </AppShell>
  );
}

function NextRedirect() {
  const location = useLocation();
  const next = new URLSearchParams(location.search).get("next");
  return <Navigate to={next?.startsWith("/") ? next : "/"} replace />;
}
