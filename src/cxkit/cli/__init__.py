"""The `cxkit` command line."""
