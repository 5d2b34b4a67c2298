"""open-finops-report: ``finops report``, an offline HTML cost report computed from ``focus.costs``."""
