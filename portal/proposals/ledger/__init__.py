"""The bureau's handling ledger (办理台账) of deputies' suggestions (建议) and CPPCC proposals
(提案), uploaded as a table: items are created and their handling steps appended to their
timelines.

The modules, in the order a file goes through them: :mod:`.columns` (the columns and the header
row, with the file's format), :mod:`.cells` (reading a cell), :mod:`.plan` (rows → items and the
steps each needs), :mod:`.compare` (the steps matched with the timelines on record: what an upload
would change), :mod:`.replay` (the steps recorded through the proposals services) and
:mod:`.upload` (the upload kind: check → draft → publish, and its registration).

What an upload does
-------------------
*Check*: every row is read and every problem reported at once (row, column, value, message):
missing columns, bad values, unknown submitters, areas or reply classes, duplicate rows. The rows
are then compared with what is on record. An item already in the database (same 届次, 类型 and
编号) gets only the steps its timeline does not have yet; a row that contradicts the timeline
(another reply date for a replied round, say) is an error, because the timeline is append-only and
corrections are made on the item's page. Steps to append must not be dated before the item's
last recorded step. Finally the steps are replayed through :mod:`portal.proposals.services` in a
SAVEPOINT that is rolled back, so whatever those services refuse (feedback before a reply, a reply
dated before the assignment, …) is reported too. Nothing is written when there is any error.

*Draft*: a valid file becomes a draft version of the one proposals dataset, keeping the original
file and its SHA-256; the timelines do not change yet. Its page shows what publishing would do
(:func:`ledger_preview`: a dry run again, against the database as it is then).

*Publish*: the file is read again and its steps applied in the publishing transaction, through
the same services (each step audited by them; the data version raised once for the lot). If the
database changed since the draft so that a step no longer applies, publishing is refused and
nothing changes. A ledger is applied once: restoring an earlier proposals version is refused,
since what it appended cannot be taken back.
"""

from __future__ import annotations

from portal.proposals.ledger.columns import LEDGER_COLUMNS
from portal.proposals.ledger.compare import LedgerPreview, ledger_preview
from portal.proposals.ledger.upload import import_proposals, init_app

__all__ = ["LEDGER_COLUMNS", "LedgerPreview", "import_proposals", "init_app", "ledger_preview"]
