"""The README's first command: `finops aws demo` generates samples, imports them and shows the totals."""

from __future__ import annotations

from decimal import Decimal

from open_finops.naming import unified_view


def test_demo_loads_both_cur_versions_then_finds_nothing_new(finops, query):
    first = finops("aws", "demo", "--rows-per-month", "400", "--data-dir", "data", "--quiet")

    assert first.code == 0, first.err
    assert first.out.count("loaded 400 rows") == 6
    assert "Unblended cost by billing period" in first.out
    totals = query(f"SELECT billing_period, count(*) FROM aws_cur.{unified_view('demo-cur-v1')} GROUP BY 1 ORDER BY 1")
    assert totals == [("2024-01", 400), ("2024-02", 400), ("2024-03", 400)]

    second = finops("aws", "demo", "--rows-per-month", "400", "--data-dir", "data", "--quiet")

    assert second.code == 0
    assert second.out.count("up to date") == 6 and "loaded" not in second.out


def test_the_query_the_demo_suggests_runs_with_finops_query(finops):
    import shlex

    demo = finops("aws", "demo", "--rows-per-month", "200", "--data-dir", "elsewhere", "--quiet")
    suggested = next(line for line in demo.out.splitlines() if line.startswith("Query it: "))
    argv = shlex.split(suggested.removeprefix("Query it: "))

    assert argv[:4] == ["finops", "query", "--data-dir", "elsewhere"]  # the default data_dir needs no flag
    answered = finops(*argv[1:], "--json")
    assert answered.code == 0, answered.err
    rows = answered.json()
    assert {r["billing_period"] for r in rows} == {"2024-01", "2024-02", "2024-03"}
    assert sum(Decimal(r["sum(line_item_unblended_cost)"]) for r in rows) > 0


def test_generate_sample_reports_what_it_wrote(finops, tmp_path):
    result = finops("aws", "generate-sample", tmp_path / "out", "-v", "v2", "-f", "parquet", "-m", "3",
                    "--rows-per-month", "300", "--json")

    assert result.code == 0, result.err
    summary = result.json()
    assert [p["billing_period"] for p in summary["periods"]] == ["2024-01", "2024-02", "2024-03"]
    assert all(p["rows"] == 300 and Decimal(p["unblended_cost"]) > 0 for p in summary["periods"])
    assert all((tmp_path / "out" / p["manifest_key"]).is_file() for p in summary["periods"])


def test_generate_sample_refuses_a_bad_month(finops, tmp_path):
    result = finops("aws", "generate-sample", tmp_path / "out", "-s", "2024-13")
    assert result.code == 2 and "YYYY-MM" in result.err


def test_the_demo_regenerates_its_samples_when_another_size_is_asked_for_and_says_so(finops, query):
    assert finops("aws", "demo", "--rows-per-month", "100", "--data-dir", "data", "--quiet").code == 0

    bigger = finops("aws", "demo", "--rows-per-month", "150", "--data-dir", "data", "--quiet")

    assert bigger.code == 0, bigger.err
    assert "Regenerating sample export demo-cur-v1: 150 rows a month requested, 100 on disk" in bigger.out
    assert bigger.out.count("loaded 150 rows") == 6
    for name in ("demo-cur-v1", "demo-cur-v2"):
        counts = query(f"SELECT billing_period, count(*) FROM aws_cur.{unified_view(name)} GROUP BY 1 ORDER BY 1")
        assert counts == [("2024-01", 150), ("2024-02", 150), ("2024-03", 150)]
