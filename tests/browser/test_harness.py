"""The harness itself: the axe check can fail, and it reads axe-core from the package."""

import pytest

from tests.browser.helpers import assert_accessible

pytestmark = pytest.mark.browser


def test_assert_accessible_fails_on_a_critical_violation_and_names_it(page):
    page.set_content('<html lang="en"><body><main><h1>T</h1><img src="x.png"></main></body></html>')

    with pytest.raises(AssertionError, match=r"image-alt \(critical\)"):
        assert_accessible(page)


def test_assert_accessible_passes_a_clean_page_without_any_network(page):
    blocked = []
    page.route("**/*", lambda route: (blocked.append(route.request.url), route.abort()))
    page.set_content('<html lang="en"><head><title>T</title></head>'
                     '<body><main><h1>T</h1><img src="data:," alt="dot"></main></body></html>')

    assert_accessible(page)
    assert not [url for url in blocked if url.startswith("http")]
