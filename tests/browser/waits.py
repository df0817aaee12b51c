"""Waiting on a page's state that no locator assertion covers (its scroll position, say).

page.wait_for_function evaluates its string with eval, which the pages' Content-Security-Policy
refuses as soon as the first try is false. A function given to page.evaluate is compiled by
DevTools, not eval: it checks once per animation frame, and fails by itself after the timeout.
"""

from __future__ import annotations

import json


def wait_until(page: object, condition: str, *, timeout_ms: int = 5000) -> None:
    """Return once the JavaScript expression `condition` is true in the page."""
    said = json.dumps(f"timed out after {timeout_ms} ms waiting for: {condition}")
    page.evaluate(  # type: ignore[attr-defined]
        "async () => {"
        f" const until = performance.now() + {timeout_ms};"
        f" while (!({condition})) {{"
        f"  if (performance.now() > until) throw new Error({said});"
        "  await new Promise((resolve) => requestAnimationFrame(resolve));"
        " }"
        "}"
    )
