"""open-finops-azure: import Azure Cost Management exports into open-finops."""

VENDOR = "azure"
