"""Downloads: every public dataset version as CSV (UTF-8 with BOM), XLSX, JSON and a (Fiscal) Data
Package, streamed; the downloads page ``/<lang>/data`` lists them. The fields of every file are in
:mod:`.fields` (``FIELDS``), for the data dictionary too."""
