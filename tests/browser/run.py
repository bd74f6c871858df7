#!/usr/bin/python3
"""Browser tests: headless Debian chromium against rendered pages.

    BUILD=build /usr/bin/python3 tests/browser/run.py [NAME-FILTER]

Runs every tests/browser/test_*.py module with the shared runner of
tests/lib/harness.py (setup/test_*/teardown, TAP output, exit status 1 on
any failure).  test_report.py renders the fixtures of tests/browser/fixtures
with $BUILD/tests/tools/render_report; tests against a live server go in
their own test_*.py module: start a harness.Server in setup(), then use
chrome.Browser().open(url, headers={"Authorization": "Bearer " + key}) (or
.dom(url, headers)) and the checks of report_checks.py on the page.
Screenshots and rendered pages land in tests/artifacts/ (git-ignored).
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "lib"))

import chrome  # noqa: E402
import harness  # noqa: E402

if __name__ == "__main__":
    if not os.access(chrome.CHROMIUM, os.X_OK):
        print(f"not ok 1 - chromium not found at {chrome.CHROMIUM} "
              "(apt-get install chromium)")
        print("1..1")
        sys.exit(1)
    harness.main(HERE)
