from tests.reporting.conftest import registers  # noqa: F401  (the same register fixture)
