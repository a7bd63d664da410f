"""Models of the proposals domain."""

from __future__ import annotations
