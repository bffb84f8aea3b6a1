"""An app that fails to import: the worker must report the traceback and exit 3."""

raise RuntimeError("broken on purpose")
