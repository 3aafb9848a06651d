"""cxkit's test suite (a package so tests can import ``tests.helpers``)."""
