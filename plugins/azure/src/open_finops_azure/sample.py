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
import zlib
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
# (meter category, unit, list price, ARM resource type); names and FOCUS categories come from the transform's
# own table, so a FocusCost sample and the conversion of its actual/amortized twins agree.
METERS = (
    ("Virtual Machines", "1 Hour", Decimal("0.192"), "Microsoft.Compute/virtualMachines"),
    ("Storage", "1 GB/Month", Decimal("0.0184"), "Microsoft.Storage/storageAccounts"),
    ("Azure App Service", "1 Hour", Decimal("0.075"), "Microsoft.Web/sites"),
    ("SQL Database", "1 Hour", Decimal("0.5044"), "Microsoft.Sql/servers"),
    ("Bandwidth", "1 GB", Decimal("0.087"), "Microsoft.Network/publicIPAddresses"),
)
BILLING_ACCOUNT = "8611537"  # EA enrollment, FOCUS BillingAccountId of EA
MCA_ACCOUNT = "a1b2c3d4-0000-4000-8000-00000000e5f6:0c1d2e3f-0000-4000-8000-000000000a9b_2019-05-31"
BILLING_PROFILE = "ABCD-EFGH-IJK-LMN"  # MCA billing profile, FOCUS BillingAccountId of MCA
SUBSCRIPTIONS = ("00000000-0000-0000-0000-0000000000a1", "00000000-0000-0000-0000-0000000000b2")
RESERVATION = ("/providers/Microsoft.Capacity/reservationOrders/5e1d0c9a-2222-4333-8444-955566667777/"
               "reservations/4f6c2a5e-1111-4222-8333-944455556666", "vm-ri")
SAVINGS_PLAN = ("/providers/Microsoft.BillingBenefits/savingsPlanOrders/7a8b9c0d-3333-4444-8555-a66677778888/"
                "savingsPlans/1a2b3c4d-4444-4555-8666-b77788889999", "compute-sp")
MARKETPLACE = "Contoso Firewall (Marketplace)"


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


def focus_unit(unit_of_measure: str) -> str:
    from open_finops_azure.cost_details import focus_unit as unit

    return unit(unit_of_measure)


def _service(meter_category: str) -> tuple[str, str, str]:
    """(ServiceName, ServiceCategory, ServiceSubcategory) as the FOCUS transform maps the meter category."""
    from open_finops_azure.cost_details import SERVICES

    found = next((row[1:] for row in SERVICES if row[0] == meter_category), None)
    return found or (meter_category, "Other", "Other (Other)")


def _money(rng: random.Random, price: Decimal) -> tuple[Decimal, Decimal]:
    quantity = Decimal(rng.randint(1, 240_000)) / Decimal(1000)
    return quantity, (quantity * price).quantize(Decimal("0.000001"))


def _charge(i: int, meter: tuple, quantity: Decimal, day: datetime, **kw: object) -> dict:
    category, unit, price, arm_type = meter
    row = {"i": i, "category": category, "unit": unit, "price": price, "quantity": quantity, "day": day,
           "arm_type": arm_type, "charge": "Usage", "model": "OnDemand", "benefit": ("", ""),
           "frequency": "UsageBased", "product": category, "publisher": ("Azure", "Microsoft"),
           "subscription": SUBSCRIPTIONS[i % 2]}
    row.update(kw)
    return row


