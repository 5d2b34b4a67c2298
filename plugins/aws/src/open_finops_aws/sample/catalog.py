"""The small, fixed world the sample CUR generator draws line items from.

Accounts, regions, the kinds of line item (one product SKU and line item type each, with its prices) and
the pools of resources and tags. Everything here is plain Python and tiny; :mod:`.rows` turns it into
Arrow dictionaries once and then builds millions of rows with ``take``.

Money is kept as integers so that every total is exact: usage amounts in hundredths of a unit and prices
in 1e-8 of a dollar, so their product is a cost in 1e-10 of a dollar (CUR's ten decimal places).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal

AMOUNT_SCALE = 2  # usage amounts have at most 2 decimal places
PRICE_SCALE = 8  # prices (rates) have at most 8 decimal places
COST_SCALE = AMOUNT_SCALE + PRICE_SCALE  # 10, as in the CUR
MAX_ROW_COST = Decimal(100_000)  # keeps every cost within 15 significant digits, so doubles round-trip

PAYER_ACCOUNT = "012345678901"
ACCOUNTS = (  # (id, name, cost category "Project"); ids with leading zeros on purpose
    ("012345678901", "acme-management", "Shared"),
    ("004458127733", "acme-prod", "Storefront"),
    ("000123456789", "acme-staging", "Storefront"),
    ("098765432109", "acme-data", "Analytics"),
    ("210987654321", "acme-sandbox", "Research"),
)

REGIONS = (  # (code, location name, usage type prefix; us-east-1 has none)
    ("us-east-1", "US East (N. Virginia)", ""),
    ("eu-west-1", "EU (Ireland)", "EUW1-"),
    ("ap-southeast-2", "Asia Pacific (Sydney)", "APS2-"),
)
AZ_LETTERS = ("a", "b", "c")

TEAMS = ("platform", "checkout", "search", "data-eng")
ENVS = ("prod", "staging", "dev")
COST_CENTERS = ("CC-0042", "CC-0107", "CC-0311")

AWS_ENTITY = "AWS"
MARKETPLACE_ENTITY = "AWS Marketplace"
AWS_LEGAL = "Amazon Web Services, Inc."
BILLING_ENTITIES = (AWS_ENTITY, MARKETPLACE_ENTITY)

# How each line item type counts towards the amortised (effective) cost; see sample.generate_sample.
AMORTIZED_MODES = ("unblended", "reservation", "savings_plan", "zero")


@dataclass(frozen=True)
class Kind:
    """One kind of line item: a product SKU, a line item type and how its amounts and costs are drawn."""

    key: str
    weight: float  # relative frequency among the rows
    line_item_type: str
    product_code: str
    product_name: str
    usage_type: str  # without the region prefix
    operation: str
    unit: str
    rate: str  # unblended rate, dollars per unit (negative for credits, refunds and negations)
    amount: tuple[str, str, str] = ("1", "1", "1")  # min, max, step of the usage amount
    public_rate: str | None = None  # public on-demand rate
    net_rate: str | None = None  # the rate after the negotiated discount, where the export has net columns
    description: str = ""
    product_family: str | None = None
    service_code: str | None = None
    sku: str | None = None
    instance_type: str | None = None
    normalization_factor: str | None = None
    pool: str | None = None  # resource pool the rows use, None for line items without a resource
    regional: bool = True
    az: bool = False
    monthly: bool = False  # one charge for the whole billing period rather than one hour
    billing_entity: str = AWS_ENTITY
    legal_entity: str = AWS_LEGAL
    bill_type: str = "Anniversary"
    pricing_term: str | None = "OnDemand"
    tax_type: str | None = None
    reservation_arn: str | None = None
    ri_upfront_rate: str | None = None  # DiscountedUsage: amortised upfront fee per unit
    ri_recurring_rate: str | None = None  # DiscountedUsage: recurring fee per unit
    ri_amortized_upfront_rate: str | None = None  # RIFee: upfront fee amortised over the period, per unit
    savings_plan_arn: str | None = None
    savings_plan_rate: str | None = None  # SavingsPlanCoveredUsage: the plan's rate per unit
    amortized: str = "unblended"
    product_attributes: tuple[tuple[str, str], ...] = ()


_RI_M5 = "arn:aws:ec2:us-east-1:012345678901:reserved-instances/4b1c4e35-2c39-4f8a-9d6c-0f0d2d6c9a10"
_RI_RDS = "arn:aws:rds:eu-west-1:012345678901:ri:acme-aurora-ri-2024"
_SP = "arn:aws:savingsplans::012345678901:savingsplan/7c0f3b7e-91a4-4a7e-b0bb-3b3f0e2a5d11"
_MP_CODE = "5t8mkyh2q4mgdxkjrzx6e1l7c"
_LINUX = (("operating_system", "Linux"), ("tenancy", "Shared"))

KINDS: tuple[Kind, ...] = (
    Kind("ec2-m5", 18, "Usage", "AmazonEC2", "Amazon Elastic Compute Cloud", "BoxUsage:m5.large",
         "RunInstances", "Hrs", "0.096", public_rate="0.096", net_rate="0.0912",
         description="$0.096 per On Demand Linux m5.large Instance Hour", product_family="Compute Instance",
         service_code="AmazonEC2", sku="JRTCKXETXF6YS6EN", instance_type="m5.large",
         normalization_factor="4", pool="ec2-m5", az=True, product_attributes=_LINUX),
    Kind("ec2-c6g", 8, "Usage", "AmazonEC2", "Amazon Elastic Compute Cloud", "BoxUsage:c6g.xlarge",
         "RunInstances", "Hrs", "0.136", public_rate="0.136", net_rate="0.1292",
         description="$0.136 per On Demand Linux c6g.xlarge Instance Hour", product_family="Compute Instance",
         service_code="AmazonEC2", sku="Q9SS9CE4RXPJ8NUN", instance_type="c6g.xlarge",
         normalization_factor="8", pool="ec2-c6g", az=True, product_attributes=_LINUX),
    Kind("ebs-gp3", 12, "Usage", "AmazonEC2", "Amazon Elastic Compute Cloud", "EBS:VolumeUsage.gp3",
         "CreateVolume-Gp3", "GB-Mo", "0.08", amount=("0.01", "2.50", "0.01"), public_rate="0.08", net_rate="0.076",
         description="$0.08 per GB-month of General Purpose (gp3) provisioned storage",
         product_family="Storage", service_code="AmazonEC2", sku="D6NV4JHMSN7PF3JD", pool="ebs", az=True),
    Kind("ec2-m5-spot", 3, "Usage", "AmazonEC2", "Amazon Elastic Compute Cloud", "SpotUsage:m5.large",
         "RunInstances:SV001", "Hrs", "0.0365", public_rate="0.096",
         description="$0.0365 per Linux m5.large Spot Instance-hour", product_family="Compute Instance",
         service_code="AmazonEC2", sku="7RJ5D5U3JPEC6QTA", instance_type="m5.large", normalization_factor="4",
         pool="ec2-m5", az=True, pricing_term=None, product_attributes=_LINUX),
    Kind("ec2-dto", 6, "Usage", "AmazonEC2", "Amazon Elastic Compute Cloud", "DataTransfer-Out-Bytes",
         "RunInstances", "GB", "0.09", amount=("0.01", "40.00", "0.01"), public_rate="0.09",
         description="$0.090 per GB - first 10 TB / month data transfer out beyond the global free tier",
         product_family="Data Transfer", service_code="AWSDataTransfer", sku="N9EW5UVVPA2J4Z4W",
         pool="ec2-m5"),
    Kind("s3-storage", 10, "Usage", "AmazonS3", "Amazon Simple Storage Service", "TimedStorage-ByteHrs",
         "StandardStorage", "GB-Mo", "0.023", amount=("0.01", "900.00", "0.01"), public_rate="0.023",
         net_rate="0.02185",
         description="$0.023 per GB - first 50 TB / month of storage used", product_family="Storage",
         service_code="AmazonS3", sku="WP9ANXZGBYYSGJEA", pool="s3"),
    Kind("s3-requests", 6, "Usage", "AmazonS3", "Amazon Simple Storage Service", "Requests-Tier1",
         "PutObject", "Requests", "0.000005", amount=("1", "20000", "1"), public_rate="0.000005",
         description="$0.005 per 1,000 PUT, COPY, POST, or LIST requests", product_family="API Request",
         service_code="AmazonS3", sku="QCJ5VEBBGTC2T2KS", pool="s3"),
    Kind("rds", 5, "Usage", "AmazonRDS", "Amazon Relational Database Service",
         "InstanceUsage:db.r6g.large", "CreateDBInstance:0021", "Hrs", "0.26", public_rate="0.26", net_rate="0.247",
         description="$0.26 per RDS db.r6g.large instance hour (or partial hour) running Aurora PostgreSQL",
         product_family="Database Instance", service_code="AmazonRDS", sku="8Y6XNCH9YUG2ZQGR",
         instance_type="db.r6g.large", normalization_factor="4", pool="rds", az=True),
    Kind("lambda-requests", 6, "Usage", "AWSLambda", "AWS Lambda", "Request", "Invoke", "Requests",
         "0.0000002", amount=("1", "100000", "1"), public_rate="0.0000002",
         description="AWS Lambda - Total Requests - US East (Northern Virginia)", product_family="Serverless",
         service_code="AWSLambda", sku="8X2AVDJ5BSJUSE6X", pool="lambda"),
    Kind("lambda-duration", 6, "Usage", "AWSLambda", "AWS Lambda", "Lambda-GB-Second", "Invoke",
         "Lambda-GB-Second", "0.00001667", amount=("0.10", "40000.00", "0.01"), public_rate="0.00001667",
         description="AWS Lambda - Total Compute - US East (Northern Virginia)", product_family="Serverless",
         service_code="AWSLambda", sku="TG3M4CAGBA3NYQBH", pool="lambda"),
    Kind("cw-metrics", 4, "Usage", "AmazonCloudWatch", "AmazonCloudWatch", "CW:MetricMonitorUsage",
         "MetricStorage", "Metrics", "0.30", amount=("0.01", "5.00", "0.01"), public_rate="0.30", net_rate="0.285",
         description="$0.30 per metric-month - first 10,000 metrics", product_family="Metric",
         service_code="AmazonCloudWatch", sku="6A9YJ2SNKQTYQ6B4"),
    Kind("cw-logs", 3, "Usage", "AmazonCloudWatch", "AmazonCloudWatch", "DataProcessing-Bytes",
         "PutLogEvents", "GB", "0.50", amount=("0.01", "12.00", "0.01"), public_rate="0.50",
         description="$0.50 per GB custom log data ingested", product_family="Data Payload",
         service_code="AmazonCloudWatch", sku="QXKRJKTR9NEBWXNV", pool="logs"),
    Kind("ec2-m5-ri", 5, "DiscountedUsage", "AmazonEC2", "Amazon Elastic Compute Cloud",
         "BoxUsage:m5.large", "RunInstances", "Hrs", "0", public_rate="0.096",
         description="USD 0.0 per Linux/UNIX (Amazon VPC), m5.large reserved instance applied",
         product_family="Compute Instance", service_code="AmazonEC2", sku="JRTCKXETXF6YS6EN",
         instance_type="m5.large", normalization_factor="4", pool="ec2-m5", az=True, pricing_term="Reserved",
         reservation_arn=_RI_M5, ri_upfront_rate="0.0305", ri_recurring_rate="0.03", amortized="reservation",
         product_attributes=_LINUX),
    Kind("rds-ri", 2, "DiscountedUsage", "AmazonRDS", "Amazon Relational Database Service",
         "InstanceUsage:db.r6g.large", "CreateDBInstance:0021", "Hrs", "0", public_rate="0.26",
         description="USD 0.0 per Aurora PostgreSQL, db.r6g.large reserved instance applied",
         product_family="Database Instance", service_code="AmazonRDS", sku="8Y6XNCH9YUG2ZQGR",
         instance_type="db.r6g.large", normalization_factor="4", pool="rds", az=True, pricing_term="Reserved",
         reservation_arn=_RI_RDS, ri_upfront_rate="0.08", ri_recurring_rate="0.085", amortized="reservation"),
    Kind("ec2-c6g-sp", 5, "SavingsPlanCoveredUsage", "AmazonEC2", "Amazon Elastic Compute Cloud",
         "BoxUsage:c6g.xlarge", "RunInstances", "Hrs", "0.136", public_rate="0.136",
         description="$0.136 per On Demand Linux c6g.xlarge Instance Hour", product_family="Compute Instance",
         service_code="AmazonEC2", sku="Q9SS9CE4RXPJ8NUN", instance_type="c6g.xlarge",
         normalization_factor="8", pool="ec2-c6g", az=True, savings_plan_arn=_SP,
         savings_plan_rate="0.0952", amortized="savings_plan", product_attributes=_LINUX),
    Kind("lambda-sp", 2, "SavingsPlanCoveredUsage", "AWSLambda", "AWS Lambda", "Lambda-GB-Second", "Invoke",
         "Lambda-GB-Second", "0.00001667", amount=("0.10", "40000.00", "0.01"), public_rate="0.00001667",
         description="AWS Lambda - Total Compute - US East (Northern Virginia)", product_family="Serverless",
         service_code="AWSLambda", sku="TG3M4CAGBA3NYQBH", pool="lambda", savings_plan_arn=_SP,
         savings_plan_rate="0.00001334", amortized="savings_plan"),
    Kind("ec2-c6g-sp-negation", 5, "SavingsPlanNegation", "AmazonEC2", "Amazon Elastic Compute Cloud",
         "BoxUsage:c6g.xlarge", "RunInstances", "Hrs", "-0.136",
         description="SavingsPlanNegation used by AccountId : 004458127733 and UsageSku : Q9SS9CE4RXPJ8NUN",
         product_family="Compute Instance", service_code="AmazonEC2", sku="Q9SS9CE4RXPJ8NUN",
         instance_type="c6g.xlarge", pool="ec2-c6g", az=True, pricing_term=None, savings_plan_arn=_SP,
         amortized="zero"),
    Kind("lambda-sp-negation", 2, "SavingsPlanNegation", "AWSLambda", "AWS Lambda", "Lambda-GB-Second",
         "Invoke", "Lambda-GB-Second", "-0.00001667", amount=("0.10", "40000.00", "0.01"),
         description="SavingsPlanNegation used by AccountId : 098765432109 and UsageSku : TG3M4CAGBA3NYQBH",
         product_family="Serverless", service_code="AWSLambda", sku="TG3M4CAGBA3NYQBH", pool="lambda",
         pricing_term=None, savings_plan_arn=_SP, amortized="zero"),
    Kind("sp-recurring", 1, "SavingsPlanRecurringFee", "ComputeSavingsPlans", "Savings Plans for AWS Compute usage",
         "ComputeSP:1yrNoUpfront", "", "Hrs", "1.25",
         description="1 year No Upfront Compute Savings Plan", product_family="Savings Plans",
         service_code="ComputeSavingsPlans", regional=False, pricing_term=None, savings_plan_arn=_SP,
         amortized="zero"),
    Kind("sp-upfront", 0.01, "SavingsPlanUpfrontFee", "ComputeSavingsPlans",
         "Savings Plans for AWS Compute usage", "ComputeSP:1yrAllUpfront", "", "Hrs", "4380",
         description="1 year All Upfront Compute Savings Plan", product_family="Savings Plans",
         service_code="ComputeSavingsPlans", regional=False, monthly=True, bill_type="Purchase",
         pricing_term=None, savings_plan_arn=_SP, amortized="zero"),
    Kind("ec2-m5-rifee", 0.05, "RIFee", "AmazonEC2", "Amazon Elastic Compute Cloud", "HeavyUsage:m5.large",
         "RunInstances", "Hrs", "0.03", amount=("672", "744", "24"),
         description="USD 0.03 hourly fee per Linux/UNIX (Amazon VPC), m5.large instance",
         product_family="Compute Instance", service_code="AmazonEC2", instance_type="m5.large", monthly=True,
         pricing_term="Reserved", reservation_arn=_RI_M5, ri_amortized_upfront_rate="0.0305",
         amortized="zero"),
    Kind("ec2-m5-ri-upfront", 0.02, "Fee", "AmazonEC2", "Amazon Elastic Compute Cloud", "HeavyUsage:m5.large",
         "RunInstances", "Quantity", "267.18",
         description="Sign up charge for subscription: 872346123, planId: 2195424",
         product_family="Compute Instance", service_code="AmazonEC2", instance_type="m5.large",
         regional=False, monthly=True, bill_type="Purchase", pricing_term="Reserved",
         reservation_arn=_RI_M5, amortized="zero"),
    Kind("support", 0.05, "Fee", "AWSSupportBusiness", "AWS Support (Business)", "Dollar", "", "Dollar",
         "1", amount=("100.00", "2500.00", "0.01"), description="AWS Support (Business)",
         service_code="AWSSupportBusiness", regional=False, monthly=True, pricing_term=None),
    Kind("tax-ec2", 0.1, "Tax", "AmazonEC2", "Amazon Elastic Compute Cloud", "", "", "", "1",
         amount=("0.01", "800.00", "0.01"), description="Tax for product code AmazonEC2",
         regional=False, monthly=True, pricing_term=None, tax_type="VAT"),
    Kind("tax-s3", 0.1, "Tax", "AmazonS3", "Amazon Simple Storage Service", "", "", "", "1",
         amount=("0.01", "200.00", "0.01"), description="Tax for product code AmazonS3",
         regional=False, monthly=True, pricing_term=None, tax_type="VAT"),
    Kind("credit", 0.3, "Credit", "AmazonEC2", "Amazon Elastic Compute Cloud", "", "", "", "-1",
         amount=("0.01", "50.00", "0.01"), description="AWS Activate Credits", regional=False,
         pricing_term=None),
    Kind("refund", 0.1, "Refund", "AmazonS3", "Amazon Simple Storage Service", "", "", "", "-1",
         amount=("0.01", "30.00", "0.01"), description="Refund for service credit", regional=False,
         monthly=True, bill_type="Refund", pricing_term=None),
    Kind("marketplace", 1.5, "Usage", _MP_CODE, "Acme Observability Platform", "MP:AgentHours",
         "Unit", "Hrs", "0.012", amount=("1", "40", "1"), public_rate="0.012",
         description="Acme Observability Platform agent hours", product_family="SaaS",
         billing_entity=MARKETPLACE_ENTITY, legal_entity="Acme Software Inc.", pool="ec2-m5"),
)

# pool name -> (how many resources, id template); templates see {i}, {hex} (16 hex digits), {account}, {region}
POOLS: dict[str, tuple[int, str]] = {
    "ec2-m5": (400, "i-0{hex}"),
    "ec2-c6g": (300, "i-0{hex}"),
    "ebs": (600, "vol-0{hex}"),
    "s3": (60, "acme-{region}-bucket-{i:03d}"),
    "rds": (40, "arn:aws:rds:{region}:{account}:db:acme-db-{i:02d}"),
    "lambda": (150, "arn:aws:lambda:{region}:{account}:function:acme-fn-{i:03d}"),
    "logs": (80, "arn:aws:logs:{region}:{account}:log-group:/aws/lambda/acme-fn-{i:03d}"),
}
_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567"


@dataclass(frozen=True)
class Resource:
    id: str
    account: int  # index into ACCOUNTS
    region: int  # index into REGIONS
    team: int  # index into TEAMS, -1 for untagged
    env: int
    cost_center: int


def build_resources(seed: int = 20240101) -> tuple[dict[str, range], tuple[Resource, ...]]:
    """Every pool's resources (fixed for all samples, so a resource keeps its id, account and tags)."""
    rng = random.Random(seed)
    ranges: dict[str, range] = {}
    resources: list[Resource] = []
    for name, (count, template) in POOLS.items():
        start = len(resources)
        for i in range(count):
            account = rng.randrange(len(ACCOUNTS))
            region = rng.choices(range(len(REGIONS)), weights=(6, 3, 1))[0]
            hex16 = f"{rng.getrandbits(64):016x}"
            resources.append(
                Resource(
                    id=template.format(i=i, hex=hex16, account=ACCOUNTS[account][0], region=REGIONS[region][0]),
                    account=account,
                    region=region,
                    team=rng.randrange(len(TEAMS)) if rng.random() < 0.7 else -1,
                    env=rng.randrange(len(ENVS)) if rng.random() < 0.6 else -1,
                    cost_center=rng.randrange(len(COST_CENTERS)) if rng.random() < 0.5 else -1,
                )
            )
        ranges[name] = range(start, len(resources))
    return ranges, tuple(resources)


