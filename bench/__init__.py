"""Benchmarks: thin mains (run.py, proposals.py, import_bench.py) over bench/lib/."""
