"""A lint for the style sheets and the script, in Python so that it runs wherever the tests do:
the CSS parses, colours are tokens defined once in ``:root``, the areas' colours are those of
``portal/spending/areas.py``, and the script is safe under the Content-Security-Policy."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import tinycss2

from portal.spending.areas import AREAS

ROOT = Path(__file__).resolve().parent.parent
CSS_FILES = sorted((ROOT / "static/css").glob("*.css"))
SCRIPT = ROOT / "static/js/charts.js"
COLOUR = re.compile(r"#[0-9a-fA-F]{3,8}\b")
#: Colour literals allowed outside :root: a mask's opaque stop (only its alpha counts).
MASK_STOP = "#000"


def rules(path: Path) -> list:
    return tinycss2.parse_stylesheet(
        path.read_text(encoding="utf-8"), skip_comments=True, skip_whitespace=True
    )


def root_tokens() -> dict[str, str]:
    """The custom properties of portal.css's ``:root``, name → value."""
    for rule in rules(ROOT / "static/css/portal.css"):
        if rule.type == "qualified-rule" and tinycss2.serialize(rule.prelude).strip() == ":root":
            declarations = tinycss2.parse_blocks_contents(
                rule.content, skip_comments=True, skip_whitespace=True
            )
            return {
                d.name: tinycss2.serialize(d.value).strip()
                for d in declarations
                if d.type == "declaration"
            }
    raise AssertionError("portal.css has no :root rule")


@pytest.mark.parametrize("path", CSS_FILES, ids=lambda p: p.name)
def test_the_style_sheets_parse(path: Path) -> None:
    errors = []

    def walk(nodes: list) -> None:
        for node in nodes:
            if node.type == "error":
                errors.append(f"{path.name}:{node.source_line}: {node.message}")
            elif node.type == "at-rule" and node.content is not None:  # @media holds rules
                walk(tinycss2.parse_rule_list(node.content, True, True))
            elif node.type == "qualified-rule":  # declarations (and nested rules)
                walk(tinycss2.parse_blocks_contents(node.content, True, True))

    walk(rules(path))
    assert errors == []


@pytest.mark.parametrize("path", CSS_FILES, ids=lambda p: p.name)
def test_colours_are_tokens_and_every_token_used_is_defined(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    if path.name == "portal.css":
        text = text[text.index("}", text.index(":root")) + 1 :]
    literals = [c for c in COLOUR.findall(text) if c != MASK_STOP]
    assert literals == [], f"use a custom property of :root instead of {literals}"
    every_sheet = "".join(p.read_text(encoding="utf-8") for p in CSS_FILES)
    defined = set(re.findall(r"(--[\w-]+)\s*:", every_sheet))
    used = set(re.findall(r"var\(\s*(--[\w-]+)", text))
    assert used - defined == set()


def test_the_area_colours_are_those_of_areas_py() -> None:
    tokens = root_tokens()
    css = (ROOT / "static/css/portal.css").read_text(encoding="utf-8")
    for area in AREAS:
        assert tokens.get(f"--area-{area.slug}", "").lower() == area.colour.lower(), area.slug
        assert f".area-{area.slug} {{ --area-colour: var(--area-{area.slug}); }}" in css
    area_tokens = {name for name in tokens if name.startswith("--area-")}
    assert area_tokens == {f"--area-{area.slug}" for area in AREAS}


def test_the_script_is_safe_under_the_content_security_policy() -> None:
    code = SCRIPT.read_text(encoding="utf-8")
    unsafe = (
        r"\beval\s*\(",
        r"\bnew\s+Function\s*\(",
        r"\.innerHTML\s*=",
        r"\.on[a-z]+\s*=",  # an inline handler set as a property
        r"setAttribute\(\s*[\"']on",
        r"setAttribute\(\s*[\"']style",
    )
    for pattern in unsafe:
        assert not re.search(pattern, code), pattern
    assert not re.search(r"set(Timeout|Interval)\s*\(\s*[\"'`]", code)


def test_no_template_has_inline_script_handlers_or_styles() -> None:
    found = []
    for template in (ROOT / "templates").rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        if re.search(r"\sstyle=|\son[a-z]+=|<script(?![^>]*\ssrc=)", text):
            found.append(template.relative_to(ROOT).as_posix())
    assert found == []


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_the_script_is_valid_javascript() -> None:
    result = subprocess.run(
        ["node", "--check", str(SCRIPT)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
