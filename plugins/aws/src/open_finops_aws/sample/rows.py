"""Vectorised line items for the sample CUR generator, and the writing of one data file.

Rows are built a batch at a time with pyarrow compute: uniform random numbers (``pc.random`` with a seed
derived from the sample's seed, the period, the file and the batch) pick a kind of line item, a resource,
an hour and an amount; every text column is then a ``take`` on a small dictionary. Money stays in
integers of 1e-10 dollars until it is written, so the totals are exact. There is no per-row Python.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from calendar import monthrange
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from open_finops_aws.sample import catalog as cat
from open_finops_aws.sample.columns import COST_CATEGORY_KEY, TAG_KEYS, Field, column_name

BATCH_ROWS = 32_768  # rows generated and written at a time; bounds memory per writing thread
GZIP_LEVEL = 6
_SLOTS = 100_000  # resolution of the weighted choice of a kind
_COST_UNIT = 10**cat.COST_SCALE
_TIMESTAMP = pa.timestamp("ms", tz="UTC")
_MAP_TEXT = pa.map_(pa.string(), pa.string())
_MAP_MONEY = pa.map_(pa.string(), pa.float64())


def _units(value: str | None, scale: int) -> int | None:
    return None if value is None else int(Decimal(value).scaleb(scale))


def _seed(*parts: object) -> int:
    digest = hashlib.blake2b(repr(parts).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") >> 1


@dataclass(frozen=True)
class World:
    """The catalog as Arrow arrays, built once per process."""

    slots: pa.Array  # kind index per weighted slot
    kind: dict[str, pa.Array]  # per-kind attributes, indexed by kind
    kind_region: dict[str, pa.Array]  # per (kind, region) attributes, index kind * (R + 1) + region
    resource: dict[str, pa.Array]  # per resource (index 0 = none)
    account: dict[str, pa.Array]  # per account
    region: dict[str, pa.Array]  # per region, index R = none
    az: pa.Array  # per region * 3 + letter
    tags: dict[str, pa.Array]  # per tag combination (index 0 = untagged)
    id_chunks: pa.Array
    pool_start: pa.Array
    pool_size: pa.Array


def _kind_region_rows() -> list[tuple[cat.Kind, int | None]]:
    rows: list[tuple[cat.Kind, int | None]] = []
    for kind in cat.KINDS:
        rows.extend((kind, r) for r in range(len(cat.REGIONS)))
        rows.append((kind, None))
    return rows


def _tag_combos() -> list[tuple[int, int, int]]:
    return [
        (team, env, cc)
        for team in range(-1, len(cat.TEAMS))
        for env in range(-1, len(cat.ENVS))
        for cc in range(-1, len(cat.COST_CENTERS))
    ]


def _combo_index(team: int, env: int, cc: int) -> int:
    return ((team + 1) * (len(cat.ENVS) + 1) + (env + 1)) * (len(cat.COST_CENTERS) + 1) + (cc + 1)


def _tags(team: int, env: int, cc: int, with_cost_center: bool) -> dict[str, str]:
    tags = {}
    if env >= 0:
        tags[TAG_KEYS["env"]] = cat.ENVS[env]
    if team >= 0:
        tags[TAG_KEYS["team"]] = cat.TEAMS[team]
    if cc >= 0 and with_cost_center:
        tags[TAG_KEYS["cost_center"]] = cat.COST_CENTERS[cc]
    return tags


def _json(value: dict[str, str]) -> str | None:
    return json.dumps(value, separators=(",", ":")) if value else None


def _map(values: list[dict[str, str] | None], map_type: pa.DataType) -> pa.Array:
    return pa.array([None if v is None else list(v.items()) for v in values], type=map_type)


@cache
def world() -> World:
    cat.check_catalog()
    kinds = cat.KINDS
    weights = [k.weight for k in kinds]
    total = sum(weights)
    counts = [max(1, round(w / total * _SLOTS)) for w in weights]
    # Rounding leaves the table a few slots off _SLOTS: kinds are drawn over its actual length.
    slots = pa.array([i for i, c in enumerate(counts) for _ in range(c)], pa.int32())

    ranges, resources = cat.build_resources()
    pool_start = pa.array([ranges[k.pool].start + 1 if k.pool else 0 for k in kinds], pa.int64())
    pool_size = pa.array([len(ranges[k.pool]) if k.pool else 0 for k in kinds], pa.int64())

    def money(attr: str, scale: int = cat.PRICE_SCALE) -> pa.Array:
        return pa.array([_units(getattr(k, attr), scale) for k in kinds], pa.int64())

    def text(attr: str) -> pa.Array:
        return pa.array([getattr(k, attr) or None for k in kinds], pa.string())

    amount = [tuple(_units(x, cat.AMOUNT_SCALE) for x in k.amount) for k in kinds]
    kind = {
        "line_item_type": text("line_item_type"),
        "product_code": text("product_code"),
        "product_name": text("product_name"),
        "operation": text("operation"),
        "unit": text("unit"),
        "description": text("description"),
        "product_family": text("product_family"),
        "service_code": text("service_code"),
        "sku": text("sku"),
        "instance_type": text("instance_type"),
        "legal_entity": text("legal_entity"),
        "bill_type": text("bill_type"),
        "pricing_term": text("pricing_term"),
        "tax_type": text("tax_type"),
        "billing_entity": text("billing_entity"),
        "reservation_arn": text("reservation_arn"),
        "savings_plan_arn": text("savings_plan_arn"),
        "offering_type": pa.array(["ComputeSavingsPlans" if k.savings_plan_arn else None for k in kinds]),
        "rate_text": pa.array([str(Decimal(k.rate)) for k in kinds], pa.string()),
        "net_rate_text": pa.array([str(Decimal(k.net_rate or k.rate)) for k in kinds], pa.string()),
        "public_rate_text": pa.array([k.public_rate for k in kinds], pa.string()),
        "rate_code": pa.array([f"{k.sku}.JRTCKXETXF.6YS6EN2CT7" if k.sku else None for k in kinds]),
        "rate": money("rate"),
        "net_rate": pa.array([_units(k.net_rate or k.rate, cat.PRICE_SCALE) for k in kinds], pa.int64()),
        "public_rate": money("public_rate"),
        "ri_upfront": money("ri_upfront_rate"),
        "ri_recurring": money("ri_recurring_rate"),
        "ri_amortized_upfront": money("ri_amortized_upfront_rate"),
        "ri_unused": pa.array([0 if k.line_item_type == "RIFee" else None for k in kinds], pa.int64()),
        "sp_rate": money("savings_plan_rate"),
        "normalization_factor": money("normalization_factor", cat.COST_SCALE),
        "normalization_units": money("normalization_factor", 0),
        "amount_min": pa.array([a[0] for a in amount], pa.int64()),
        "amount_steps": pa.array([(a[1] - a[0]) // a[2] + 1 for a in amount], pa.int64()),
        "amount_step": pa.array([a[2] for a in amount], pa.int64()),
        "monthly": pa.array([k.monthly for k in kinds]),
        "regional": pa.array([k.regional for k in kinds]),
        "has_az": pa.array([k.az for k in kinds]),
        "has_pool": pa.array([k.pool is not None for k in kinds]),
        "sp_recurring": pa.array([k.line_item_type == "SavingsPlanRecurringFee" for k in kinds]),
        "sp_upfront": pa.array([k.line_item_type == "SavingsPlanUpfrontFee" for k in kinds]),
        "entity": pa.array([cat.BILLING_ENTITIES.index(k.billing_entity) for k in kinds], pa.int64()),
        "w_unblended": pa.array([int(k.amortized == "unblended") for k in kinds], pa.int64()),
        "w_reservation": pa.array([int(k.amortized == "reservation") for k in kinds], pa.int64()),
        "w_savings_plan": pa.array([int(k.amortized == "savings_plan") for k in kinds], pa.int64()),
    }

    kr = _kind_region_rows()

    def product_map(k: cat.Kind, r: int | None) -> dict[str, str]:
        attrs = {"product_name": k.product_name, **dict(k.product_attributes)}
        if r is not None and k.regional:
            attrs["region"] = cat.REGIONS[r][0]
        return attrs

    kind_region = {
        "usage_type": pa.array(
            [(cat.REGIONS[r][2] if r is not None else "") + k.usage_type if k.usage_type else None for k, r in kr],
            pa.string(),
        ),
        "product_json": pa.array([_json(product_map(k, r)) for k, r in kr], pa.string()),
        "product_map": _map([product_map(k, r) for k, r in kr], _MAP_TEXT),
    }

    none_row = [None]
    resource = {
        "id": pa.array(none_row + [r.id for r in resources], pa.string()),
        "account": pa.array([0] + [r.account for r in resources], pa.int64()),
        "region": pa.array([0] + [r.region for r in resources], pa.int64()),
        "tag_combo": pa.array([0] + [_combo_index(r.team, r.env, r.cost_center) for r in resources], pa.int64()),
    }
    account = {
        "id": pa.array([a[0] for a in cat.ACCOUNTS], pa.string()),
        "name": pa.array([a[1] for a in cat.ACCOUNTS], pa.string()),
        "project": pa.array([a[2] for a in cat.ACCOUNTS], pa.string()),
        "cost_category_json": pa.array([_json({COST_CATEGORY_KEY: a[2]}) for a in cat.ACCOUNTS], pa.string()),
        "cost_category_map": _map([{COST_CATEGORY_KEY: a[2]} for a in cat.ACCOUNTS], _MAP_TEXT),
    }
    region = {
        "code": pa.array([r[0] for r in cat.REGIONS] + none_row, pa.string()),
        "location": pa.array([r[1] for r in cat.REGIONS] + none_row, pa.string()),
    }
    az = pa.array([r[0] + letter for r in cat.REGIONS for letter in cat.AZ_LETTERS] + none_row * 3, pa.string())

    combos = _tag_combos()
    tags = {
        "team": pa.array([cat.TEAMS[t] if t >= 0 else None for t, _, _ in combos], pa.string()),
        "env": pa.array([cat.ENVS[e] if e >= 0 else None for _, e, _ in combos], pa.string()),
        "cost_center": pa.array([cat.COST_CENTERS[c] if c >= 0 else None for _, _, c in combos], pa.string()),
    }
    for drift in (False, True):
        values = [_tags(*combo, drift) or None for combo in combos]
        tags[f"json_{drift}"] = pa.array([_json(v) if v else None for v in values], pa.string())
        tags[f"map_{drift}"] = _map(values, _MAP_TEXT)

    return World(
        slots=slots,
        kind=kind,
        kind_region=kind_region,
        resource=resource,
        account=account,
        region=region,
        az=az,
        tags=tags,
        id_chunks=pa.array(cat.line_item_id_chunks(), pa.string()),
        pool_start=pool_start,
        pool_size=pool_size,
    )


@dataclass(frozen=True)
class PeriodContext:
    """What every row of one billing period shares."""

    period: str  # "YYYY-MM"
    start: datetime
    end: datetime
    hours: int
    seed: int
    drift: bool
    invoice_ids: pa.Array  # per billing entity
    hour_text: pa.Array  # H + 1 instants as "YYYY-MM-DDTHH:MM:SSZ"
    hour_timestamp: pa.Array
    intervals: pa.Array  # H hourly intervals, then the whole period


def period_context(period: str, *, seed: int, drift: bool) -> PeriodContext:
    year, month = (int(x) for x in period.split("-"))
    start = datetime(year, month, 1, tzinfo=UTC)
    hours = monthrange(year, month)[1] * 24
    instants = [start + timedelta(hours=h) for h in range(hours + 1)]
    text = [t.strftime("%Y-%m-%dT%H:%M:%SZ") for t in instants]
    intervals = [f"{text[h]}/{text[h + 1]}" for h in range(hours)] + [f"{text[0]}/{text[hours]}"]
    # Invoice ids are all digits with a leading zero, as a reader that guesses types would mangle them.
    invoices = [f"0{(_seed('invoice', seed, period, entity) % 10**9):09d}" for entity in cat.BILLING_ENTITIES]
    return PeriodContext(
        period=period,
        start=start,
        end=instants[-1],
        hours=hours,
        seed=seed,
        drift=drift,
        invoice_ids=pa.array(invoices, pa.string()),
        hour_text=pa.array(text, pa.string()),
        hour_timestamp=pa.array(instants, _TIMESTAMP),
        intervals=pa.array(intervals, pa.string()),
    )


@dataclass
class Batch:
    """One batch of rows in a dialect-neutral form: texts, money as int64 1e-10 dollars, date indexes."""

    n: int
    text: dict[str, pa.Array]
    money: dict[str, pa.Array]
    usage_start: pa.Array  # index into PeriodContext.hour_*
    usage_end: pa.Array
    interval: pa.Array  # index into PeriodContext.intervals
    kind_region: pa.Array
    account: pa.Array
    tag_combo: pa.Array
    amortized: pa.Array  # int64 1e-10 dollars, computed from the generator's own values


def _index(u: pa.Array, size: pa.Array | int) -> pa.Array:
    """floor(u * size) as int64, u uniform in [0, 1)."""
    return pc.cast(pc.floor(pc.multiply(u, pc.cast(size, pa.float64()))), pa.int64())


def make_batch(ctx: PeriodContext, n: int, *, key: tuple[object, ...], row_offset: int, untagged_rows: int) -> Batch:
    w = world()
    rnd = [pc.random(n, initializer=_seed(ctx.seed, ctx.period, *key, stream)) for stream in range(9)]
    kind = pc.take(w.slots, _index(rnd[0], len(w.slots)))

    def k(name: str) -> pa.Array:
        return pc.take(w.kind[name], kind)

    has_pool = k("has_pool")
    size = pc.take(w.pool_size, kind)
    resource = pc.if_else(has_pool, pc.add(pc.take(w.pool_start, kind), _index(rnd[1], size)), 0)
    account = pc.if_else(
        has_pool, pc.take(w.resource["account"], resource), _index(rnd[2], len(cat.ACCOUNTS))
    )
    regions = len(cat.REGIONS)
    region = pc.if_else(
        k("regional"),
        pc.if_else(has_pool, pc.take(w.resource["region"], resource), _index(rnd[3], regions)),
        regions,
    )
    kind_region = pc.add(pc.multiply(kind, regions + 1), region)

    hour = _index(rnd[4], ctx.hours)
    monthly = k("monthly")
    usage_start = pc.if_else(monthly, 0, hour)
    usage_end = pc.if_else(monthly, ctx.hours, pc.add(hour, 1))
    interval = pc.if_else(monthly, ctx.hours, hour)

    amount = pc.add(k("amount_min"), pc.multiply(_index(rnd[5], k("amount_steps")), k("amount_step")))
    unblended = pc.multiply(amount, k("rate"))
    # The negotiated discount shows where the export has net columns (the drift periods): net < unblended there.
    net_unblended = pc.multiply(amount, k("net_rate")) if ctx.drift else unblended
    public_cost = pc.multiply(amount, k("public_rate"))
    ri_upfront = pc.multiply(amount, k("ri_upfront"))
    ri_recurring = pc.multiply(amount, k("ri_recurring"))
    ri_effective = pc.add(ri_upfront, ri_recurring)
    sp_effective = pc.multiply(amount, k("sp_rate"))
    sp_recurring, sp_upfront = k("sp_recurring"), k("sp_upfront")
    no_money = pa.nulls(n, pa.int64())
    price_to_cost = 10**cat.AMOUNT_SCALE

    # The independent amortised cost: see sample.generate_sample for the rule.
    amortized = pc.add(
        pc.add(
            pc.multiply(net_unblended, k("w_unblended")),
            pc.multiply(pc.fill_null(ri_effective, 0), k("w_reservation")),
        ),
        pc.multiply(pc.fill_null(sp_effective, 0), k("w_savings_plan")),
    )

    tag_combo = pc.take(w.resource["tag_combo"], resource)
    if row_offset < untagged_rows:
        # The first rows of the first file carry no tags at all, so a reader that infers column types
        # from its first batch sees the tag columns as entirely empty there.
        positions = pa.array(range(row_offset, row_offset + n), pa.int64())
        tag_combo = pc.if_else(pc.less(positions, untagged_rows), 0, tag_combo)

    chunk = 4096
    first, second = _index(rnd[6], chunk * chunk), _index(rnd[7], chunk * chunk)
    line_item_id = pc.binary_join_element_wise(
        pc.take(w.id_chunks, pc.divide(first, chunk)),
        pc.take(w.id_chunks, pc.bit_wise_and(first, chunk - 1)),
        pc.take(w.id_chunks, pc.divide(second, chunk)),
        pc.take(w.id_chunks, pc.bit_wise_and(second, chunk - 1)),
        "",
    )
    az = pc.if_else(
        k("has_az"),
        pc.take(w.az, pc.add(pc.multiply(region, len(cat.AZ_LETTERS)), _index(rnd[8], len(cat.AZ_LETTERS)))),
        pa.nulls(n, pa.string()),
    )
    normalization = k("normalization_units")
    text = {
        "identity/LineItemId": line_item_id,
        "bill/InvoiceId": pc.take(ctx.invoice_ids, k("entity")),
        "bill/InvoicingEntity": pa.repeat(pa.scalar(cat.AWS_LEGAL), n),
        "bill/BillingEntity": k("billing_entity"),
        "bill/BillType": k("bill_type"),
        "bill/PayerAccountId": pa.repeat(pa.scalar(cat.PAYER_ACCOUNT), n),
        "bill/PayerAccountName": pa.repeat(pa.scalar(cat.ACCOUNTS[0][1]), n),
        "lineItem/UsageAccountId": pc.take(w.account["id"], account),
        "lineItem/UsageAccountName": pc.take(w.account["name"], account),
        "lineItem/LineItemType": k("line_item_type"),
        "lineItem/ProductCode": k("product_code"),
        "lineItem/UsageType": pc.take(w.kind_region["usage_type"], kind_region),
        "lineItem/Operation": k("operation"),
        "lineItem/AvailabilityZone": az,
        "lineItem/ResourceId": pc.take(w.resource["id"], resource),
        "lineItem/CurrencyCode": pa.repeat(pa.scalar("USD"), n),
        "lineItem/UnblendedRate": k("rate_text"),
        "lineItem/NetUnblendedRate": k("net_rate_text"),
        "lineItem/BlendedRate": k("rate_text"),
        "lineItem/LineItemDescription": k("description"),
        "lineItem/TaxType": k("tax_type"),
        "lineItem/LegalEntity": k("legal_entity"),
        "product/ProductName": k("product_name"),
        "product/productFamily": k("product_family"),
        "product/instanceType": k("instance_type"),
        "product/location": pc.take(w.region["location"], region),
        "product/regionCode": pc.take(w.region["code"], region),
        "product/servicecode": k("service_code"),
        "product/sku": k("sku"),
        "product/preInstalledSw": pc.if_else(pc.is_null(k("instance_type")), pa.scalar(None, pa.string()), "NA"),
        "pricing/RateCode": k("rate_code"),
        "pricing/currency": pc.if_else(pc.is_null(k("pricing_term")), pa.scalar(None, pa.string()), "USD"),
        "pricing/publicOnDemandRate": k("public_rate_text"),
        "pricing/term": k("pricing_term"),
        "pricing/unit": k("unit"),
        "reservation/ReservationARN": k("reservation_arn"),
        "savingsPlan/OfferingType": k("offering_type"),
        "savingsPlan/SavingsPlanARN": k("savings_plan_arn"),
        "costCategory/Project": pc.take(w.account["project"], account),
    }
    money = {
        "lineItem/UsageAmount": pc.multiply(amount, 10**cat.PRICE_SCALE),
        "lineItem/NormalizationFactor": k("normalization_factor"),
        "lineItem/NormalizedUsageAmount": pc.multiply(pc.multiply(amount, normalization), 10**cat.PRICE_SCALE),
        "lineItem/UnblendedCost": unblended,
        "lineItem/NetUnblendedCost": net_unblended,
        "lineItem/BlendedCost": unblended,
        "pricing/publicOnDemandCost": public_cost,
        "reservation/AmortizedUpfrontCostForUsage": ri_upfront,
        "reservation/AmortizedUpfrontFeeForBillingPeriod": pc.multiply(amount, k("ri_amortized_upfront")),
        "reservation/EffectiveCost": ri_effective,
        "reservation/RecurringFeeForUsage": ri_recurring,
        "reservation/UnusedAmortizedUpfrontFeeForBillingPeriod": k("ri_unused"),
        "reservation/UnusedRecurringFee": k("ri_unused"),
        "savingsPlan/AmortizedUpfrontCommitmentForBillingPeriod": pc.if_else(sp_upfront, unblended, no_money),
        "savingsPlan/RecurringCommitmentForBillingPeriod": pc.if_else(
            sp_recurring, pc.multiply(pc.multiply(k("rate"), ctx.hours), price_to_cost), no_money
        ),
        "savingsPlan/SavingsPlanEffectiveCost": sp_effective,
        "savingsPlan/SavingsPlanRate": pc.multiply(k("sp_rate"), price_to_cost),
        "savingsPlan/TotalCommitmentToDate": pc.if_else(sp_recurring, unblended, no_money),
        "savingsPlan/UsedCommitment": pc.if_else(sp_recurring, unblended, no_money),
    }
    return Batch(
        n=n,
        text=text,
        money=money,
        usage_start=usage_start,
        usage_end=usage_end,
        interval=interval,
        kind_region=kind_region,
        account=account,
        tag_combo=tag_combo,
        amortized=amortized,
    )


def money_text(units: pa.Array) -> pa.Array:
    """1e-10 dollar integers as plain decimal strings with ten places ("-0.0960000000"), never exponents."""
    magnitude = pc.abs(units)
    whole = pc.divide(magnitude, _COST_UNIT)
    fraction = pc.subtract(magnitude, pc.multiply(whole, _COST_UNIT))
    sign = pc.if_else(pc.less(units, 0), "-", "")
    return pc.binary_join_element_wise(
        sign, pc.cast(whole, pa.string()), ".", pc.utf8_lpad(pc.cast(fraction, pa.string()), cat.COST_SCALE, "0"), ""
    )


def _money_sparse_text(units: pa.Array) -> pa.Array:
    """money_text, formatting only the non-null values (most reservation and savings plan cells are empty)."""
    present = pc.is_valid(units)
    count = pc.sum(present).as_py() or 0
    if count == len(units):
        return money_text(units)
    if count == 0:
        return pa.nulls(len(units), pa.string())
    formatted = money_text(pc.filter(units, present))
    return pc.replace_with_mask(pa.nulls(len(units), pa.string()), present, formatted)


def money_double(units: pa.Array) -> pa.Array:
    # Both operands are exact doubles, so IEEE division gives the double nearest the decimal value,
    # the same one a reader gets by parsing the decimal string.
    return pc.divide(pc.cast(units, pa.float64()), float(_COST_UNIT))


def units_sum(units: pa.Array) -> Decimal:
    """Exact sum of 1e-10 dollar integers, in dollars (through decimal128, so it cannot overflow)."""
    total = pc.sum(pc.cast(units, pa.decimal128(38, 0))).as_py()
    return (total or Decimal(0)).scaleb(-cat.COST_SCALE)


def render(batch: Batch, ctx: PeriodContext, fields: tuple[Field, ...], cur_version: str, data_format: str) -> pa.Table:
    """The batch as the table a file of this dialect and format holds."""
    w = world()
    csv = data_format == "csv"
    cache: dict[str, pa.Array] = {}
    columns: list[pa.Array] = []
    for field in fields:
        source, _, arg = field.source.partition(":")
        if source == "text":
            column = batch.text[arg]
        elif source == "money":
            if arg not in cache:
                units = batch.money[arg]
                cache[arg] = _money_sparse_text(units) if csv else money_double(units)
            column = cache[arg]
        elif source == "date":
            hours = {"period_start": 0, "period_end": ctx.hours}
            table = ctx.hour_text if csv else ctx.hour_timestamp
            if arg in hours:
                column = pa.repeat(table[hours[arg]], batch.n)
            else:
                column = pc.take(table, batch.usage_start if arg == "usage_start" else batch.usage_end)
        elif source == "interval":
            column = pc.take(ctx.intervals, batch.interval)
        elif source == "tag":
            column = pc.take(w.tags[arg], batch.tag_combo)
        elif source == "map":
            column = _map_column(batch, ctx, arg, csv)
        else:
            raise AssertionError(f"unknown source {field.source!r}")
        columns.append(column)
    names = [column_name(f, cur_version, data_format) for f in fields]
    return pa.table(columns, schema=file_schema(fields, cur_version, data_format, names))


def _map_column(batch: Batch, ctx: PeriodContext, which: str, csv: bool) -> pa.Array:
    w = world()
    if which == "resource_tags":
        return pc.take(w.tags[f"{'json' if csv else 'map'}_{ctx.drift}"], batch.tag_combo)
    if which == "cost_category":
        return pc.take(w.account["cost_category_json" if csv else "cost_category_map"], batch.account)
    if which == "product":
        return pc.take(w.kind_region["product_json" if csv else "product_map"], batch.kind_region)
    if which == "discount":  # the sample's negotiated discount shows in the net columns only: always empty
        return pa.nulls(batch.n, pa.string() if csv else _MAP_MONEY)
    raise AssertionError(f"unknown map {which!r}")


def file_schema(fields: tuple[Field, ...], cur_version: str, data_format: str, names: list[str]) -> pa.Schema:
    if data_format == "csv":
        return pa.schema([pa.field(n, pa.string()) for n in names])
    types = []
    for field in fields:
        source = field.source.partition(":")[0]
        vendor = field.v2_type if cur_version == "v2" else field.v1_type
        if source == "money":
            types.append(pa.float64())
        elif source == "date":
            types.append(_TIMESTAMP)
        elif vendor == "map<string,double>":
            types.append(_MAP_MONEY)
        elif vendor == "map<string,string>":
            types.append(_MAP_TEXT)
        else:
            types.append(pa.string())
    return pa.schema([pa.field(n, t) for n, t in zip(names, types, strict=True)])


@contextmanager
def _open_writer(path: Path, schema: pa.Schema, data_format: str) -> Iterator[Callable[[pa.Table], None]]:
    """A function writing one table at a time to ``path`` as gzip CSV (with one header) or Parquet."""
    if data_format == "parquet":
        with pq.ParquetWriter(str(path), schema, compression="snappy") as parquet:
            yield parquet.write_table
        return
    # zlib at its default level, like common gzip tools; it releases the GIL, so files compress in parallel.
    compressor = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    header = [True]
    with path.open("wb") as out:

        def write(table: pa.Table) -> None:
            buffer = pa.BufferOutputStream()
            pacsv.write_csv(table, buffer, pacsv.WriteOptions(include_header=header[0]))
            header[0] = False
            out.write(compressor.compress(buffer.getvalue()))

        yield write
        if header[0]:
            write(schema.empty_table())
        out.write(compressor.flush())


@dataclass(frozen=True)
class FileTotals:
    rows: int
    bytes: int
    unblended_cost: Decimal
    amortized_cost: Decimal
    net_unblended_cost: Decimal


def write_data_file(
    path: Path,
    ctx: PeriodContext,
    *,
    fields: tuple[Field, ...],
    cur_version: str,
    data_format: str,
    rows: int,
    key: tuple[object, ...],
    untagged_rows: int,
) -> FileTotals:
    """Write one data file batch by batch (memory bounded by BATCH_ROWS) and return what it holds."""
    path.parent.mkdir(parents=True, exist_ok=True)
    names = [column_name(f, cur_version, data_format) for f in fields]
    schema = file_schema(fields, cur_version, data_format, names)
    unblended = amortized = net = Decimal(0)
    written = 0
    with _open_writer(path, schema, data_format) as write:
        while written < rows:
            n = min(BATCH_ROWS, rows - written)
            batch = make_batch(ctx, n, key=(*key, written), row_offset=written, untagged_rows=untagged_rows)
            write(render(batch, ctx, fields, cur_version, data_format))
            unblended += units_sum(batch.money["lineItem/UnblendedCost"])
            amortized += units_sum(batch.amortized)
            net += units_sum(batch.money["lineItem/NetUnblendedCost"])
            written += n
    return FileTotals(rows=rows, bytes=path.stat().st_size, unblended_cost=unblended, amortized_cost=amortized,
                      net_unblended_cost=net)