def _rows(rng: random.Random, period: str, count: int) -> list[dict]:
    """One month's charges, each with its cost in the actual cost dataset (``actual``, None where that dataset
    has no such row) and in the amortized one (``amortized``), the way Cost Management writes them:

    * usage on demand, and a marketplace purchase: the same row and cost in both;
    * usage a reservation or savings plan covers: 0 in actual cost, its share of the commitment in amortized;
    * the commitment purchases (a reservation bought upfront, a savings plan paid monthly) and a refund of
      part of the reservation (negative): in actual cost only, amortization spreads them;
    * the commitment left unused (UnusedReservation, UnusedSavingsPlan): in amortized cost only.

    Costs carry up to 14 decimal places (the amortized share of a commitment) and some are negative."""
    year, month = int(period[:4]), int(period[5:7])
    days = calendar.monthrange(year, month)[1]
    start = datetime(year, month, 1, tzinfo=UTC)
    rows = []
    for i in range(count):
        meter = METERS[i % len(METERS)]
        quantity, cost = _money(rng, meter[2])
        day = start + timedelta(days=i % days)
        if meter[0] == "Virtual Machines" and i % 2 == 0 and i > 0:
            # covered by the reservation (even rows) or the savings plan: amortized at an effective rate
            benefit, model = (RESERVATION, "Reservation") if i % 4 == 0 else (SAVINGS_PLAN, "SavingsPlan")
            share = (cost * Decimal("0.6180339887")).quantize(Decimal("0.00000000000001"))
            rows.append(_charge(i, meter, quantity, day, actual=Decimal(0), amortized=share, model=model,
                                benefit=benefit))
        else:
            rows.append(_charge(i, meter, quantity, day, actual=cost, amortized=cost))
    if count > 1:
        vm = METERS[0]
        one = Decimal(1)
        rows += [
            _charge(count, vm, one, start, actual=Decimal("150.000000"), amortized=None, charge="Purchase",
                    model="Reservation", benefit=RESERVATION, frequency="OneTime", product="Reserved VM Instance"),
            _charge(count + 1, vm, one, start, actual=Decimal("73.000000"), amortized=None, charge="Purchase",
                    model="SavingsPlan", benefit=SAVINGS_PLAN, frequency="Recurring", product="Savings plan"),
            _charge(count + 2, vm, one, start + timedelta(days=days - 1), actual=Decimal("-12.3456789"),
                    amortized=None, charge="Refund", model="Reservation", benefit=RESERVATION, frequency="OneTime",
                    product="Reserved VM Instance"),
            _charge(count + 3, vm, Decimal("7.25"), start + timedelta(days=days - 1), actual=None,
                    amortized=Decimal("1.39200000000001"), charge="UnusedReservation", model="Reservation",
                    benefit=RESERVATION),
            _charge(count + 4, vm, Decimal("3.5"), start + timedelta(days=days - 1), actual=None,
                    amortized=Decimal("0.67199999999999"), charge="UnusedSavingsPlan", model="SavingsPlan",
                    benefit=SAVINGS_PLAN),
            _charge(count + 5, ("", "1 Month", Decimal("49.99"), ""), one, start, actual=Decimal("49.99"),
                    amortized=Decimal("49.99"), charge="Purchase", frequency="Recurring", product=MARKETPLACE,
                    publisher=("Marketplace", "Contoso Security")),
        ]
    for row in rows:
        row.update(start=start, end=start + timedelta(days=days))
        commitment = row["model"] in ("Reservation", "SavingsPlan")
        # Microsoft's conversion: the amortized rows, and the actual rows amortization leaves out.
        from_actual = commitment and row["charge"] in ("Purchase", "Refund")
        row["in_focus"] = from_actual or row["amortized"] is not None
        row["billed"] = (Decimal(0) if commitment and row["charge"] != "Purchase" and row["charge"] != "Refund"
                         else row["actual"] if from_actual else row["amortized"])
        row["effective"] = Decimal(0) if from_actual else row["amortized"]
    return rows


