"""Benchmarks that print their figures; run each from the checkout as a module, e.g. `python -m bench.run`
(`--quick` for a run of seconds at small sizes, which the test suite makes: tests/test_bench.py)."""
