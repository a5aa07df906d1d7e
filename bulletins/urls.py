from django.urls import path

from . import views

app_name = "bulletins"

urlpatterns = [
    path("", views.bulletin_list, name="list"),
    path("new/", views.bulletin_create, name="create"),
    path("<int:pk>/", views.bulletin_detail, name="detail"),
    path("<int:pk>/edit/", views.bulletin_edit, name="edit"),
    path("<int:pk>/action/<slug:name>/", views.bulletin_action, name="action"),
    path("<int:pk>/bulletin.pdf", views.bulletin_pdf, name="pdf"),
    path("<int:pk>/bulletin.docx", views.bulletin_docx, name="docx"),
    path("template/", views.template_page, name="template"),
    path("template/reset/", views.template_reset, name="template_reset"),
    path("template/download/", views.template_download, name="template_download"),
]
