from django.urls import path

from . import views

app_name = "evaluation"

urlpatterns = [
    path("", views.index, name="index"),
    path("export.xlsx", views.index_xlsx, name="index_xlsx"),
    path("weights/", views.weights, name="weights"),
    path("ledger/", views.ledger, name="ledger"),
    path("ledger/export.xlsx", views.ledger_xlsx, name="ledger_xlsx"),
    path("ledger/new/", views.ledger_create, name="ledger_create"),
    path("ledger/<int:pk>/", views.ledger_detail, name="ledger_detail"),
    path("ledger/<int:pk>/edit/", views.ledger_edit, name="ledger_edit"),
    path("ledger/attachments/<int:pk>/", views.attachment_download, name="attachment_download"),
]
