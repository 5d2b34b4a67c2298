"""The mutations the project keeps: small deliberate bugs in the modules that guard money and data.

Each is one text replacement in one file and the tests that must fail with it in place. ``run.py``
plants them one at a time. A mutation that cannot be caught because it does not change behaviour says
why in ``equivalent``; every other one must be killed. Keep ``tests`` narrow (a file and ``-k``): the
whole list runs in tens of minutes on two cores. docs/testing.md records the last score.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Mutation:
    name: str
    file: str  # relative to the checkout
    original: str  # must occur exactly once in the file
    replacement: str
    tests: tuple[str, ...]  # pytest arguments, relative to the checkout
    equivalent: str = ""  # why no test can catch it, for a mutation that does not change behaviour


CORE = "src/open_finops"
AWS = "plugins/aws/src/open_finops_aws"
INGEST_TESTS = "tests/test_ingest.py"
AWS_TESTS = "plugins/aws/tests"

# Importer._swap: the data swap and, in its transaction, the state (on a server, through the swap's session).
_STATE_IN = """            # The state in the same transaction as the data: on a server, through the swap's own session.
            state = self.state if self.destination.is_duckdb else LoadStateStore(sql, create=False)
            state.complete(load_id, **counters)
"""
_SWAP_BODY = "".join(line + "\n" for line in (
    "        with self._sql(pipeline) as sql, sql.transaction(), self._lock_waits_bounded(sql, final, version):",
    "            swap.replace_period(sql, staging, final, version.billing_period, self.names(version.export_name)[0],",
    '                                single=self.options.strategy == "single", known=self._period_tables(version))',
    "            for table, column, value in runner.bookkeeping_rows(pipeline) if pipeline is not None else ():",
    "                swap.delete_rows(sql, table, column, value)",
)) + _STATE_IN
# The state recorded on its own session, committed before the data swap starts.
_STATE_FIRST = "        self.state.complete(load_id, **counters)\n"

MUTATIONS: tuple[Mutation, ...] = (
    # --- the seven gaps of issue 19 -------------------------------------------------------------------
    Mutation(
        "sql: the DuckDB swap runs without its transaction",
        f"{CORE}/sql.py",
        'return Sql(execute, fetchall, lambda: transaction(con), "?", dataset)',
        'return Sql(execute, fetchall, lambda: __import__("contextlib").nullcontext(), "?", dataset)',
        (INGEST_TESTS, "-k", "failure_inside_the_swap"),
    ),
    Mutation(
        "engine: PostgreSQL load recorded as current before the swap",
        f"{CORE}/ingest/engine.py",
        _SWAP_BODY,
        _STATE_FIRST + _SWAP_BODY.replace(_STATE_IN, ""),
        (f"{AWS_TESTS}/test_restatement.py", "-k", "swap_that_fails"),
    ),
    Mutation(
        "sql: a KeyboardInterrupt inside a transaction is not rolled back",
        f"{CORE}/sql.py",
        '    except BaseException:\n        con.execute("ROLLBACK")',
        '    except Exception:\n        con.execute("ROLLBACK")',
        ("tests/test_sql.py",),
    ),
    Mutation(
        "readers: a Parquet column the manifest does not declare is accepted",
        f"{CORE}/ingest/readers.py",
        "if plan.strict and len(set(order)) != len(file_names):",
        "if False:",
        (INGEST_TESTS, "-k", "parquet_file_with_a_column"),
    ),
    Mutation(
        "readers: a Parquet column the manifest does not declare is accepted (every position)",
        f"{CORE}/ingest/readers.py",
        "if plan.strict and len(set(order)) != len(file_names):",
        "if False:",
        ("tests/test_ingest_parquet_columns.py",),
    ),
    Mutation(
        "destination: the key ignores the dataset",
        f"{CORE}/destination.py",
        'return f"{self.name}{where}:{self.dataset}"',
        'return f"{self.name}:finops"',
        (INGEST_TESTS, "-k", "second_dataset"),
    ),
    Mutation(
        "destination: a server's key ignores where it is",
        f"{CORE}/destination.py",
        'return f"{self.name}{where}:{self.dataset}"',
        'return f"{self.name}:{self.dataset}"',
        (f"{AWS_TESTS}/test_postgres_warehouse.py", "-k", "another_database"),
    ),
    Mutation(
        "listing: the first manifest of a period wins, not the newest",
        f"{CORE}/ingest/listing.py",
        "found = sorted(found, key=lambda item: item[0], reverse=True)",
        "found = list(found)",
        ("tests/test_ingest_versions.py",),
    ),
    Mutation(
        "listing: the first manifest of a period wins (CUR 2.0 execution folders, end to end)",
        f"{CORE}/ingest/listing.py",
        "found = sorted(found, key=lambda item: item[0], reverse=True)",
        "found = list(found)",
        (f"{AWS_TESTS}/test_execution_folders.py", "-k", "csv"),
    ),
    Mutation(
        "listing: the oldest manifest of a period wins",
        f"{CORE}/ingest/listing.py",
        "found = sorted(found, key=lambda item: item[0], reverse=True)",
        "found = sorted(found, key=lambda item: item[0])",
        ("tests/test_ingest_versions.py",),
    ),
    Mutation(
        "listing: the folder name ranks manifests before their time",
        f"{CORE}/ingest/listing.py",
        "((written, obj.key), version, parser))",
        "((obj.key, written), version, parser))",
        ("tests/test_ingest_versions.py",),
    ),
    Mutation(
        "listing: manifests written in the same second are not told apart",
        f"{CORE}/ingest/listing.py",
        "((written, obj.key), version, parser))",
        "((written, ''), version, parser))",
        ("tests/test_ingest_versions.py",),
    ),
    Mutation(
        "manifests: v1 OptionalBigDecimal columns stored as text",
        f"{AWS}/manifests.py",
        '"optionalbigdecimal": "decimal",',
        '"optionalbigdecimal": "string",',
        (f"{AWS_TESTS}/test_column_types.py", "-k", "v1_column_class"),
    ),
    Mutation(
        "manifests: v1 BigDecimal columns stored as text",
        f"{AWS}/manifests.py",
        '"bigdecimal": "decimal",',
        '"bigdecimal": "string",',
        (f"{AWS_TESTS}/test_column_types.py", "-k", "v1_column_class"),
    ),
    Mutation(
        "manifests: v1 OptionalDateTime columns stored as text",
        f"{AWS}/manifests.py",
        '"optionaldatetime": "timestamp",',
        '"optionaldatetime": "string",',
        (f"{AWS_TESTS}/test_column_types.py", "-k", "v1_column_class"),
    ),
    Mutation(
        "manifests: v1 DateTime columns stored as text",
        f"{AWS}/manifests.py",
        '"datetime": "timestamp",',
        '"datetime": "string",',
        (f"{AWS_TESTS}/test_column_types.py", "-k", "v1_column_class"),
    ),
    Mutation(
        "manifests: v1 Interval columns parsed as timestamps",
        f"{AWS}/manifests.py",
        '"interval": "interval",',
        '"interval": "timestamp",',
        (f"{AWS_TESTS}/test_column_types.py", "-k", "v1_column_class"),
    ),
    Mutation(
        "manifests: CUR 2.0 doubles stored as text",
        f"{AWS}/manifests.py",
        'if t.startswith(("decimal", "double", "float", "bigdecimal", "numeric", "real")):',
        'if t.startswith(("decimal", "float", "bigdecimal", "numeric", "real")):',
        (f"{AWS_TESTS}/test_column_types.py", "-k", "2_0_declared"),
    ),
    Mutation(
        "manifests: CUR 2.0 dates read as timestamps",
        f"{AWS}/manifests.py",
        'if t == "date":',
        'if t == "dates":',
        (f"{AWS_TESTS}/test_column_types.py", "-k", "2_0_declared"),
    ),
    Mutation(
        "manifests: CUR 2.0 integers stored as text",
        f"{AWS}/manifests.py",
        'if t in ("bigint", "int", "integer", "long", "smallint", "tinyint"):',
        'if t in ("int", "integer", "long", "smallint", "tinyint"):',
        (f"{AWS_TESTS}/test_column_types.py", "-k", "2_0_declared"),
    ),
    Mutation(
        "manifests: CUR 2.0 maps read as plain text, not JSON",
        f"{AWS}/manifests.py",
        'if t.startswith(("map", "struct", "array", "json")):',
        'if t.startswith(("struct", "array", "json")):',
        (f"{AWS_TESTS}/test_column_types.py", "-k", "2_0_declared or generated_export"),
        equivalent="core types 'json' and 'string' are both Arrow string, and readers turn any nested Parquet "
                   "column (map, struct, list) into JSON text whatever the declared type",
    ),
    Mutation(
        "focus: BilledCost from unblended instead of net unblended cost",
        f"{AWS}/focus.py",
        '("billed", "coalesce(net_unblended_cost, unblended_cost, 0)")',
        '("billed", "coalesce(unblended_cost, net_unblended_cost, 0)")',
        (f"{AWS_TESTS}/test_focus_aws.py", "-k", "money_column or exports_totals"),
    ),
    Mutation(
        "focus: ListCost of usage from unblended instead of public on-demand cost",
        f"{AWS}/focus.py",
        "WHEN category = 'Usage' THEN coalesce(public_cost, unblended_cost, billed)",
        "WHEN category = 'Usage' THEN coalesce(unblended_cost, public_cost, billed)",
        (f"{AWS_TESTS}/test_focus_aws.py", "-k", "money_column or exports_totals"),
    ),
    Mutation(
        "focus: ListCost of usage from the billed cost",
        f"{AWS}/focus.py",
        "WHEN category = 'Usage' THEN coalesce(public_cost, unblended_cost, billed)",
        "WHEN category = 'Usage' THEN billed",
        (f"{AWS_TESTS}/test_focus_aws.py", "-k", "money_column or exports_totals"),
    ),
    Mutation(
        "focus: ContractedCost of reserved usage is its billed cost",
        f"{AWS}/focus.py",
        "WHEN line_item_type = 'DiscountedUsage' THEN list_cost\n",
        "WHEN line_item_type = 'DiscountedUsage' THEN billed\n",
        (f"{AWS_TESTS}/test_focus_aws.py", "-k", "money_column or exports_totals"),
    ),
    Mutation(
        "focus: ContractedCost is the list cost",
        f"{AWS}/focus.py",
        "THEN list_cost\n         ELSE billed END\"\"\"),",
        "THEN list_cost\n         ELSE list_cost END\"\"\"),",
        (f"{AWS_TESTS}/test_focus_aws.py", "-k", "money_column or exports_totals"),
    ),
    Mutation(
        "focus: ContractedUnitPrice ignores the net unblended rate",
        f"{AWS}/focus.py",
        "ELSE coalesce(CASE WHEN coalesce(net_unblended_rate, unblended_rate) >= 0\n"
        "                            THEN coalesce(net_unblended_rate, unblended_rate) END, list_unit_price)",
        "ELSE coalesce(CASE WHEN coalesce(unblended_rate, net_unblended_rate) >= 0\n"
        "                            THEN coalesce(unblended_rate, net_unblended_rate) END, list_unit_price)",
        (f"{AWS_TESTS}/test_focus_aws.py", "-k", "money_column or exports_totals"),
    ),
    Mutation(
        "focus: ListUnitPrice of usage from the unblended rate",
        f"{AWS}/focus.py",
        "ELSE coalesce(public_rate, CASE WHEN unblended_rate >= 0 THEN unblended_rate END) END",
        "ELSE coalesce(CASE WHEN unblended_rate >= 0 THEN unblended_rate END, public_rate) END",
        (f"{AWS_TESTS}/test_focus_aws.py", "-k", "money_column or exports_totals"),
    ),
    Mutation(
        "focus: EffectiveCost of reserved usage is its billed cost",
        f"{AWS}/focus.py",
        "WHEN 'DiscountedUsage' THEN coalesce(ri_effective_cost, 0)",
        "WHEN 'DiscountedUsage' THEN billed",
        (f"{AWS_TESTS}/test_focus_aws.py", "-k", "money_column or exports_totals"),
    ),
    Mutation(
        "focus: EffectiveCost of Savings Plan usage is its billed cost",
        f"{AWS}/focus.py",
        "WHEN 'SavingsPlanCoveredUsage' THEN coalesce(sp_effective_cost, 0)",
        "WHEN 'SavingsPlanCoveredUsage' THEN billed",
        (f"{AWS_TESTS}/test_focus_aws.py", "-k", "money_column or exports_totals"),
    ),
    Mutation(
        "focus: EffectiveCost of a negation is not zeroed",
        f"{AWS}/focus.py",
        "WHEN 'SavingsPlanNegation' THEN 0\n",
        "WHEN 'SavingsPlanNegation' THEN billed\n",
        (f"{AWS_TESTS}/test_focus_aws.py", "-k", "money_column or exports_totals"),
    ),
    Mutation(
        "focus: EffectiveCost of usage from unblended instead of net unblended cost",
        f"{AWS}/focus.py",
        "         ELSE billed END\"\"\"),\n    (\"consumed_quantity\",",
        "         ELSE coalesce(unblended_cost, billed) END\"\"\"),\n    (\"consumed_quantity\",",
        (f"{AWS_TESTS}/test_focus_aws.py", "-k", "money_column or exports_totals"),
    ),
    Mutation(
        "focus: PricingCurrencyEffectiveCost copies the billed cost",
        f"{AWS}/focus.py",
        '("PricingCurrencyEffectiveCost", "effective_cost")',
        '("PricingCurrencyEffectiveCost", "billed")',
        (f"{AWS_TESTS}/test_focus_aws.py", "-k", "money_column or exports_totals"),
    ),
    Mutation(
        "focus: PricingCurrencyListUnitPrice copies the contracted price",
        f"{AWS}/focus.py",
        '("PricingCurrencyListUnitPrice", "list_unit_price")',
        '("PricingCurrencyListUnitPrice", "contracted_unit_price")',
        (f"{AWS_TESTS}/test_focus_aws.py", "-k", "money_column or exports_totals"),
    ),
    Mutation(
        "focus: PricingCurrencyContractedUnitPrice copies the list price",
        f"{AWS}/focus.py",
        '("PricingCurrencyContractedUnitPrice", "contracted_unit_price")',
        '("PricingCurrencyContractedUnitPrice", "list_unit_price")',
        (f"{AWS_TESTS}/test_focus_aws.py", "-k", "money_column or exports_totals"),
    ),
    Mutation(
        "focus: the net reservation effective cost is not preferred",
        f"{AWS}/focus.py",
        'money("ri_effective_cost", "reservation_net_effective_cost", "reservation_effective_cost")',
        'money("ri_effective_cost", "reservation_effective_cost", "reservation_net_effective_cost")',
        ("plugins/aws/tests/test_focus_aws.py", "-k", "net_cost_where"),
    ),
    Mutation(
        "focus: the net Savings Plan effective cost is not preferred",
        f"{AWS}/focus.py",
        'money("sp_effective_cost", "savings_plan_net_savings_plan_effective_cost",\n'
        '          "savings_plan_savings_plan_effective_cost")',
        'money("sp_effective_cost", "savings_plan_savings_plan_effective_cost",\n'
        '          "savings_plan_net_savings_plan_effective_cost")',
        ("plugins/aws/tests/test_focus_aws.py", "-k", "net_cost_where"),
    ),
    Mutation(
        "focus: the unused reservation is amortised without its net recurring fee",
        f"{AWS}/focus.py",
        'money("ri_unused_recurring", "reservation_net_unused_recurring_fee", "reservation_unused_recurring_fee")',
        'money("ri_unused_recurring", "reservation_unused_recurring_fee", "reservation_net_unused_recurring_fee")',
        ("plugins/aws/tests/test_focus_aws.py", "-k", "net_cost_where"),
    ),
    # --- swap ----------------------------------------------------------------------------------------
    Mutation(
        "swap: single strategy keeps the old rows of a restated period",
        f"{CORE}/ingest/swap.py",
        '    sql.execute(f"DELETE FROM {sql.table(final)} WHERE {q(PERIOD_COLUMN)} = {sql.placeholder}", period)\n',
        "",
        (f"{AWS_TESTS}/test_import.py", "-k", "single_strategy"),
    ),
    Mutation(
        "swap: single strategy deletes every period, not just the restated one",
        f"{CORE}/ingest/swap.py",
        'sql.execute(f"DELETE FROM {sql.table(final)} WHERE {q(PERIOD_COLUMN)} = {sql.placeholder}", period)',
        'sql.execute(f"DELETE FROM {sql.table(final)} WHERE {q(PERIOD_COLUMN)} <> {sql.placeholder}", period)',
        (f"{AWS_TESTS}/test_import.py", "-k", "single_strategy"),
    ),
    Mutation(
        "swap: single strategy ignores a new column (schema drift)",
        f"{CORE}/ingest/swap.py",
        "        if name not in existing:",
        "        if False:",
        (INGEST_TESTS, "-k", "single_strategy"),
    ),
    Mutation(
        "swap: the unified view leaves out a period table",
        f"{CORE}/ingest/swap.py",
        "    present = [t for t in tables if sql.exists(t)]",
        "    present = [t for t in tables if sql.exists(t)][1:]",
        (INGEST_TESTS, "-k", "loaded_exactly"),
    ),
    Mutation(
        "swap: the staging table of a failed load is kept",
        f"{CORE}/ingest/engine.py",
        "            swap.drop_table(sql, staging)\n",
        "",
        (INGEST_TESTS, "-k", "failure_inside_the_swap"),
    ),
    # --- engine ---------------------------------------------------------------------------------------
    Mutation(
        "engine: a period whose current version differs is skipped anyway",
        f"{CORE}/ingest/engine.py",
        "return current is not None and current.version_id == version.version_id",
        "return current is not None",
        (INGEST_TESTS, "-k", "replaces_the_period_whole"),
    ),
    Mutation(
        "engine: a Ctrl-C is recorded as failed, not interrupted",
        f"{CORE}/ingest/engine.py",
        'status="interrupted" if isinstance(exc, KeyboardInterrupt) else "failed"',
        'status="failed"',
        (INGEST_TESTS, "-k", "ctrl_c"),
    ),
    Mutation(
        "engine: a period of no rows is loaded as empty",
        f"{CORE}/ingest/engine.py",
        'if counters["rows"] == 0:',
        "if False:",
        (f"{AWS_TESTS}/test_bad_input.py", "-k", "refused_in_one_line"),
    ),
    Mutation(
        "engine: a killed load's staging table is not dropped by the next import",
        f"{CORE}/ingest/engine.py",
        "            swap.drop_table(swap.duckdb_sql(self.con, destination.dataset), staging)",
        "            pass",
        (INGEST_TESTS, "-k", "killed_import"),
    ),
    Mutation(
        "engine: a wrong --export-format is not refused",
        f"{CORE}/ingest/engine.py",
        "if wanted and any(f.format != wanted for f in version.data_files):",
        "if False:",
        (f"{AWS_TESTS}/test_import.py", "-k", "format_that_does_not_match"),
    ),
    # --- state ----------------------------------------------------------------------------------------
    Mutation(
        "state: completing a new version leaves the old one current too",
        f"{CORE}/state.py",
        '" AND billing_period = ? AND destination IS NOT DISTINCT FROM ? AND is_current",',
        '" AND billing_period = ? AND destination IS NOT DISTINCT FROM ? AND FALSE",',
        ("tests/test_state.py",),
    ),
    Mutation(
        "state: the current version is looked up in any destination",
        f"{CORE}/state.py",
        '        params: list[Any] = [vendor, export_name, billing_period]\n        if destination is not None:\n'
        '            where += " AND destination = ?"\n            params.append(destination)\n',
        '        params: list[Any] = [vendor, export_name, billing_period]\n        if destination is not None:\n'
        "            pass\n",
        (INGEST_TESTS, "-k", "second_dataset"),
    ),
    Mutation(
        "state: a failure overwrites a load that already finished",
        f"{CORE}/state.py",
        '" WHERE load_id = ? AND status = \'running\'",',
        '" WHERE load_id = ?",',
        ("tests/test_state.py",),
    ),
    Mutation(
        "state: a load that is not running can be completed",
        f"{CORE}/state.py",
        '        if record.status != "running":',
        "        if False:",
        ("tests/test_state.py",),
    ),
    Mutation(
        "state: interrupted loads are left running",
        f"{CORE}/state.py",
        "f\"UPDATE {QUALIFIED} SET status = 'interrupted', finished_at = now(),\"",
        "f\"UPDATE {QUALIFIED} SET status = 'running', finished_at = now(),\"",
        ("tests/test_state.py",),
    ),
    # --- sql ------------------------------------------------------------------------------------------
    Mutation(
        "sql: a transaction that ends normally is rolled back",
        f"{CORE}/sql.py",
        '        raise\n    con.execute("COMMIT")',
        '        raise\n    con.execute("ROLLBACK")',
        ("tests/test_sql.py",),
    ),
    Mutation(
        "sql: a table that does not exist is reported present",
        f"{CORE}/sql.py",
        "        return bool(rows and rows[0][0])",
        "        return True",
        (INGEST_TESTS, "-k", "loaded_exactly or single_strategy"),
    ),
    # --- readers --------------------------------------------------------------------------------------
    Mutation(
        "readers: a CSV header that differs from the manifest is accepted",
        f"{CORE}/ingest/readers.py",
        "    if found != expected or len(header) != len(found):",
        "    if False:",
        (INGEST_TESTS, "-k", "header_differs"),
    ),
    Mutation(
        "readers: empty CSV cells are stored as empty text, not NULL",
        f"{CORE}/ingest/readers.py",
        'null_values=[""], strings_can_be_null=True, quoted_strings_can_be_null=False,',
        'null_values=[""], strings_can_be_null=False, quoted_strings_can_be_null=False,',
        (f"{AWS_TESTS}/test_column_types.py", "-k", "v1_column_class"),
    ),
    Mutation(
        "readers: Parquet text that is not UTF-8 is not checked",
        f"{CORE}/ingest/readers.py",
        "                _check_text(batch.column(i), file_names[i], rows)",
        "                pass",
        ("tests/test_not_utf8.py",),
    ),
    Mutation(
        "readers: CSV text that is not UTF-8 is refused without its line and value",
        f"{CORE}/ingest/readers.py",
        "            raise _not_utf8(path, compression, key) or _csv_error(exc, key) from None",
        "            raise _csv_error(exc, key) from None",
        ("tests/test_not_utf8.py",),
    ),
    Mutation(
        "readers: a gzip file cut short is not told from one that is not gzip",
        f"{CORE}/ingest/readers.py",
        "    if isinstance(exc, EOFError):  # the stream ends before its end marker",
        "    if False:",
        ("tests/test_gzip_files.py", "-k", "truncated"),
    ),
    Mutation(
        "readers: decimals stored as doubles",
        f"{CORE}/ingest/readers.py",
        '    "decimal": DECIMAL,',
        '    "decimal": pa.float64(),',
        (INGEST_TESTS, "-k", "loaded_exactly"),
    ),
    Mutation(
        "readers: a declared column missing from a Parquet file is not refused",
        f"{CORE}/ingest/readers.py",
        "        if idx is None:\n            raise SourceError(",
        "        if idx is None:\n            idx = 0\n        if False:\n            raise SourceError(",
        ("tests/test_ingest_parquet_columns.py",),
    ),
    # --- manifests ------------------------------------------------------------------------------------
    Mutation(
        "manifests: a CUR 2.0 manifest in another period's folder is accepted",
        f"{AWS}/manifests.py",
        "    if folder[1] != period:",
        "    if False:",
        (f"{AWS_TESTS}/test_manifests.py",),
    ),
    Mutation(
        "manifests: the billing period is read from the end date",
        f"{AWS}/manifests.py",
        '    day = _date(key, _field(doc, key, "billingPeriod", dict), "start")',
        '    day = _date(key, _field(doc, key, "billingPeriod", dict), "end")',
        (f"{AWS_TESTS}/test_manifests.py",),
    ),
    Mutation(
        "manifests: the v1 version id is the report id, not the assembly id",
        f"{AWS}/manifests.py",
        '    assembly_id = _field(doc, key, "assemblyId", str)',
        '    assembly_id = str(doc.get("reportId") or "report")',
        (f"{AWS_TESTS}/test_manifests.py",),
    ),
    Mutation(
        "decimals: text goes straight to decimal128, where pyarrow wraps values past 2**127 at 18 places",
        f"{CORE}/ingest/decimals.py",
        "    return target.precision - target.scale if pa.types.is_decimal128(target) else 0",
        "    return MAX_CAST_LENGTH if pa.types.is_decimal128(target) else 0",
        ("tests/test_exact_money.py", "-k", "does_not_fit"),
    ),
    Mutation(
        "decimals: a text with a far exponent goes through pyarrow's cast, which reads it as another number",
        f"{CORE}/ingest/decimals.py",
        "    if longest is not None and longest <= MAX_CAST_LENGTH:",
        "    if True:",
        # Not the property tests: pyarrow's cast crashes the process on some texts (an exponent of 10**12).
        ("tests/test_decimals.py", "-k", "another_number"),
    ),
    Mutation(
        "decimals: a double too small or too large for the target goes through pyarrow's cast",
        f"{CORE}/ingest/decimals.py",
        "    if pc.any(outside).as_py():",
        "    if False:",
        ("tests/test_decimals.py", "-k", "double"),
    ),
    Mutation(
        "duckdb_parquet: a double DuckDB reads is loaded as its decimal even when that does not read back as it",
        f"{CORE}/ingest/duckdb_parquet.py",
        """            f"THEN error('{_REFUSED}') ELSE {converted} END")""",
        """            f"THEN {converted} ELSE {converted} END")""",
        ("tests/test_duckdb_parquet.py", "-k", "double"),
    ),
    Mutation(
        "duckdb_parquet: a timestamp without a time zone is read by DuckDB, in its session's time zone",
        f"{CORE}/ingest/duckdb_parquet.py",
        'file_type.tz is not None and target.tz is not None and file_type.unit != "ns"',
        'target.tz is not None and file_type.unit != "ns"',
        ("tests/test_duckdb_parquet.py", "-k", "left_to_readers"),
    ),
    Mutation(
        "duckdb_parquet: a path DuckDB reads as a pattern is handed to it (a[1].parquet reads a1.parquet)",
        f"{CORE}/ingest/duckdb_parquet.py",
        "    return not _PATTERN.intersection(str(path.absolute()))",
        "    return True",
        ("tests/test_duckdb_parquet.py", "-k", "pattern"),
    ),
    # --- the warehouse (issue 18) -------------------------------------------------------------------------
    Mutation(
        "engine: the unified view is rebuilt from this data directory's state only, not the warehouse",
        f"{CORE}/ingest/swap.py",
        "tables = {t for t in sql.tables() if names.is_period_table(t)} | set(known) | {final}",
        "tables = set(known) | {final}",
        (f"{AWS_TESTS}/test_postgres_warehouse.py",),
    ),
    Mutation(
        "sql: the PostgreSQL swap waits for a reading session's lock longer than lock_timeout",
        f"{CORE}/sql.py",
        """        client.execute_sql(f"SET LOCAL lock_timeout = '{max(1, round(seconds * 1000))}ms'")""",
        """        client.execute_sql("SET LOCAL lock_timeout = '90s'")""",
        (f"{AWS_TESTS}/test_postgres_locks.py", "-k", "view"),
    ),
    Mutation(
        "warehouse: the dbt model is not given the CUR v1 tag keys from the load's headers",
        f"{CORE}/focus/warehouse.py",
        '             "tag_keys": dict(s.tag_keys)}',
        '             "tag_keys": {}}',
        (f"{AWS_TESTS}/test_focus_dbt.py", "-k", "duckdb_builds"),
    ),
    Mutation(
        "focus build -d postgres does not read the server's own load state",
        f"{CORE}/cli/focus_cmd.py",
        "            read(server)\n",
        "            pass\n",
        (f"{AWS_TESTS}/test_focus_dbt.py", "-k", "postgres_runs or export_refuses"),
    ),
    # --- FOCUS tag keys and AWS's own FOCUS export (issue 12) ---------------------------------------------
    Mutation(
        "engine: a load's column names as its manifest spelled them are not recorded",
        f"{CORE}/ingest/engine.py",
        "            self.state.record_columns(load_id, zip(plan.names, plan.source_names, strict=True))\n",
        "",
        (INGEST_TESTS, "-k", "records_its_columns"),
    ),
    Mutation(
        "focus: a CUR v1 tag key comes from the snake_case column name, not its header",
        f"{AWS}/focus.py",
        '              source_renames=(("resourceTags/user:", ""), ("resourceTags/", "")))',
        '              source_renames=())',
        (f"{AWS_TESTS}/test_focus_aws.py", "-k", "tag_keys or any_user_tag"),
    ),
    Mutation(
        "focus: AWS's FOCUS export ranks as a converted export",
        f"{AWS}/focus.py",
        "            preference, transform_version = NATIVE_FOCUS, NATIVE_TRANSFORM_VERSION",
        "            preference, transform_version = 0, NATIVE_TRANSFORM_VERSION",
        (f"{AWS_TESTS}/test_focus_export_source.py", "-k", "counted_once"),
    ),
    Mutation(
        "focus: a FOCUS export in a single table is not filtered to the period",
        f"{AWS}/focus.py",
        '        return sql + " WHERE billing_period = ?", [billing_period]',
        "        return sql, []",
        (f"{AWS_TESTS}/test_focus_export_source.py", "-k", "single"),
    ),
    Mutation(
        "manifests: every FOCUS export is taken for FOCUS 1.0",
        f"{AWS}/manifests.py",
        "    return max(versions, key=lambda v: tuple(int(p) for p in v.split(\".\")))",
        '    return "1.0"',
        (f"{AWS_TESTS}/test_focus_export_source.py", "-k", "passed_through"),
    ),
)
