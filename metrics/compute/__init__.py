"""Pure computation of the dashboard figures (DESIGN.md §5). No Django here.

Dates are day numbers (``date.toordinal()``) and people are small integers
(indexes into the org's people), so that one load of an org's history can be
cut into many groups and periods with numpy masks instead of new queries.

- ``km``: Kaplan–Meier quantiles with censoring, and the bootstrap of a
  difference of medians.
- ``figures``: one function per metric of §5.
- ``privacy``: the k rule, including differencing across filters.
"""

from .km import bootstrap_median_difference, km_quantiles  # noqa: F401
