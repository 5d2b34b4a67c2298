"""Write realistic sample Cost Management exports with known totals (``finops azure generate-sample``).

A sample is laid out as a storage container holds it, in either layout (a manifest per run, or the older
``<export>_<guid>.csv`` files), for any of the three cost datasets, in CSV, CSV.gz or Parquet. Values are
drawn from a seeded generator: the same arguments write the same rows, and the totals returned are the
sums of the very strings (or doubles) written, so a test compares what was loaded with them exactly.
"""

from __future__ import annotations

import calendar
import csv
import gzip
import io
import json
import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from open_finops.api import UsageError
from open_finops_azure.columns import EA_ACTUAL, FOCUS_1_2_PREVIEW, MCA_ACTUAL

DATASETS = {"actual": "ActualCost", "amortized": "AmortizedCost", "focus": "FocusCost"}
AGREEMENTS = ("ea", "mca")
FORMATS = ("csv", "csv.gz", "parquet")
LAYOUTS = ("manifest", "legacy")
COMPRESSION = {"csv": "None", "csv.gz": "Gzip", "parquet": "Snappy"}  # deliveryConfig.compressionMode
SERVICES = (  # (meter category, FOCUS service name, FOCUS category, unit, list price, FOCUS subcategory)
    ("Virtual Machines", "Virtual Machines", "Compute", "1 Hour", Decimal("0.192"), "Virtual Machines"),
    ("Storage", "Storage Accounts", "Storage", "1 GB/Month", Decimal("0.0184"), "Object Storage"),
    ("Azure App Service", "App Service", "Compute", "1 Hour", Decimal("0.075"), "Other (Compute)"),
    ("SQL Database", "SQL Database", "Databases", "1 Hour", Decimal("0.5044"), "Relational Databases"),
    ("Bandwidth", "Bandwidth", "Networking", "1 GB", Decimal("0.087"), "Network Connectivity"),
)
BILLING_ACCOUNT = "8611537"
SUBSCRIPTIONS = ("00000000-0000-0000-0000-0000000000a1", "00000000-0000-0000-0000-0000000000b2")


@dataclass
class PeriodTotals:
    rows: int
    actual_cost: Decimal  # sum of the billed (actual) cost column
    amortized_cost: Decimal  # sum of the amortized (effective) cost column
    run_id: str
    manifest_key: str | None
    data_keys: list[str] = field(default_factory=list)


@dataclass
class Sample:
    export_name: str
    dataset: str
    periods: dict[str, PeriodTotals]


def _money(rng: random.Random, price: Decimal) -> tuple[Decimal, Decimal]:
    quantity = Decimal(rng.randint(1, 240_000)) / Decimal(1000)
    return quantity, (quantity * price).quantize(Decimal("0.000001"))


def _rows(rng: random.Random, dataset: str, agreement: str, period: str, count: int) -> tuple[list[dict], Decimal,
                                                                                             Decimal]:
    """One month's rows; a reservation bought on the 1st is a purchase row in actual cost and spread over
    its usage in amortized cost (Microsoft's amortization), so the two totals differ the way they do."""
    year, month = int(period[:4]), int(period[5:7])
    days = calendar.monthrange(year, month)[1]
    start = datetime(year, month, 1, tzinfo=UTC)
    end = start + timedelta(days=days)
    rows, actual, amortized = [], Decimal(0), Decimal(0)
    reservation = "4f6c2a5e-1111-4222-8333-944455556666"
    purchase = Decimal("150.000000")
    for i in range(count):
        category, service, service_category, unit, price, subcategory = SERVICES[i % len(SERVICES)]
        quantity, cost = _money(rng, price)
        day = start + timedelta(days=i % days)
        on_reservation = category == "Virtual Machines" and i % 2 == 0 and i > 0
        billed = Decimal(0) if on_reservation else cost
        effective = cost
        rows.append({"i": i, "category": category, "service": service, "service_category": service_category,
                     "subcategory": subcategory, "unit": unit, "price": price, "quantity": quantity,
                     "billed": billed, "effective": effective,
                     "day": day, "reservation": reservation if on_reservation else "", "charge": "Usage",
                     "subscription": SUBSCRIPTIONS[i % 2]})
    if count > 1:
        rows.append({"i": count, "category": "Virtual Machines", "service": "Virtual Machines",
                     "service_category": "Compute", "subcategory": "Virtual Machines", "unit": "1 Hour",
                     "price": purchase, "quantity": Decimal(1),
                     "billed": purchase, "effective": Decimal(0), "day": start, "reservation": reservation,
                     "charge": "Purchase", "subscription": SUBSCRIPTIONS[0]})
    for row in rows:
        row.update(start=start, end=end)
        actual += row["billed"]
        amortized += row["effective"]
    return rows, actual, amortized


