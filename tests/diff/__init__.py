"""Tests of `apiops diff` (a package, so its module names cannot clash with other folders)."""