def line_item_id_chunks(seed: int = 7) -> tuple[str, ...]:
    """4096 random 13-character chunks; four of them make one 52-character line item id, as in the CUR."""
    rng = random.Random(seed)
    return tuple("".join(rng.choice(_ALPHABET) for _ in range(13)) for _ in range(4096))


def check_catalog() -> None:
    """Fail loudly if a kind could produce a cost the exact-money scheme cannot carry."""
    for kind in KINDS:
        low, high, step = (Decimal(x) for x in kind.amount)
        for value in (low, high, step, *(Decimal(r) for r in _rates(kind))):
            if value != value.quantize(Decimal(1).scaleb(-PRICE_SCALE)):
                raise ValueError(f"kind {kind.key}: {value} has more than {PRICE_SCALE} decimal places")
        for value in (low, high, step):
            if value != value.quantize(Decimal(1).scaleb(-AMOUNT_SCALE)):
                raise ValueError(f"kind {kind.key}: amount {value} has more than {AMOUNT_SCALE} decimals")
        worst = max(abs(Decimal(r)) for r in _rates(kind)) * high
        if worst >= MAX_ROW_COST:
            raise ValueError(f"kind {kind.key}: a row could cost {worst}, over {MAX_ROW_COST}")
        if kind.amortized not in AMORTIZED_MODES:
            raise ValueError(f"kind {kind.key}: unknown amortisation {kind.amortized!r}")


def _rates(kind: Kind) -> list[str]:
    rates = [kind.rate, kind.public_rate, kind.net_rate, kind.ri_upfront_rate, kind.ri_recurring_rate,
             kind.ri_amortized_upfront_rate, kind.savings_plan_rate]
    return [r for r in rates if r is not None]
