from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("incidents/<int:pk>/disposal-form.pdf", views.disposal_form_pdf, name="disposal_form_pdf"),
    path("disposal-form-blank.pdf", views.blank_disposal_form_pdf, name="blank_disposal_form_pdf"),
]
