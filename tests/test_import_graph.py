"""The import graph of portal/ (scripts/import_graph.py): no cycle between its parts, and no view
module importing another package's views — but for the problems named here, each with why it is
still there. A problem fixed must leave the list, so that the list stays true."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "import_graph.py"

#: Known problems and why they are not fixed yet.
KNOWN: dict[str, str] = {}


def _load():
    spec = importlib.util.spec_from_file_location("import_graph", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(spec.name, module)  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_portal_has_no_problem_but_the_known_ones() -> None:
    found = _load().problems(ROOT / "portal")
    new = {key: detail for key, detail in found.items() if key not in KNOWN}
    assert not new, "\n".join(f"{key}\n{detail}" for key, detail in new.items())
    assert not set(KNOWN) - set(found), "fixed: take it out of KNOWN"


def test_the_script_prints_the_graph_and_fails_on_a_problem(tmp_path: Path) -> None:
    tree = tmp_path / "app"
    for folder in ("a", "b"):
        (tree / folder).mkdir(parents=True)
        (tree / folder / "__init__.py").write_text("")
    (tree / "__init__.py").write_text("")
    (tree / "a" / "services.py").write_text("from app.b import helper\n")
    (tree / "b" / "helper.py").write_text("def f():\n    from app.a import services\n")
    (tree / "a" / "views.py").write_text("from app.b.views import x\nbp = Blueprint('a', 'a')\n")
    (tree / "b" / "views.py").write_text("x = Blueprint('b', 'b')\n")

    run = subprocess.run(
        [sys.executable, str(SCRIPT), "--root", str(tree)], capture_output=True, text=True
    )
    assert run.returncode == 1, run.stdout + run.stderr
    assert "a -> b" in run.stdout and "b -> a" in run.stdout
    assert "cycle: a, b" in run.stdout
    assert "views: app.a.views -> app.b.views" in run.stdout

    (tree / "b" / "helper.py").write_text("def f():\n    pass\n")
    (tree / "a" / "views.py").write_text("bp = Blueprint('a', 'a')\n")
    run = subprocess.run(
        [sys.executable, str(SCRIPT), "--root", str(tree)], capture_output=True, text=True
    )
    assert run.returncode == 0, run.stdout
