"""A lean status-callback receiver for bench/pipeline.py: HTTP/1.1 keep-alive, counts
callbacks by MessageStatus and notes when the last `delivered` one arrived.

    python bench/receiver.py PORT        GET /stats -> {"requests", "delivered", "last"}

It does not check signatures (the tests do that with twilio's RequestValidator); it
must cost as little CPU as possible, since it shares the machine with what it measures.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

import httptools
import uvloop

STATS = {"requests": 0, "delivered": 0, "last": 0.0, "first": 0.0}


class Receiver(asyncio.Protocol):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport
        self.parser = httptools.HttpRequestParser(self)
        self.body: list[bytes] = []
        self.url = b""

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError:
            self.transport.close()

    def on_url(self, url: bytes) -> None:
        self.url = url

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        if self.url.startswith(b"/stats"):
            payload = json.dumps(STATS).encode()
            self.transport.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                 b"Content-Length: %d\r\n\r\n%s" % (len(payload), payload))
            return
        body = b"".join(self.body)
        self.body.clear()
        STATS["requests"] += 1
        now = time.time()
        if not STATS["first"]:
            STATS["first"] = now
        if b"MessageStatus=delivered" in body:
            STATS["delivered"] += 1
            STATS["last"] = now
        self.transport.write(b"HTTP/1.1 204 No Content\r\n\r\n")


async def main(port: int) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(Receiver, "127.0.0.1", port, backlog=1024)
    print(f"receiver on {port}", flush=True)
    await server.serve_forever()


if __name__ == "__main__":
    uvloop.run(main(int(sys.argv[1])))
