"""Directory, session requests and time-bank pages, included under /o/<slug:org_slug>/."""

from django.urls import path

from .views import network, timebank

urlpatterns = [
    path("directory/", network.directory_home, name="directory_home"),
    path("directory/<uuid:program_id>/", network.directory, name="directory"),
    path("directory/<uuid:program_id>/my-listing/", network.listing_edit, name="listing_edit"),
    path("listings/<uuid:listing_id>/request/", network.session_request_create, name="session_request_create"),
    path("requests/", network.session_request_list, name="session_request_list"),
    path("requests/<uuid:request_id>/accept/", network.session_request_accept, name="session_request_accept"),
    path("requests/<uuid:request_id>/decline/", network.session_request_decline, name="session_request_decline"),
    path("requests/<uuid:request_id>/withdraw/", network.session_request_withdraw,
         name="session_request_withdraw"),
    path("time-bank/", timebank.timebank, name="timebank"),
    path("time-bank/members/", timebank.timebank_members, name="timebank_members"),
    path("time-bank/members/<uuid:member_id>/adjust/", timebank.timebank_adjust_view, name="timebank_adjust"),
]
