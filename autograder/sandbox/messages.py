"""The grader's side of the channel: frames in, checked messages out, never blocking.

The child writes ``multiprocessing``'s frames (a 4-byte big-endian length, then that many bytes of
JSON, ``child.Channel``). The child is hostile, so ``Inbox`` reads the pipe's raw descriptor
itself: it takes whatever bytes are there and never waits for the rest of a frame (a child that
writes half a message and sleeps cannot block the grader), refuses a frame longer than
``MAX_MESSAGE`` before reading it, and checks every message *as a whole* against ``SCHEMAS``
before the supervisor looks at it. Anything else — a bad length, bytes that are not JSON, JSON
nested too deep, a wrong type anywhere, an unknown event or key — raises ``Tampered``: the
supervisor's sign that student code wrote into the channel.
"""

from __future__ import annotations

import json
import os
import struct

from autograder.sandbox import wire
from autograder.sandbox.child import MAX_MESSAGE

HEADER = struct.Struct("!i")
READ_SIZE = 1 << 20

# Every message the child may send: event -> {key: type} (``[t]`` a list of t, ``dict`` any
# object); keys in OPTIONAL may be missing. Any event may instead say only that it was
# ``too_large`` to send (``child.Channel``).
STRINGS = [str]
SCHEMAS: dict[str, dict] = {
    "ready": {"protections": STRINGS},
    "setup_failed": {"error": str},
    "parsed": {"chunks": int, "problems": STRINGS},
    "source": {"text": str},
    "chunk": {"index": int, "label": str},
    "loaded": {"errors": STRINGS, "patched": STRINGS},
    "test": {"name": str},
    "result": {
        "name": str,
        "patched": STRINGS,
        "observations": [dict],
        "raised": {"type": str, "message": str, "traceback": str},
    },
    "paths": {},
    "paths_result": {"paths": dict},
    "done": {},
    "exit": {"code": int, "signal": int, "cpu": float},
}
OPTIONAL = {"result": {"patched", "observations", "raised"}}
ONE_OF = {"result": ("observations", "raised", "too_large")}  # exactly one of them


class Tampered(Exception):
    """The channel carried something the child's grader code never writes."""


class Inbox:
    """Complete, checked messages from one child's pipe, as they arrive."""

    def __init__(self, connection) -> None:
        self._fd = connection.fileno()
        self._buffer = bytearray()
        self.closed = False

    @property
    def partial(self) -> bool:
        """Whether part of a message has arrived and the rest has not (yet)."""
        return bool(self._buffer)

    def feed(self) -> None:
        """Read whatever the pipe holds now (call when it is readable); EOF sets ``closed``."""
        data = os.read(self._fd, READ_SIZE)
        if not data:
            self.closed = True
        self._buffer += data

    def take(self) -> dict | None:
        """The next complete message, checked, or None until more bytes arrive."""
        if len(self._buffer) < HEADER.size:
            return None
        (size,) = HEADER.unpack_from(self._buffer)
        if not 0 <= size <= MAX_MESSAGE:
            raise Tampered(f"a message of {size} bytes")
        end = HEADER.size + size
        if len(self._buffer) < end:
            return None
        frame = bytes(self._buffer[HEADER.size : end])
        del self._buffer[:end]
        try:
            message = json.loads(frame, object_hook=wire.unpack_object)
        except (ValueError, RecursionError) as error:  # not JSON, too deep, bad packed floats
            raise Tampered(f"unreadable message ({type(error).__name__})") from None
        check(message)
        return message


def check(message) -> None:
    """Raise ``Tampered`` unless ``message`` is exactly what the child's grader code sends."""
    if type(message) is not dict or type(message.get("event")) is not str:
        raise Tampered("a message that is not an event")
    event = message["event"]
    schema = SCHEMAS.get(event)
    if schema is None:
        raise Tampered(f"an unknown event {event[:40]!r}")
    keys = set(message) - {"event"}
    if "too_large" in keys:
        if type(message["too_large"]) is not int or not keys <= {"too_large", "name"}:
            raise Tampered(f"a malformed {event!r} message")
        keys.discard("too_large")
        schema = {"name": str} if "name" in keys else {}
    elif event in ONE_OF and sum(key in keys for key in ONE_OF[event]) != 1:
        raise Tampered(f"a malformed {event!r} message")
    required = set(schema) - OPTIONAL.get(event, set())
    if not required <= keys <= set(schema):
        raise Tampered(f"a malformed {event!r} message")
    for key in keys:
        if not _matches(message[key], schema[key]):
            raise Tampered(f"a malformed {event!r} message ({key})")


def _matches(value, kind) -> bool:
    if kind is int:
        return type(value) is int
    if kind is float:
        return type(value) in (int, float)
    if isinstance(kind, list):
        return type(value) is list and all(_matches(item, kind[0]) for item in value)
    if isinstance(kind, dict):
        return (
            type(value) is dict
            and value.keys() == kind.keys()
            and all(_matches(value[key], kind[key]) for key in kind)
        )
    return type(value) is kind
