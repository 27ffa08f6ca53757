from django.urls import path

from epiaid.investigation import views

app_name = "investigation"

urlpatterns = [
    path("", views.index, name="index"),
    path("<int:inv_id>/", views.console, name="console"),
    path("deliveries/", views.deliveries, name="deliveries"),
    path("deliveries/<int:req_id>/upload/", views.upload, name="upload"),
    path("publications/", views.publications, name="publications"),
    path("publications/<int:pub_id>/decision/", views.review, name="review"),
]
