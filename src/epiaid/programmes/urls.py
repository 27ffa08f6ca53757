from django.urls import path

from epiaid.programmes import views

app_name = "programmes"

urlpatterns = [
    path("", views.index, name="index"),
    path("apply/", views.apply, name="apply"),
    path("applications/<int:app_id>/", views.application, name="application"),
    path("applications/<int:app_id>/<str:action>/", views.application_action, name="action"),
    path("review/", views.reviewer_queue, name="review"),
    path("officer/", views.officer, name="officer"),
    path("finance/", views.finance, name="finance"),
    path("finance/<str:kind>/<int:pk>/", views.finance_action, name="finance-action"),
]
