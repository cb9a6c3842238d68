"""The nudges bench section on a small scale: the real sweep makes one nudge
per due next step and reports its rate beside the bulk UPDATE's (times are
never judged here)."""

import pytest

from bench import common, nudges
from sessions_app.models import Nudge


@pytest.mark.django_db
def test_nudges_section_sweeps_every_due_step_once_and_leaves_nothing_behind():
    figures = {f["name"]: f for f in nudges.run(common.Context(scale=0.01))}

    assert all(common.well_formed(f) for f in figures.values())
    assert (figures["nudges.nudges_created"]["value"], figures["nudges.nudges_created"]["met"]) == (1000, True)
    assert figures["nudges.sweep_per_s"]["value"] > 0 and figures["nudges.sweep_per_s"]["baseline"] > 0
    assert not Nudge.unscoped.exists()  # rolled back