def _ea(row: dict, amortized: bool) -> dict[str, object]:
    cost = row["effective"] if amortized else row["billed"]
    day = row["day"]
    values = {name: "" for name in EA_ACTUAL}
    values.update({
        "InvoiceSectionName": "Engineering", "AccountName": "Platform", "AccountOwnerId": "owner@example.com",
        "SubscriptionId": row["subscription"], "SubscriptionName": "prod", "ResourceGroup": "rg-app",
        "ResourceLocation": "EastUS", "Date": f"{day:%m/%d/%Y}", "ProductName": row["service"],
        "MeterCategory": row["category"], "MeterName": "D2s v3", "MeterRegion": "US East",
        "UnitOfMeasure": row["unit"], "Quantity": row["quantity"], "EffectivePrice": row["price"],
        "CostInBillingCurrency": cost, "ConsumedService": "Microsoft.Compute",
        "ResourceId": f"/subscriptions/{row['subscription']}/resourceGroups/rg-app/providers/x/r{row['i'] % 7}",
        "Tags": '{"env": "prod"}' if row["i"] % 3 else "", "ResourceName": f"r{row['i'] % 7}",
        "ReservationId": row["reservation"], "ReservationName": "vm-ri" if row["reservation"] else "",
        "UnitPrice": row["price"], "PublisherType": "Azure", "PublisherName": "Microsoft",
        "ChargeType": row["charge"], "Frequency": "OneTime" if row["charge"] == "Purchase" else "UsageBased",
        "PricingModel": "Reservation" if row["reservation"] else "OnDemand",
        "BillingAccountId": BILLING_ACCOUNT, "BillingAccountName": "Contoso", "BillingCurrencyCode": "USD",
        "BillingPeriodStartDate": f"{row['start']:%m/%d/%Y}",
        "BillingPeriodEndDate": f"{row['end'] - timedelta(days=1):%m/%d/%Y}", "BillingProfileId": BILLING_ACCOUNT,
        "BillingProfileName": "Contoso", "IsAzureCreditEligible": "True", "PayGPrice": row["price"],
        "ServiceFamily": row["service_category"],
    })
    return values


def _mca(row: dict, amortized: bool) -> dict[str, object]:
    ea = _ea(row, amortized)
    by_lower = {k.lower(): v for k, v in ea.items()}
    values = {name: by_lower.get(name.lower(), "") for name in MCA_ACTUAL}
    values.update({"billingCurrency": "USD", "pricingCurrency": "USD",
                   "costInPricingCurrency": ea["CostInBillingCurrency"],
                   "costInUsd": ea["CostInBillingCurrency"], "exchangeRatePricingToBilling": Decimal(1),
                   "resourceGroupName": "rg-app", "date": ea["Date"], "location": "US East", "provider": "Azure"})
    return values