def _ea(row: dict, amortized: bool) -> dict[str, object]:
    cost = row["amortized"] if amortized else row["actual"]
    day = row["day"]
    resource = "" if not row["arm_type"] else (
        f"/subscriptions/{row['subscription']}/resourceGroups/rg-app/providers/{row['arm_type']}/r{row['i'] % 7}")
    values = {name: "" for name in EA_ACTUAL}
    values.update({
        "InvoiceSectionName": "Engineering", "AccountName": "Platform", "AccountOwnerId": "owner@example.com",
        "SubscriptionId": row["subscription"], "SubscriptionName": "prod", "ResourceGroup": "rg-app",
        "ResourceLocation": "EastUS", "Date": f"{day:%m/%d/%Y}", "ProductName": row["product"],
        "MeterCategory": row["category"], "MeterName": "D2s v3" if row["category"] else "", "MeterRegion": "US East",
        "UnitOfMeasure": row["unit"], "Quantity": row["quantity"], "EffectivePrice": row["price"],
        "CostInBillingCurrency": cost, "ConsumedService": "Microsoft.Compute" if row["category"] else "",
        "ResourceId": resource, "Tags": '"env": "prod"' if row["i"] % 3 else "",
        "ResourceName": f"r{row['i'] % 7}" if resource else "",
        "ReservationId": row["benefit"][0].rsplit("/", 1)[-1] if row["model"] == "Reservation" else "",
        "ReservationName": row["benefit"][1] if row["model"] == "Reservation" else "",
        "benefitId": row["benefit"][0], "benefitName": row["benefit"][1],
        "UnitPrice": row["price"], "PublisherType": row["publisher"][0], "PublisherName": row["publisher"][1],
        "ChargeType": row["charge"], "Frequency": row["frequency"],
        "PricingModel": "On Demand" if row["model"] == "OnDemand" else row["model"],
        "BillingAccountId": BILLING_ACCOUNT, "BillingAccountName": "Contoso", "BillingCurrencyCode": "USD",
        "BillingPeriodStartDate": f"{row['start']:%m/%d/%Y}",
        "BillingPeriodEndDate": f"{row['end'] - timedelta(days=1):%m/%d/%Y}", "BillingProfileId": BILLING_ACCOUNT,
        "BillingProfileName": "Contoso", "IsAzureCreditEligible": "True", "PayGPrice": row["price"],
        "ServiceFamily": _service(row["category"])[1] if row["category"] else "",
    })
    return values


def _mca(row: dict, amortized: bool) -> dict[str, object]:
    ea = _ea(row, amortized)
    by_lower = {k.lower(): v for k, v in ea.items()}
    values = {name: by_lower.get(name.lower(), "") for name in MCA_ACTUAL}
    values.update({"billingAccountId": MCA_ACCOUNT, "billingAccountName": "Contoso Ltd",
                   "billingProfileId": BILLING_PROFILE, "billingProfileName": "Contoso EU",
                   "billingCurrency": "USD", "pricingCurrency": "USD",
                   "pricingModel": row["model"], "costInPricingCurrency": ea["CostInBillingCurrency"],
                   "costInUsd": ea["CostInBillingCurrency"], "exchangeRatePricingToBilling": Decimal(1),
                   "resourceGroupName": "rg-app", "date": ea["Date"], "location": "US East", "provider": "Azure",
                   "invoiceId": f"G0{row['start']:%y%m}00001", "ProductId": f"DZH318Z0BQ{row['i'] % 5}",
                   "tags": '{"env": "prod"}' if row["i"] % 3 else ""})
    return values


