"""What browser tests share: signing in through the real form and axe checks."""

from __future__ import annotations

import re

from axe_playwright_python.sync_playwright import Axe

# axe-core ships inside axe-playwright-python (axe.min.js): no CDN involved.
_AXE = Axe()
BLOCKING_IMPACTS = ("serious", "critical")
# allauth's stock labels end in ":"; our templates may drop it.
EMAIL_LABEL = re.compile(r"^\s*e-?mail( address)?:?\s*$", re.I)
PASSWORD_LABEL = re.compile(r"^\s*password:?\s*$", re.I)


def login(page, email: str, password: str) -> None:
    """Sign in through allauth's login form, as a person would (keyboard-friendly locators)."""
    page.goto("/accounts/login/")
    page.get_by_label(EMAIL_LABEL).fill(email)
    page.get_by_label(PASSWORD_LABEL).fill(password)
    page.get_by_role("button", name=re.compile(r"sign in", re.I)).click()
    page.wait_for_load_state()


def axe_violations(page, impacts=BLOCKING_IMPACTS) -> list[dict]:
    results = _AXE.run(page)
    return [v for v in results.response["violations"] if v.get("impact") in impacts]


def format_violations(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']}  <{v['helpUrl']}>")
        for node in v["nodes"][:10]:
            lines.append(f"    at {', '.join(map(str, node['target']))}: {node.get('html', '')[:160]}")
            summary = (node.get("failureSummary") or "").replace("\n", "\n      ")
            if summary:
                lines.append(f"      {summary}")
        if len(v["nodes"]) > 10:
            lines.append(f"    … and {len(v['nodes']) - 10} more")
    return "\n".join(lines)


def assert_accessible(page) -> None:
    """Fail on any serious or critical axe-core violation of the current page."""
    violations = axe_violations(page)
    assert not violations, (
        f"{len(violations)} serious/critical accessibility violation(s) on {page.url}:\n"
        + format_violations(violations))
