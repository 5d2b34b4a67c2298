"""Core's own settings, declared the way plugins declare theirs: ``[project]`` (and, later, ``[focus]``).

A core section is added by declaring a :class:`~open_finops.settings.SettingsSection` here and listing it
in :data:`CORE_SECTIONS`; ``finops config show``, the commented defaults and the check for unknown keys
then know it, as they know a plugin's.
"""

from __future__ import annotations

import os

from open_finops.settings import Setting, SettingsSection

DEFAULT_DATA_DIR = "data"
DEFAULT_LOCK_TIMEOUT = 30.0
# Longer than any import waits on purpose; beyond it a typo (an extra zero or two) would hang a cron job.
MAX_LOCK_TIMEOUT = 86_400.0
# DuckDB's default is 80% of RAM; an import does not need it, and its buffer pool would otherwise grow
# with the size of the month being loaded. On two cores DuckDB inserts on two threads, each staging a row
# group of its own (database.ROW_GROUP_ROWS rows, about 65 MB of CUR before compression; at DuckDB's own
# 122,880 they spilled to disk even at 224MB). The import's readers hold about 100 MB besides: 224MB keeps
# the whole process under 512 MiB (460-468 MiB for 2 x 1M rows; benchmarks/README.md).
DEFAULT_MEMORY_LIMIT = "224MB"
# Below this DuckDB runs out of memory staging one row group of an import.
MIN_MEMORY_LIMIT = 64 * 10**6
# The storage format of new database files: DuckDB's own default (2.x writes format 69) would lock out
# every reader on DuckDB 1.5, among them Metabase's DuckDB driver (docs/docker.md). A file keeps the
# format it was created in when later versions write to it.
DEFAULT_STORAGE_VERSION = "v1.5.0"
STORAGE_VERSION_FORM = r"latest|v\d+\.\d+\.\d+"


def physical_memory() -> int | None:
    """This machine's memory in bytes, where the system says."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return None


PROJECT = SettingsSection(
    name="project",
    help="open-finops itself: where data lives, how long to wait for the database, how strict to be.",
    settings=(
        Setting("data_dir", "path", DEFAULT_DATA_DIR, flag="--data-dir",
                help="Folder of finops.duckdb and dlt's working files; relative in the file: to the file's folder."),
        Setting("lock_timeout", "duration", DEFAULT_LOCK_TIMEOUT, minimum=0.0, maximum=MAX_LOCK_TIMEOUT,
                help="Seconds an import waits while another process holds finops.duckdb."),
        Setting("duckdb_memory_limit", "size", DEFAULT_MEMORY_LIMIT, minimum=MIN_MEMORY_LIMIT,
                maximum=physical_memory,
                help="DuckDB's buffer pool during imports; beyond it DuckDB spills to disk."),
        Setting("duckdb_storage_version", "str", DEFAULT_STORAGE_VERSION,
                help="DuckDB storage format of a new finops.duckdb (a DuckDB release such as v1.5.0, or latest): "
                "the oldest DuckDB that must read it; an existing file keeps its own."),
        Setting("strict_config", "bool", False, flag="--strict",
                help="Unknown sections and keys, and old keys that are no longer read, are errors, not warnings."),
        Setting("name", "str", help="A name for this project (open-finops-stack wrote one); shown, not used.",
                example="my-finops"),
    ),
)

FOCUS = SettingsSection(
    name="focus",
    help="finops focus build and export: the FOCUS version, and which export counts when several overlap.",
    settings=(
        Setting("version", "str", "1.2", choices=("1.0", "1.2"), flag="--focus-version",
                help="The FOCUS version focus.costs follows (docs/focus.md)."),
        Setting("prefer", "list", help="Exports counted first where several cover one billing account and period "
                "(export names, or vendor:export); not set: each vendor's own order.", example='["my-cur-2"]'),
        Setting("exclude", "list", help="Exports left out of FOCUS entirely (export names, or vendor:export).",
                example='["old-cur"]'),
    ),
)

# Every section core reads itself, in the order `config show` lists them.
CORE_SECTIONS: tuple[SettingsSection, ...] = (PROJECT, FOCUS)
