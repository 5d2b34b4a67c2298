"""A vendor's FOCUS mapping as data: each column and the SQL expression that computes it, written once.

A plugin describes how its imported billing table becomes FOCUS rows as a :class:`FocusMapping`:

* ``lookups``: small constant tables (``VALUES``), e.g. product code -> ServiceCategory;
* ``fields``: the first stage, ``src``: one logical field per source column, read from whichever of its
  candidate columns (or keys of a JSON map column) the imported table has, NULL when it has none. The
  table's columns are only known when it is read, so this stage is described, not written: :class:`Field`;
* ``tags``: optionally, a key/value map gathered from prefixed columns and a JSON map column
  (:class:`TagMap`), the one field that is a structure rather than a value;
* ``stages``: named steps, each ``SELECT *, <expression> AS <name>, ... FROM <the step before>``;
* ``final``: every FOCUS column (and the plugin's ``x_`` columns) -> its expression over the last step,
  and the joins that step needs.

It is rendered two ways from the same table: :func:`duckdb_select` gives the DuckDB SELECT that ``focus
build`` runs natively (the SQL of a :class:`~open_finops.focus.protocol.FocusSource`), and
:mod:`open_finops.focus.dbt_package` writes it as a dbt model that runs on DuckDB or PostgreSQL. An
expression is one string when both dialects read it alike, or a :class:`Sql` holding each dialect's text
where they differ (JSON, lists, regular expressions).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from open_finops.naming import quote_identifier as q

Dialect = Literal["duckdb", "postgres"]
DIALECTS: tuple[Dialect, ...] = ("duckdb", "postgres")
MONEY = "DECIMAL(38,18)"
KINDS = ("text", "money", "rate", "timestamp")


@dataclass(frozen=True)
class Sql:
    """An expression whose text differs between dialects."""

    duckdb: str
    postgres: str


Expr = str | Sql


def render(expression: Expr, dialect: Dialect) -> str:
    return expression if isinstance(expression, str) else getattr(expression, dialect)


@dataclass(frozen=True)
class Col:
    """The first of these columns the table has."""

    names: tuple[str, ...]


@dataclass(frozen=True)
class JsonKey:
    """A key of a map column stored as JSON text (CUR 2.0's ``product``, ``resource_tags``)."""

    column: str
    key: str


@dataclass(frozen=True)
class Field:
    """A field of the ``src`` stage: the first non-NULL of ``reads``, as ``kind`` (text, money, rate,
    timestamp); NULL of that type when the table has none of them."""

    name: str
    kind: str
    reads: tuple[Col | JsonKey, ...]

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"field {self.name}: kind must be one of {', '.join(KINDS)}")
        if any(isinstance(r, JsonKey) for r in self.reads) and self.kind != "text":
            raise ValueError(f"field {self.name}: a JSON key is read as text only")


def text(name: str, *columns: str, json: tuple[str, str] | None = None, then: Sequence[str] = ()) -> Field:
    """A text field from the first of ``columns``, else a JSON map's key, else the first of ``then``."""
    reads: list[Col | JsonKey] = [Col(tuple(columns))] if columns else []
    if json is not None:
        reads.append(JsonKey(*json))
    if then:
        reads.append(Col(tuple(then)))
    return Field(name, "text", tuple(reads))


def money(name: str, *columns: str) -> Field:
    return Field(name, "money", (Col(columns),))


def rate(name: str, *columns: str) -> Field:
    """A price CUR declares as text: one that does not parse is NULL."""
    return Field(name, "rate", (Col(columns),))


def timestamp(name: str, *columns: str) -> Field:
    return Field(name, "timestamp", (Col(columns),))


