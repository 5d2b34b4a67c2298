"""The ``finops`` command line: built by a factory from the plugin registry."""
