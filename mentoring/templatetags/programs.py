"""``{% my_pairs %}``: a mentee's mentor / a mentor's mentees on the org home page
(and, for program managers, the way to the programs)."""

from django import template
from django.urls import NoReverseMatch, reverse

from ..selectors_programs import my_pairs as select_my_pairs

register = template.Library()


@register.inclusion_tag("programs/_my_pairs.html", takes_context=True)
def my_pairs(context):
    membership = context.get("membership")
    if membership is None:
        return {}
    pairs = select_my_pairs(membership)
    programs_url = None
    if membership.is_manager:
        try:
            programs_url = reverse("program_list", args=[membership.organization.slug])
        except NoReverseMatch:  # the program pages are not mounted in this URLconf
            pass
    slug = membership.organization.slug
    return {"pairs": pairs, "programs_url": programs_url,
            # Participants edit their own goals there; external mentors read their agreement.
            "goals_url": reverse("my_participations", args=[slug]),
            "agreement_url": reverse("my_agreement", args=[slug]) if membership.is_external else None,
            "as_mentee": [p for p in pairs if p.mentee.membership_id == membership.pk],
            "as_mentor": [p for p in pairs if p.mentor.membership_id == membership.pk]}
