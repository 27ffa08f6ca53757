from django.urls import path

from epiaid.situation import views

app_name = "situation"

urlpatterns = [
    path("", views.map_page, name="index"),
    path("template.csv", views.template_download, name="template"),
    path("staff/", views.staff_cases, name="staff-cases"),
    path("staff/new/", views.staff_new_case, name="staff-new-case"),
    path("staff/cases/<str:number>/", views.staff_case, name="staff-case"),
    path("staff/cases/<str:number>/edit/", views.staff_edit_case, name="staff-edit-case"),
    path("staff/visits/<int:visit_id>/edit/", views.staff_edit_visit, name="staff-edit-visit"),
    path("staff/visits/<int:visit_id>/toggle/", views.toggle_disclosure, name="toggle-disclosure"),
]