def _focus(row: dict, agreement: str) -> dict[str, object]:
    def iso(moment: datetime) -> str:
        return f"{moment:%Y-%m-%dT%H:%M:%SZ}"

    purchase = row["charge"] in ("Purchase", "Refund")
    unused = row["charge"].startswith("Unused")
    commitment = row["model"] in ("Reservation", "SavingsPlan")
    benefit_id = row["benefit"][0] if commitment else ""
    name, service_category, subcategory = _service(row["category"]) if row["category"] else (
        row["product"], "Other", "Other (Other)")
    resource = "" if not row["arm_type"] else (
        f"/subscriptions/{row['subscription']}/resourcegroups/rg-app/providers/{row['arm_type']}/r{row['i'] % 7}")
    values = {name: "" for name in FOCUS_1_2_PREVIEW}
    values.update({
        "BilledCost": row["billed"], "EffectiveCost": row["effective"], "ListCost": row["quantity"] * row["price"],
        "ContractedCost": row["quantity"] * row["price"], "ListUnitPrice": row["price"],
        "ContractedUnitPrice": row["price"], "PricingQuantity": row["quantity"],
        "ConsumedQuantity": row["quantity"] if row["charge"] == "Usage" else "",
        "BillingAccountId": BILLING_PROFILE if agreement == "mca" else BILLING_ACCOUNT,
        "BillingAccountName": "Contoso EU" if agreement == "mca" else "Contoso",
        "BillingAccountType": "Billing Profile" if agreement == "mca" else "Billing Account",
        "BillingCurrency": "USD", "BillingPeriodStart": iso(row["start"]), "BillingPeriodEnd": iso(row["end"]),
        "ChargeCategory": "Purchase" if purchase else "Usage",
        "ChargeClass": "Correction" if row["charge"] == "Refund" else "",
        "ChargeFrequency": {"OneTime": "One-Time", "Recurring": "Recurring"}.get(row["frequency"], "Usage-Based"),
        "ChargePeriodStart": iso(row["day"]), "ChargePeriodEnd": iso(row["day"] + timedelta(days=1)),
        "ChargeDescription": row["product"],
        "CommitmentDiscountId": benefit_id, "CommitmentDiscountName": row["benefit"][1] if commitment else "",
        "CommitmentDiscountType": "" if not commitment else "Reservation" if row["model"] == "Reservation"
        else "Savings Plan",
        "CommitmentDiscountCategory": "" if not commitment else "Usage" if row["model"] == "Reservation" else "Spend",
        "CommitmentDiscountStatus": "" if not commitment or purchase else "Unused" if unused else "Used",
        "PricingCategory": "Committed" if commitment and not purchase else "Standard",
        "PricingUnit": focus_unit(row["unit"]),
        "ConsumedUnit": focus_unit(row["unit"]) if row["charge"] == "Usage" else "",
        "x_PricingUnitDescription": row["unit"],
        "ProviderName": "Microsoft", "PublisherName": row["publisher"][1], "InvoiceIssuerName": "Microsoft",
        "RegionId": "eastus", "RegionName": "East US",
        "ResourceId": resource, "ResourceName": f"r{row['i'] % 7}" if resource else "",
        "ResourceType": row["arm_type"].lower() if resource else "",
        "ServiceName": name, "ServiceCategory": service_category, "ServiceSubcategory": subcategory,
        "SubAccountId": f"/subscriptions/{row['subscription']}", "SubAccountName": "prod",
        "SubAccountType": "Subscription", "Tags": '{"env":"prod"}' if row["i"] % 3 else "{}",
        "x_BilledCostInUsd": row["billed"], "x_EffectiveCostInUsd": row["effective"], "x_PricingCurrency": "USD",
        "x_ResourceGroupName": "rg-app", "x_SkuMeterCategory": row["category"],
    })
    return values


def _table(dataset: str, agreement: str, rows: list[dict]) -> tuple[list[str], list[dict[str, object]]]:
    if dataset == "focus":
        return list(FOCUS_1_2_PREVIEW), [_focus(r, agreement) for r in rows if r["in_focus"]]
    amortized = dataset == "amortized"
    held = [r for r in rows if r["amortized" if amortized else "actual"] is not None]
    if agreement == "mca":
        return list(MCA_ACTUAL), [_mca(r, amortized) for r in held]
    return list(EA_ACTUAL), [_ea(r, amortized) for r in held]


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
            rows = _rows(rng, period, count)
            header, records = _table(dataset, agreement, rows)
            billed_col = "BilledCost" if dataset == "focus" else (
                "costInBillingCurrency" if agreement == "mca" else "CostInBillingCurrency")
            effective_col = "EffectiveCost" if dataset == "focus" else billed_col
            # The same seed gives the three datasets the same charges; each export still has its own run ids.
            run_id = str(uuid.UUID(int=rng.getrandbits(128) ^ zlib.crc32(f"{export_name}/{dataset}".encode()),
                                   version=4))
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
