"""Program pages, included under /o/<slug:org_slug>/ (program managers only)."""

from django.urls import path

from .views import programs

urlpatterns = [
    path("programs/", programs.program_list, name="program_list"),
    path("programs/new/", programs.program_create, name="program_create"),
    path("programs/<uuid:program_id>/", programs.program_detail, name="program_detail"),
    path("programs/<uuid:program_id>/cohorts/new/", programs.cohort_create, name="cohort_create"),
    path("cohorts/<uuid:cohort_id>/", programs.cohort_detail, name="cohort_detail"),
    path("cohorts/<uuid:cohort_id>/participants/", programs.cohort_participants, name="cohort_participants"),
    path("cohorts/<uuid:cohort_id>/participants/<uuid:participant_id>/", programs.participant_edit,
         name="participant_edit"),
    path("cohorts/<uuid:cohort_id>/participants/<uuid:participant_id>/remove/", programs.participant_remove,
         name="participant_remove"),
    path("cohorts/<uuid:cohort_id>/pairing/", programs.cohort_pairing_run, name="cohort_pairing_run"),
    path("cohorts/<uuid:cohort_id>/swap/", programs.cohort_swap, name="cohort_swap"),
    path("cohorts/<uuid:cohort_id>/assign/", programs.cohort_assign, name="cohort_assign"),
    path("cohorts/<uuid:cohort_id>/publish/", programs.cohort_publish, name="cohort_publish"),
    path("cohorts/<uuid:cohort_id>/end/", programs.cohort_end, name="cohort_end"),
    path("cohorts/<uuid:cohort_id>/history/", programs.cohort_history, name="cohort_history"),
    path("pairing-runs/<uuid:run_id>/", programs.pairing_run_progress, name="pairing_run_progress"),
    path("pairs/<uuid:pair_id>/lock/", programs.pair_lock, name="pair_lock"),
    path("pairs/<uuid:pair_id>/unlock/", programs.pair_unlock, name="pair_unlock"),
    path("pairs/<uuid:pair_id>/unpair/", programs.pair_unpair, name="pair_unpair"),
]
