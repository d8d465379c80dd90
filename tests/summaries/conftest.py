from tests.reporting.conftest import registers  # noqa: F401
