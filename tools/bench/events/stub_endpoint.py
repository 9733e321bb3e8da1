"""A minimal always-success PutEvents endpoint: measures the client's own cost."""

import json
import sys

from aiohttp import web


async def handle(request: web.Request) -> web.Response:
    body = json.loads(await request.read())
    entries = [{"EventId": f"stub-{i}"} for i in range(len(body.get("Entries", [])))]
    return web.Response(
        text=json.dumps({"FailedEntryCount": 0, "Entries": entries}),
        content_type="application/x-amz-json-1.1",
    )


def main() -> None:
    app = web.Application()
    app.router.add_post("/", handle)
    web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None)


if __name__ == "__main__":
    main()
