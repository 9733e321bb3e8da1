"""A backend's one long-lived aioboto3 client, with botocore's own retries off."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aioboto3
from aiobotocore.config import AioConfig

__all__ = ["AWS_CLIENT_CONFIG", "open_aws_client"]

AWS_CLIENT_CONFIG = AioConfig(
    retries={"mode": "standard", "total_max_attempts": 1},
    connect_timeout=5,
    read_timeout=15,
    max_pool_connections=64,
)
"""botocore settings of a backend's client: no SDK retries (Temporal retries), bounded
timeouts, a pool large enough for concurrent activities on one worker."""


@asynccontextmanager
async def open_aws_client(
    service: str,
    *,
    session: aioboto3.Session | None = None,
    region_name: str | None = None,
    endpoint_url: str | None = None,
    config: AioConfig = AWS_CLIENT_CONFIG,
) -> AsyncIterator[Any]:
    """Opens one long-lived aioboto3 client of ``service`` for a worker's lifetime.

    Credentials come from the AWS credential chain of ``session`` (environment, profile,
    instance role); they are never passed through or logged here.

    Args:
        service: The botocore service name (``events``, ``sns``).
        session: The aioboto3 session (a new default one when None).
        region_name: AWS region.
        endpoint_url: Custom endpoint (a local emulator).
        config: botocore settings (see `AWS_CLIENT_CONFIG`).
    """
    session = session or aioboto3.Session()
    async with session.client(  # type: ignore[call-overload]
        service, region_name=region_name, endpoint_url=endpoint_url, config=config
    ) as client:
        yield client
