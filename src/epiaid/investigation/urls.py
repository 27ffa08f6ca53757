from django.urls import path

from epiaid.investigation import views

app_name = "investigation"

urlpatterns = [
    path("", views.index, name="index"),
    path("<int:inv_id>/", views.console, name="console"),
]
