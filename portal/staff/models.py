"""Models of the staff domain."""

from __future__ import annotations
