"""API tests: real `fairaudit serve` processes over loopback against the
throwaway PostgreSQL of tests/run.sh.  Usage: run.py [FILTER]."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import harness  # noqa: E402

harness.main(os.path.dirname(os.path.abspath(__file__)))
