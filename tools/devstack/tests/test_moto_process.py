"""moto in its own process keeps connections alive, as AWS endpoints do, and serves the APIs."""

from __future__ import annotations

import asyncio
import http.client
import json
import socket
from collections.abc import Iterator
from typing import Any

import aioboto3
import pytest
from workflow_devstack import FAKE_AWS_ENV, LOOPBACK, MotoProcess


@pytest.fixture(scope="module")
def moto() -> Iterator[MotoProcess]:
    with MotoProcess() as server:
        yield server


def _list_buses(conn: http.client.HTTPConnection) -> http.client.HTTPResponse:
    conn.request(
        "POST",
        "/",
        body="{}",
        headers={
            "X-Amz-Target": "AWSEvents.ListEventBuses",
            "Content-Type": "application/x-amz-json-1.1",
            "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/events/"
            "aws4_request, SignedHeaders=host, Signature=x",
        },
    )
    return conn.getresponse()


def test_two_requests_share_one_connection(moto: MotoProcess) -> None:
    conn = http.client.HTTPConnection(LOOPBACK, moto.port, timeout=10)
    try:
        first = _list_buses(conn)
        body = json.loads(first.read())
        assert first.status == 200 and body["EventBuses"][0]["Name"] == "default"
        assert first.getheader("Connection", "").lower() != "close"
        sock = conn.sock
        assert sock is not None  # http.client drops a socket the server closes
        second = _list_buses(conn)
        second.read()
        assert second.status == 200
        assert conn.sock is sock
    finally:
        conn.close()


async def test_an_aws_client_connects_once_for_many_calls(
    moto: MotoProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in FAKE_AWS_ENV.items():
        monkeypatch.setenv(key, value)
    loop = asyncio.get_running_loop()
    connects = 0
    original = loop.sock_connect

    async def counting(sock: socket.socket, address: Any) -> None:
        nonlocal connects
        connects += 1
        await original(sock, address)

    monkeypatch.setattr(loop, "sock_connect", counting)
    async with aioboto3.Session().client(
        "events", region_name=moto.region, endpoint_url=moto.endpoint_url
    ) as events:
        await events.create_event_bus(Name="keepalive-bus")
        for i in range(10):
            answer = await events.put_events(
                Entries=[
                    {
                        "Source": "test",
                        "DetailType": "t",
                        "Detail": json.dumps({"i": i}),
                        "EventBusName": "keepalive-bus",
                    }
                ]
            )
            assert answer["FailedEntryCount"] == 0
    assert connects == 1


def test_stop_ends_the_process() -> None:
    server = MotoProcess().start()
    process = server._process
    assert process is not None and process.poll() is None
    server.stop()
    assert process.poll() is not None
    with pytest.raises(OSError):
        socket.create_connection((LOOPBACK, server.port), timeout=2).close()


def test_a_taken_port_is_an_error_not_another_servers_answer(moto: MotoProcess) -> None:
    second = MotoProcess(port=moto.port)
    try:
        with pytest.raises(RuntimeError, match="exited"):
            second.start(timeout=10)
        assert second._process is None  # stopped and forgotten
    finally:
        second.stop()  # a start that wrongly succeeded leaves nothing running
    # The first server still answers.
    conn = http.client.HTTPConnection(LOOPBACK, moto.port, timeout=10)
    try:
        response = _list_buses(conn)
        response.read()
        assert response.status == 200
    finally:
        conn.close()