def _focus(row: dict) -> dict[str, object]:
    def iso(moment: datetime) -> str:
        return f"{moment:%Y-%m-%dT%H:%M:%SZ}"

    purchase = row["charge"] == "Purchase"
    values = {name: "" for name in FOCUS_1_2_PREVIEW}
    values.update({
        "BilledCost": row["billed"], "EffectiveCost": row["effective"], "ListCost": row["quantity"] * row["price"],
        "ContractedCost": row["quantity"] * row["price"], "ListUnitPrice": row["price"],
        "ContractedUnitPrice": row["price"], "PricingQuantity": row["quantity"], "ConsumedQuantity": row["quantity"],
        "BillingAccountId": BILLING_ACCOUNT, "BillingAccountName": "Contoso", "BillingAccountType": "Billing Account",
        "BillingCurrency": "USD", "BillingPeriodStart": iso(row["start"]), "BillingPeriodEnd": iso(row["end"]),
        "ChargeCategory": "Purchase" if purchase else "Usage",
        "ChargeFrequency": "One-Time" if purchase else "Usage-Based",
        "ChargePeriodStart": iso(row["day"]), "ChargePeriodEnd": iso(row["day"] + timedelta(days=1)),
        "ChargeDescription": f"{row['service']} {row['unit']}",
        "CommitmentDiscountId": row["reservation"], "CommitmentDiscountType": "Reservation" if row["reservation"]
        else "", "CommitmentDiscountCategory": "Usage" if row["reservation"] else "",
        "CommitmentDiscountStatus": "Used" if row["reservation"] and not purchase else "",
        "PricingCategory": "Committed" if row["reservation"] and not purchase else "Standard",
        "PricingUnit": row["unit"], "ConsumedUnit": row["unit"], "ProviderName": "Microsoft",
        "PublisherName": "Microsoft", "InvoiceIssuerName": "Microsoft", "RegionId": "eastus", "RegionName": "East US",
        "ResourceId": f"/subscriptions/{row['subscription']}/resourcegroups/rg-app/providers/x/r{row['i'] % 7}",
        "ResourceName": f"r{row['i'] % 7}", "ResourceType": row["service"],
        "ServiceName": row["service"], "ServiceCategory": row["service_category"],
        "ServiceSubcategory": row["subcategory"],
        "SubAccountId": f"/subscriptions/{row['subscription']}", "SubAccountName": "prod",
        "SubAccountType": "Subscription", "Tags": '{"env":"prod"}' if row["i"] % 3 else "{}",
        "x_BilledCostInUsd": row["billed"], "x_EffectiveCostInUsd": row["effective"], "x_PricingCurrency": "USD",
        "x_ResourceGroupName": "rg-app", "x_SkuMeterCategory": row["category"],
    })
    return values


def _table(dataset: str, agreement: str, rows: list[dict]) -> tuple[list[str], list[dict[str, object]]]:
    if dataset == "focus":
        return list(FOCUS_1_2_PREVIEW), [_focus(r) for r in rows]
    if agreement == "mca":
        return list(MCA_ACTUAL), [_mca(r, dataset == "amortized") for r in rows]
    return list(EA_ACTUAL), [_ea(r, dataset == "amortized") for r in rows]


