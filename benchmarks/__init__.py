"""PhotoCompare's performance report: `python -m benchmarks [--json] [--quick]`.

See benchmarks/run.py for what is measured and docs/performance.md for the numbers.
"""
