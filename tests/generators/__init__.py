"""Generator tests; `generators.support` is shared with tests/test_schemas.py and
tests/test_pipeline.py (a package, so its module names cannot clash with other folders)."""
