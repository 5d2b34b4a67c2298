"""The import engine every vendor uses.

A vendor plugin supplies a *source* (where its exports live: list, read a small object, give a local copy
of a data file) and *manifest parsers* (what its manifests say, as :class:`~open_finops.exports.ExportVersion`).
The engine does the rest, the same way for every vendor:

- ``listing``: list the export prefix, recognise manifests through the parsers, keep the newest per period;
- ``engine``: diff against the load state, skip loaded versions, and run each period's lifecycle
  (``running`` -> ``completed`` | ``failed`` | ``interrupted``), recovering after a killed import;
- ``readers`` and ``prefetch``: stream data files as Arrow record batches typed from the manifest;
- ``swap``: make a staged period the current one atomically, with its state on DuckDB.

``sources`` declares the source protocol and provides :class:`~open_finops.ingest.sources.LocalSource`.
"""
