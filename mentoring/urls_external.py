"""External mentors and participants' own goals, included under /o/<slug:org_slug>/."""

from django.urls import path

from .views import external

urlpatterns = [
    path("external/", external.external_mentors, name="external_mentors"),
    path("external/agreement-template/", external.agreement_template, name="agreement_template"),
    path("external/<uuid:mentor_id>/terms/", external.external_terms, name="external_terms"),
    path("external/<uuid:mentor_id>/statement/", external.external_statement, name="external_statement"),
    path("external/<uuid:mentor_id>/statement.csv", external.external_statement_csv, name="external_statement_csv"),
    path("my/agreement/", external.my_agreement, name="my_agreement"),
    path("agreements/<uuid:agreement_id>/accept/", external.agreement_accept, name="agreement_accept"),
    path("my/participations/", external.my_participations, name="my_participations"),
    path("my/participations/<uuid:participant_id>/goals/", external.participation_goals,
         name="participation_goals"),
]
