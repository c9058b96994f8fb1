"""Web: the dashboard's private bucket behind CloudFront."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aws_cdk import CfnOutput, Stack
from constructs import Construct

from infra.components.web_hosting import WebHosting
from infra.constants import Settings

DIST_DIR = Path(__file__).resolve().parents[2] / "frontend" / "dist"


class WebStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: Settings,
        api_domain: str | None = None,
        dist_dir: Path = DIST_DIR,
        **kwargs: Any,
    ) -> None:
        """`api_domain`: the REST API's execute-api host, served under /api/*."""
        super().__init__(scope, construct_id, **kwargs)
        self.site = WebHosting(
            self,
            "Site",
            bucket_name=settings.resources().web_bucket,
            dist_dir=dist_dir,
            api_domain=api_domain,
        )
        CfnOutput(self, "DashboardUrl", value=self.url)

    @property
    def url(self) -> str:
        return f"https://{self.site.distribution.distribution_domain_name}"
