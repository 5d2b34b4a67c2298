"""finops-hello-plugin: the example third-party plugin for open-finops."""

__version__ = "0.1.0"
