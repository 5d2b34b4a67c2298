"""open-finops-docker: the visualization stack and the containerised pipeline."""

__version__ = "0.1.0"
