"""User-level pages (not inside an organisation), included at the root."""

from django.urls import path

from .views import tokens

urlpatterns = [
    path("account/tokens/", tokens.api_tokens, name="api_tokens"),
    path("account/tokens/<uuid:token_id>/revoke/", tokens.api_token_revoke, name="api_token_revoke"),
]
