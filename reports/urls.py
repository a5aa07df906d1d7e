from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("incidents/<int:pk>/disposal-form.pdf", views.disposal_form_pdf, name="disposal_form_pdf"),
    path("disposal-form-blank.pdf", views.blank_disposal_form_pdf, name="blank_disposal_form_pdf"),
    path("incidents/<int:pk>/upward-brief/", views.upward_brief, name="upward_brief"),
    path("incidents/<int:pk>/dossier/", views.dossier_card, name="dossier_card"),
    path("incidents/<int:pk>/dossier/generate/", views.dossier_generate, name="dossier_generate"),
    path("incidents/<int:pk>/dossier/verify/", views.dossier_verify, name="dossier_verify"),
    path("incidents/<int:pk>/dossier.pdf", views.dossier_download, name="dossier_download"),
    path("meetings/<int:pk>/minutes.pdf", views.meeting_minutes_pdf, name="meeting_minutes_pdf"),
    path(
        "incidents/<int:pk>/dossier/versions/<int:version>.pdf",
        views.dossier_version_download,
        name="dossier_version_download",
    ),
    path("archive/", views.archive_page, name="archive"),
    path("cases/", views.case_library, name="cases"),
    path("archive/exports/<int:pk>/", views.export_row, name="export_row"),
    path("archive/exports/<int:pk>/download/", views.export_download, name="export_download"),
]
