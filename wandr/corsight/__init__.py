"""Scheduled pulls of camera events from a tenant's Corsight server into the raw bucket.

- `client`: login, token refresh, retries and paging against the Corsight API;
- `mapping`: Corsight's nested appearance events -> Wandr's camera-event CSV;
- `state`: the per-tenant cursor and last success/error (pull-state table);
- `pull`: `run_pull(tenant)`, the exactly-once pull that the schedule, CLI and API call;
- `fake_server`: a local Corsight stand-in for tests and the demo.
"""
