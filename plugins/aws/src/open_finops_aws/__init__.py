"""open-finops-aws: import AWS Cost and Usage Reports into DuckDB or any dlt destination."""

__version__ = "0.1.0"
VENDOR = "aws"
