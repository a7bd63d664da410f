"""Build hook: the compiled message catalogues (.mo, build output, not in git) go into every built
package, so `pip install .` serves Chinese under /zh/. Everything else is in pyproject.toml."""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

TRANSLATIONS = Path(__file__).resolve().parent / "portal" / "translations"


class BuildWithCatalogues(build_py):
    def run(self) -> None:
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        for po in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"):
            with po.open("rb") as source:
                catalogue = read_po(source)
            with po.with_suffix(".mo").open("wb") as target:
                write_mo(target, catalogue)
        super().run()


setup(cmdclass={"build_py": BuildWithCatalogues})
