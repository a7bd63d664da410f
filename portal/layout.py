"""The parts of the layout that are the same on many pages, rendered once.

The main navigation and the footer's links depend on nothing but the language, where the site is
mounted and which entry is the current page: ``{% call fragment("nav", current) %}…{% endcall %}``
renders its body the first time a key is seen and returns the same markup afterwards. A fragment
must not read data, the signed-in user, the query string or anything per request that is not in
its key; the template passes what it depends on as the key.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from threading import Lock

from flask import Flask, current_app, g, request
from markupsafe import Markup

from portal.spending.areas import AREA_SLUGS

#: At most this many fragments are kept per app (some 60 keys per language and data version in practice).
KEPT_FRAGMENTS = 1024


class Fragments:
    def __init__(self, size: int) -> None:
        self.size = size
        self._items: dict[tuple[Hashable, ...], Markup] = {}
        self._lock = Lock()

    def get_or_render(self, key: tuple[Hashable, ...], render: Callable[[], Markup]) -> Markup:
        found = self._items.get(key)
        if found is not None:
            return found
        html = render()  # an autoescaping template's call block: Markup, escaped as it rendered
        with self._lock:
            if len(self._items) >= self.size:
                self._items.clear()
            self._items[key] = html
        return html


def fragment(*key: Hashable, caller: Callable[[], Markup]) -> Markup:
    """The body of ``{% call fragment(*key) %}``, rendered once per key, language and mount."""
    fragments: Fragments = current_app.extensions["portal.fragments"]
    return fragments.get_or_render((g.get("lang", ""), request.script_root, *key), caller)


def nav_current() -> str:
    """Which entry of the main navigation is the current page (the fragment's key): a known
    area's slug, ``home``, ``about``, ``proposals``, or nothing."""
    endpoint = request.endpoint or ""
    if endpoint == "pages.home":
        return "home"
    if endpoint == "pages.about_data":
        return "about"
    if endpoint.startswith("proposals."):
        return "proposals"
    slug = (request.view_args or {}).get("slug")
    return f"area:{slug}" if slug in AREA_SLUGS else ""


def init_app(app: Flask) -> None:
    app.extensions["portal.fragments"] = Fragments(KEPT_FRAGMENTS)
    app.jinja_env.globals.update(fragment=fragment, nav_current=nav_current)
