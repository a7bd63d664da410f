"""Where a zip is written while it streams."""

from __future__ import annotations


class Sink:
    """A write-only stream whose bytes are taken out as they come. ``zipfile`` sees it as
    unseekable (no ``seek``/``tell``) and writes each member with a data descriptor."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass

    def take(self) -> bytes:
        data, self.parts = b"".join(self.parts), []
        return data
