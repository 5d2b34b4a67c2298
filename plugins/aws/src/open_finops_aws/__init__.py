"""open-finops-aws: import AWS Cost and Usage Reports into DuckDB or PostgreSQL."""

__version__ = "0.1.0"
VENDOR = "aws"
