"""The test suite. A package only so that `tests.helpers` can be imported by the tests and
by `scripts/` alike (see tests/README.md); the test folders themselves are not packages."""
