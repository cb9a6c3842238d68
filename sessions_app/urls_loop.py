"""Pages of the session loop, included under /o/<slug:org_slug>/."""

from django.urls import path

from .views import loop

urlpatterns = [
    path("sessions/", loop.session_list, name="session_list"),
    path("sessions/<uuid:session_id>/", loop.session_detail, name="session_detail"),
    path("sessions/<uuid:session_id>/log/", loop.session_log, name="session_log"),
    path("sessions/<uuid:session_id>/note/", loop.session_note, name="session_note"),
    path("sessions/<uuid:session_id>/kudos/", loop.session_kudos, name="session_kudos"),
    path("sessions/<uuid:session_id>/survey/", loop.session_survey, name="session_survey"),
    path("next-steps/", loop.next_step_list, name="next_step_list"),
    path("next-steps/overview/", loop.next_steps_overview, name="next_steps_overview"),
    path("next-steps/<uuid:step_id>/complete/", loop.next_step_complete, name="next_step_complete"),
    path("next-steps/<uuid:step_id>/reopen/", loop.next_step_reopen, name="next_step_reopen"),
    path("mentees/next-steps/", loop.mentees_next_steps, name="mentees_next_steps"),
    path("agendas/", loop.agenda_list, name="agenda_list"),
    path("agendas/new/", loop.agenda_create, name="agenda_create"),
    path("agendas/<uuid:agenda_id>/edit/", loop.agenda_edit, name="agenda_edit"),
    path("agendas/<uuid:agenda_id>/delete/", loop.agenda_delete, name="agenda_delete"),
    path("kudos/", loop.kudos_feed, name="kudos_feed"),
]
