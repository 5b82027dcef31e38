"""Reading an ASGI request body with a size cap, shared by every API family."""

from __future__ import annotations

from starlette.types import Receive

from callbox.core.errors import BadRequest, PayloadTooLarge

__all__ = ["read_body"]


async def read_body(receive: Receive, declared: bytes | None, max_body: int) -> bytes:
    """The whole body; 413 as soon as the declared length or the bytes read exceed
    `max_body` (nothing beyond the cap is buffered)."""
    if declared is not None:
        try:
            too_large = int(declared) > max_body
        except ValueError:
            raise BadRequest("Invalid Content-Length", code=20001) from None
        if too_large:
            raise PayloadTooLarge(f"Request body exceeds {max_body} bytes")
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            raise BadRequest("Client disconnected", code=20001)
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > max_body:
            raise PayloadTooLarge(f"Request body exceeds {max_body} bytes")
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)
