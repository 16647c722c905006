"""Benchmarks run by `make bench`: side by side in one run, written to bench/results.json."""
