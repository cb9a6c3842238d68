"""Sign-up by invitation only (django-allauth adapter)."""

from allauth.account.adapter import DefaultAccountAdapter

INVITATION_SESSION_KEY = "touchpoint_invitation"


class InvitationOnlyAccountAdapter(DefaultAccountAdapter):
    def _invitation(self, request):
        from .services import invitation_open

        token = request.session.get(INVITATION_SESSION_KEY) if request is not None else None
        return invitation_open(token) if token else None

    def is_open_for_signup(self, request):
        # The sign-up form is open only to someone holding a valid invitation link.
        return self._invitation(request) is not None

    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=commit)
        invitation = self._invitation(request)
        if commit and invitation is not None and invitation.email.lower() == user.email.lower():
            from .services import invitation_accept

            invitation_accept(token=invitation.token, user=user)
            request.session.pop(INVITATION_SESSION_KEY, None)
        return user
