"""A minimal always-success SNS Publish endpoint (query protocol): the client's own cost."""

import sys
import uuid

from aiohttp import web

ANSWER = (
    '<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult>'
    "<MessageId>{id}</MessageId></PublishResult><ResponseMetadata><RequestId>r</RequestId>"
    "</ResponseMetadata></PublishResponse>"
)


async def handle(request: web.Request) -> web.Response:
    await request.read()
    return web.Response(text=ANSWER.format(id=uuid.uuid4()), content_type="text/xml")


def main() -> None:
    app = web.Application()
    app.router.add_post("/", handle)
    web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None)


if __name__ == "__main__":
    main()
