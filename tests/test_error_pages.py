"""A request that fails halfway through a database write still gets the portal's own localised
error page (the request's session is rolled back before the page is rendered), not a bare 500."""

from __future__ import annotations

from pathlib import Path

from portal import create_app
from portal.cli import setup_database
from portal.datasets.models import DataState
from portal.db import get_session

ROOT = Path(__file__).resolve().parent.parent


def test_a_failed_write_gets_the_localised_error_page(tmp_path: Path) -> None:
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'p.sqlite3'}",
            "DATA_DIR": str(ROOT / "data"),
            "PROPAGATE_EXCEPTIONS": False,
        }
    )
    with app.app_context():
        setup_database(ROOT / "data", log=lambda _m: None)

    @app.get("/zh/boom")
    def boom() -> str:
        session = get_session()
        session.add(DataState(id=1, version=0))  # the row exists: the flush fails
        session.flush()
        return "not reached"

    response = app.test_client().get("/zh/boom")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "出错" in html or "错误" in html
    assert "<html" in html and "示例市财政局" in html  # the full page, the bureau's name read again
    app.extensions["portal.db"].engine.dispose()