@dataclass(frozen=True)
class TagMap:
    """Key/value pairs from every column named ``prefix<key>`` (CUR v1's ``resource_tags_user_team``) and the
    JSON map column ``json_column`` (CUR 2.0's ``resource_tags``). DuckDB holds them as a list of
    ``{key, value}`` structs, PostgreSQL as a ``jsonb`` object; the stage expression that reads it is a
    :class:`Sql`.

    The keys are the tag keys as the vendor shows them. A prefixed column's key comes from the name the
    load's manifest gave it (``resourceTags/user:Cost Center``), the first matching ``source_renames``
    prefix replaced; a column without such a name (a load recorded before names were kept), and every key
    of the JSON map, is the snake_case rest of its name, the first matching ``key_renames`` prefix replaced
    (``user_team`` -> ``team``, ``aws_created_by`` -> ``aws:created_by``)."""

    name: str
    prefix: str
    json_column: str
    key_renames: tuple[tuple[str, str], ...] = ()
    source_renames: tuple[tuple[str, str], ...] = ()

    def renamed_key(self, key: str) -> str:
        """A snake_case key (a JSON map's, or a prefixed column's rest) as the vendor shows it."""
        for prefix, replacement in self.key_renames:
            if key.startswith(prefix):
                return replacement + key.removeprefix(prefix)
        return key

    def column_key(self, column: str, source_name: str | None) -> str:
        """The key of the prefixed ``column``, from the manifest's ``source_name`` for it when it has one."""
        for prefix, replacement in self.source_renames:
            if source_name and source_name.startswith(prefix):
                return replacement + source_name.removeprefix(prefix)
        return self.renamed_key(column.removeprefix(self.prefix))

    def column_keys(self, columns: Iterable[str], source_names: dict[str, str]) -> dict[str, str]:
        """Each prefixed column's key (what ``focus build`` hands the dbt model as ``tag_keys``)."""
        return {c: self.column_key(c, source_names.get(c)) for c in sorted(columns) if c.startswith(self.prefix)}

    def key_sql(self, key: str) -> str:
        """SQL turning a JSON map's key expression into the key the vendor shows (both dialects read it)."""
        if not self.key_renames:
            return key
        cases = "".join(f" WHEN starts_with({key}, {literal(prefix)}) THEN {literal(replacement)} || "
                        f"substr({key}, {len(prefix) + 1})" for prefix, replacement in self.key_renames)
        return f"CASE{cases} ELSE {key} END"


@dataclass(frozen=True)
class Lookup:
    """A constant table the stages join (``WITH name (columns) AS (VALUES ...)``)."""

    name: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]

    def __post_init__(self) -> None:
        if not self.rows:
            raise ValueError(f"lookup {self.name}: no rows")
        if any(len(row) != len(self.columns) for row in self.rows):
            raise ValueError(f"lookup {self.name}: every row needs {len(self.columns)} values")


@dataclass(frozen=True)
class Stage:
    """``name AS (SELECT *, <expression> AS <column>, ... FROM <the stage before>)``."""

    name: str
    columns: tuple[tuple[str, Expr], ...]


@dataclass(frozen=True)
class FocusMapping:
    vendor: str
    transform_version: str
    fields: tuple[Field, ...]
    stages: tuple[Stage, ...]
    final: tuple[tuple[str, Expr], ...]
    joins: Expr = ""  # after ``FROM <last stage>``
    lookups: tuple[Lookup, ...] = field(default_factory=tuple)
    tags: TagMap | None = None
    period_column: str = "billing_period"  # the imported table's billing period column, when it has one
    # format_version of the load state -> (what to call that kind of export, its FocusSource.preference)
    formats: tuple[tuple[str, str, int], ...] = ()

    def source_format(self, format_version: str | None) -> tuple[str, int]:
        found = {key: (name, preference) for key, name, preference in self.formats}
        return found.get(format_version or "", (format_version or "", 0))

    @property
    def last_stage(self) -> str:
        return self.stages[-1].name if self.stages else "src"

    @property
    def output_columns(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.final)


def literal(value: str) -> str:
    """A SQL string literal (for constants of the mapping, never for user input)."""
    return "'" + value.replace("'", "''") + "'"


def text_of(expression: str) -> str:
    return f"NULLIF(TRIM(CAST({expression} AS VARCHAR)), '')"


_NUMBER = r"^[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]+)?$"


def read_sql(kind: str, column: str, dialect: Dialect) -> str:
    """How a field of ``kind`` reads an existing, quoted ``column``."""
    if kind == "text":
        return text_of(column)
    if kind == "money":
        return f"CAST({column} AS {MONEY})"
    if kind == "timestamp":
        return f"CAST({column} AS TIMESTAMPTZ)"
    if dialect == "duckdb":
        return f"TRY_CAST({text_of(column)} AS {MONEY})"
    return f"CASE WHEN {text_of(column)} ~ '{_NUMBER}' THEN CAST({text_of(column)} AS {MONEY}) END"


def json_key_sql(column: str, key: str, dialect: Dialect) -> str:
    if dialect == "duckdb":
        return f"NULLIF(json_extract_string({column}, '$.{key}'), '')"
    return f"NULLIF(CAST({column} AS jsonb) ->> {literal(key)}, '')"


