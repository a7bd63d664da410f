"""Locale selection and number, money and date formatting, all built on Babel.

Public URLs carry the language (``/zh/…``, ``/en/…``); Babel gets the matching locale. Money arrives
in 万元 (exact decimals) and is shown the way each language reads large sums: 亿元/万元 in Chinese,
"CNY 1.23 billion" in English.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_datetime as babel_format_datetime
from babel.numbers import format_compact_decimal
from flask import Flask, g, request
from flask_babel import format_date, format_decimal, format_percent, get_locale, get_translations
from flask_babel import gettext as _

#: URL language code → Babel locale.
LANGUAGES: dict[str, str] = {"zh": "zh_CN", "en": "en"}
DEFAULT_LANG = "zh"
TEN_THOUSAND = Decimal(10000)


def select_locale() -> str:
    lang = g.get("lang") or DEFAULT_LANG
    return LANGUAGES.get(lang, LANGUAGES[DEFAULT_LANG])


def best_language() -> str:
    """The URL language that best matches the request's Accept-Language, Chinese by default."""
    match = request.accept_languages.best_match(["zh", "zh-CN", "zh-Hans", "en"], default="zh")
    return "en" if match == "en" else "zh"


def current_lang() -> str:
    return str(g.get("lang") or DEFAULT_LANG)


def is_zh() -> bool:
    return current_lang() == "zh"


def localized(zh: str | None, en: str | None) -> str:
    """Pick the Chinese or English text of a bilingual field, falling back to the other."""
    if is_zh():
        return zh or en or ""
    return en or zh or ""


def wan_to_yuan(wan: Decimal) -> int:
    """An amount in 万元 as integer yuan (exact for anything entered with up to four places)."""
    return int((wan * TEN_THOUSAND).to_integral_value())


def format_money(wan: Decimal | None) -> str:
    """A sum for reading: "12.35亿元" / "CNY 1.24 billion"."""
    if wan is None:
        return _("not available")
    yuan = wan * TEN_THOUSAND
    locale = str(get_locale())
    if is_zh():
        if abs(yuan) < 10000:
            return _("%(amount)s yuan", amount=format_decimal(yuan, format="#,##0"))
        compact = format_compact_decimal(yuan, locale=locale, fraction_digits=2)
        return _("%(amount)s yuan", amount=compact)
    if abs(yuan) < 1_000_000:
        return _("CNY %(amount)s", amount=format_decimal(yuan, format="#,##0"))
    compact = format_compact_decimal(yuan, format_type="long", locale=locale, fraction_digits=2)
    return _("CNY %(amount)s", amount=compact)


def table_amount(wan: Decimal | None) -> str:
    """An exact amount for a table cell in the table's unit (see :func:`table_unit`)."""
    if wan is None:
        return "—"
    if is_zh():
        return format_decimal(wan, format="#,##0.00")
    return format_decimal(wan / 100, format="#,##0.00")


def table_unit() -> str:
    """The unit of :func:`table_amount`: 万元 in Chinese, CNY million in English."""
    return _("10,000 yuan") if is_zh() else _("CNY million")


def large_amount(wan: Decimal | None) -> str:
    """A large sum for a table cell in :func:`large_unit`: 亿元 in Chinese, CNY billion in English,
    two decimals (national series, which are published in 亿元)."""
    if wan is None:
        return "—"
    return format_decimal(wan.scaleb(-4 if is_zh() else -5), format="#,##0.00")


def large_unit() -> str:
    return _("100 million yuan") if is_zh() else _("CNY billion")


def format_yuan(amount: Decimal | None) -> str:
    """A small sum in yuan, e.g. per resident: "2,345元" / "CNY 2,345"."""
    if amount is None:
        return _("not available")
    return (
        _("%(amount)s yuan", amount=format_decimal(amount, format="#,##0"))
        if is_zh()
        else _("CNY %(amount)s", amount=format_decimal(amount, format="#,##0"))
    )


