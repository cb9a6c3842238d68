def tenancy(request):
    """The org and membership resolved for this request (if any) and the
    user's other orgs, for the navigation and the org switcher."""
    org = getattr(request, "org", None)
    membership = getattr(request, "membership", None)
    user = getattr(request, "user", None)
    memberships = []
    if user is not None and user.is_authenticated:
        from .selectors import memberships_of_user

        memberships = memberships_of_user(user)
    return {"org": org, "membership": membership, "my_memberships": memberships}