def null_of(kind: str) -> str:
    types = {"text": "VARCHAR", "timestamp": "TIMESTAMPTZ"}
    return f"CAST(NULL AS {types.get(kind, MONEY)})"


def field_sql(spec: Field, columns: Sequence[str] | dict[str, Any], dialect: Dialect) -> str:
    """The expression of one ``src`` field over a table with these columns."""
    options = []
    for read in spec.reads:
        if isinstance(read, Col):
            found = next((n for n in read.names if n in columns), None)
            if found is not None:
                options.append(read_sql(spec.kind, q(found), dialect))
        elif read.column in columns:
            options.append(json_key_sql(q(read.column), read.key, dialect))
    if not options:
        return null_of(spec.kind)
    if len(spec.reads) == 1:
        return options[0]
    return f"coalesce({', '.join(options)})"


def stage_sql(stage: Stage, source: str, dialect: Dialect) -> str:
    body = ",\n    ".join(f"{render(expression, dialect)} AS {name}" for name, expression in stage.columns)
    return f"{stage.name} AS (SELECT *,\n    {body}\n  FROM {source})"


def stages_sql(mapping: FocusMapping, dialect: Dialect) -> str:
    """Every stage after ``src``, as CTEs (comma-led, to follow the ``src`` CTE)."""
    parts, source = [], "src"
    for stage in mapping.stages:
        parts.append(",\n" + stage_sql(stage, source, dialect))
        source = stage.name
    return "".join(parts)


def final_sql(mapping: FocusMapping, dialect: Dialect) -> str:
    columns = ",\n    ".join(f"{render(expression, dialect)} AS {q(name)}" for name, expression in mapping.final)
    return f"\nSELECT\n    {columns}\nFROM {mapping.last_stage}\n{render(mapping.joins, dialect)}"


def duckdb_select(mapping: FocusMapping, schema: str, table: str, columns: dict[str, str],
                  billing_period: str, source_names: dict[str, str] | None = None) -> tuple[str, list[Any]]:
    """The DuckDB SELECT producing the FOCUS rows of one billing period of one imported table;
    ``source_names`` are the load's column names as its manifest spelled them (the tag keys)."""
    params: list[Any] = []
    ctes = []
    for lookup in mapping.lookups:
        row = "(" + ", ".join("?" for _ in lookup.columns) + ")"
        ctes.append(f"{lookup.name} ({', '.join(lookup.columns)}) AS (VALUES {', '.join(row for _ in lookup.rows)})")
        params.extend(v for r in lookup.rows for v in r)
    reads = [f"{field_sql(f, columns, 'duckdb')} AS {f.name}" for f in mapping.fields]
    if mapping.tags is not None:
        tag_sql, tag_params = _duckdb_tags(mapping.tags, columns, source_names or {})
        reads.append(f"{tag_sql} AS {mapping.tags.name}")
        params.extend(tag_params)
    has_period = mapping.period_column in columns
    if has_period:
        reads.append(f"{q(mapping.period_column)} AS billing_period")
    else:
        reads.append("CAST(? AS VARCHAR) AS billing_period")
        params.append(billing_period)
    src = f"src AS (SELECT {', '.join(reads)} FROM {q(schema)}.{q(table)}"
    if has_period:
        src += f" WHERE {q(mapping.period_column)} = ?"
        params.append(billing_period)
    ctes.append(src + ")")
    sql = "WITH " + ",\n".join(ctes) + stages_sql(mapping, "duckdb") + final_sql(mapping, "duckdb")
    return sql, params


def _duckdb_tags(tags: TagMap, columns: Sequence[str] | dict[str, Any],
                 source_names: dict[str, str]) -> tuple[str, list[Any]]:
    """A list of {key, value} structs with the vendor's keys: the prefixed columns and the JSON map column."""
    lists = []
    keys = tags.column_keys(columns, source_names)
    if keys:
        structs = [f"{{'key': ?, 'value': {text_of(q(column))}}}" for column in keys]
        lists.append("[" + ", ".join(structs) + "]")
    if tags.json_column in columns:
        lists.append(f"[{{'key': {tags.key_sql('e.key')}, 'value': e.value}} for e in "
                     f"coalesce(map_entries(json_transform({q(tags.json_column)}, "
                     "'\"MAP(VARCHAR, VARCHAR)\"')), [])]")
    expression = "CAST([] AS STRUCT(\"key\" VARCHAR, \"value\" VARCHAR)[])"
    for item in lists:
        expression = f"list_concat({expression}, {item})"
    return expression, list(keys.values())