def format_ratio(ratio: Decimal | None, signed: bool = False) -> str:
    """A ratio (0.123) as a percentage with one decimal: "12.3%", or "+12.3%" when *signed*."""
    if ratio is None:
        return "—"
    text = format_percent(ratio, format="#,##0.0%")
    if signed and ratio > 0:
        return "+" + text
    return text


def format_number(value: Decimal | int | None, places: int = 2) -> str:
    if value is None:
        return "—"
    pattern = "#,##0" + ("." + "#" * places if places else "")
    return format_decimal(value, format=pattern)


#: Moments (when something was recorded) are shown in China's time, labelled as such.
CHINA = ZoneInfo("Asia/Shanghai")


def in_china(value: datetime) -> datetime:
    """*value* in China's time (a naive value is UTC, as SQLite hands it back)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(CHINA)


def format_day(value: date | datetime | None) -> str:
    """A day, e.g. 2026年11月26日 / November 26, 2026; a moment counts in China's time, so
    something published at 01:00 in Beijing is dated that day, not the day before (UTC)."""
    if value is None:
        return "—"
    if isinstance(value, datetime):
        value = in_china(value).date()
    return format_date(value, format="long")


def format_moment(value: datetime | None) -> str:
    """A timestamp in Beijing time, said so: 2026年11月26日 09:30（北京时间） /
    Nov 26, 2026, 9:30 AM (Beijing time) — the same on every page, public or staff."""
    if value is None:
        return "—"
    moment = babel_format_datetime(
        in_china(value), format="medium", tzinfo=CHINA, locale=get_locale()
    )
    return _("%(moment)s (Beijing time)", moment=moment)


def check_catalogues(directory: Path) -> None:
    """Refuse to start without the compiled catalogues: without them every page under /zh/ would
    be served in English, silently."""
    missing = [
        lang
        for lang in LANGUAGES
        if lang != "en" and not (directory / lang / "LC_MESSAGES" / "messages.mo").is_file()
    ]
    if missing:
        from portal.config import ConfigurationError

        raise ConfigurationError(
            f"The message catalogue for {', '.join(missing)} is not compiled ({directory}): run "
            "`make translations` (pybabel compile -d portal/translations), or install a built "
            "package, which carries it."
        )


def request_translations() -> Any:
    """The request's message catalogue, looked up once per request: Flask-Babel finds it again
    for every string (its context, the locale and the locale's name each time), which costs more
    than the lookup itself on a page of a few hundred strings. Inside ``force_locale`` it is
    Flask-Babel's, as before."""
    babel = g.get("_flask_babel")
    if babel is not None and hasattr(babel, "forced_babel_locale"):
        return get_translations()
    try:
        return g._portal_translations
    except AttributeError:
        translations = g._portal_translations = get_translations()
        return translations


def _template_gettext(message: str) -> str:
    return str(request_translations().ugettext(message))


def _template_ngettext(singular: str, plural: str, n: int) -> str:
    return str(request_translations().ungettext(singular, plural, n))


def init_app(app: Flask) -> None:
    check_catalogues(Path(app.config["BABEL_TRANSLATION_DIRECTORIES"]))
    # The templates' _() and ngettext() as Flask-Babel installs them, with the catalogue looked
    # up once per request (pgettext and npgettext stay Flask-Babel's).
    kept = {name: app.jinja_env.globals.get(name) for name in ("pgettext", "npgettext")}
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=_template_gettext, ngettext=_template_ngettext, newstyle=True
    )
    app.jinja_env.globals.update(kept)
    app.jinja_env.filters.update(
        money=format_money,
        table_amount=table_amount,
        yuan=format_yuan,
        ratio=format_ratio,
        number=format_number,
        day=format_day,
        moment=format_moment,
    )
    app.jinja_env.globals.update(
        table_unit=table_unit, localized=localized, current_lang=current_lang
    )