def _write(path: Path, header: list[str], records: list[dict[str, object]], fmt: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        # Azure's Parquet holds money as doubles; the import reads each as the decimal its writer printed.
        columns = {}
        for name in header:
            values = [r[name] for r in records]
            if any(isinstance(v, Decimal) for v in values):
                columns[name] = pa.array([float(v) if v != "" else None for v in values], pa.float64())
            else:
                columns[name] = pa.array([str(v) if v != "" else None for v in values], pa.string())
        pq.write_table(pa.table(columns), path, compression="snappy")
        return
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(header)
    for r in records:
        writer.writerow([r[name] for name in header])
    data = text.getvalue().encode()
    path.write_bytes(gzip.compress(data, mtime=0) if fmt == "csv.gz" else data)


def _total(records: list[dict[str, object]], column: str, fmt: str) -> Decimal:
    """The sum of what the files hold: a double's shortest repr in Parquet, the string in CSV."""
    values = [r[column] for r in records if r[column] != ""]
    return sum((Decimal(repr(float(v))) if fmt == "parquet" else Decimal(str(v)) for v in values), Decimal(0))


def generate_sample(root: Path, *, export_name: str = "sample-actual", prefix: str = "exports",
                    dataset: str = "actual", agreement: str = "ea", data_format: str = "csv",
                    layout: str = "manifest", periods: list[str] | None = None, rows_per_period: int = 1_000,
                    files_per_period: int = 2, runs: int = 1, seed: int = 0,
                    submitted: datetime | None = None) -> Sample:
    """Write the sample under ``root`` (the container's contents) and return its totals per period.

    ``runs`` > 1 writes that many runs of each month (the last one current, with a distinct row count);
    ``submitted`` is the first run's ``runInfo.submittedTime``.
    """
    for value, allowed, flag in ((dataset, DATASETS, "--dataset-type"), (agreement, AGREEMENTS, "--agreement"),
                                 (data_format, FORMATS, "--export-format"), (layout, LAYOUTS, "--layout")):
        if value not in allowed:
            raise UsageError(f"{flag} {value!r} is not one of {', '.join(allowed)}")
    if layout == "legacy" and data_format != "csv":
        raise UsageError("the older layout (--layout legacy) holds CSV files only")
    rng = random.Random(seed)
    periods = periods or ["2024-01"]
    base = PurePrefix(prefix, export_name)
    first_submitted = submitted or datetime(2024, 2, 3, 16, 48, 35, tzinfo=UTC)
    out: dict[str, PeriodTotals] = {}
    for period in periods:
        year, month = int(period[:4]), int(period[5:7])
        last = calendar.monthrange(year, month)[1]
        folder = f"{base}/{year:04d}{month:02d}01-{year:04d}{month:02d}{last:02d}"
        for run in range(runs):
            count = rows_per_period + run  # each run restates the month with one row more
            rows, _, _ = _rows(rng, dataset, agreement, period, count)
            header, records = _table(dataset, agreement, rows)
            billed_col = "BilledCost" if dataset == "focus" else (
                "costInBillingCurrency" if agreement == "mca" else "CostInBillingCurrency")
            effective_col = "EffectiveCost" if dataset == "focus" else billed_col
            run_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            when = first_submitted + timedelta(days=run + 31 * periods.index(period))
            totals = PeriodTotals(rows=len(records), actual_cost=_total(records, billed_col, data_format),
                                  amortized_cost=_total(records, effective_col, data_format), run_id=run_id,
                                  manifest_key=None)
            if layout == "legacy":
                key = f"{folder}/{export_name}_{run_id}.csv"
                _write(root / key, header, records, "csv")
                totals.data_keys.append(key)
                out[period] = totals
                continue
            run_folder = f"{folder}/{when:%Y%m%d%H%M}/{run_id}"
            suffix = {"csv": ".csv", "csv.gz": ".csv.gz", "parquet": ".snappy.parquet"}[data_format]
            parts = max(1, min(files_per_period, len(records)))
            size = -(-len(records) // parts)
            blobs = []
            for n in range(parts):
                chunk = records[n * size:(n + 1) * size]
                key = f"{run_folder}/part_0_{n + 1:04d}{suffix}"
                _write(root / key, header, chunk, data_format)
                totals.data_keys.append(key)
                blobs.append({"blobName": key, "byteCount": (root / key).stat().st_size, "dataRowCount": len(chunk)})
            manifest = {
                "manifestVersion": "2024-04-01", "byteCount": sum(b["byteCount"] for b in blobs),
                "blobCount": len(blobs), "dataRowCount": len(records),
                "exportConfig": {"exportName": export_name, "resourceId": f"/providers/Microsoft.Billing/"
                                 f"billingAccounts/{BILLING_ACCOUNT}/providers/Microsoft.CostManagement/exports/"
                                 f"{export_name}", "dataVersion": "1.2-preview" if dataset == "focus"
                                 else "2024-08-01", "apiVersion": "2023-07-01-preview", "type": DATASETS[dataset],
                                 "timeFrame": "MonthToDate", "granularity": "Daily"},
                "deliveryConfig": {"partitionData": True, "dataOverwriteBehavior": "CreateNewReport",
                                   "fileFormat": "Parquet" if data_format == "parquet" else "Csv",
                                   "compressionMode": COMPRESSION[data_format],
                                   "containerUri": "/subscriptions/x/resourceGroups/x/providers/Microsoft.Storage/"
                                                   "storageAccounts/x", "rootFolderPath": prefix},
                "runInfo": {"executionType": "Scheduled", "submittedTime": f"{when:%Y-%m-%dT%H:%M:%S}.8845785Z",
                            "runId": run_id, "startDate": f"{period}-01T00:00:00",
                            "endDate": f"{period}-{last:02d}T00:00:00"},
                "blobs": blobs,
            }
            totals.manifest_key = f"{run_folder}/manifest.json"
            (root / totals.manifest_key).write_text(json.dumps(manifest, indent=2))
            out[period] = totals
    return Sample(export_name=export_name, dataset=DATASETS[dataset], periods=out)


def PurePrefix(prefix: str, export_name: str) -> str:  # noqa: N802 - reads as a path
    return "/".join(p.strip("/") for p in (prefix, export_name) if p and p.strip("/"))
