"""Benchmarks of the nettx book: ``python -m bench`` (see the README and BENCHMARKS.md).

Each case runs in a child process, several times; the report gives medians, the
spread, the peak memory and ratios. Timings are never asserted by the test suite.
"""
