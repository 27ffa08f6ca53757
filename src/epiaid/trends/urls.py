from django.urls import path

from epiaid.trends import views

app_name = "trends"

urlpatterns = [
    path("", views.index, name="index"),
    path("report.html", views.report_html, name="report-html"),
    path("report.pdf", views.report_pdf, name="report-pdf"),
    path("changepoints.csv", views.changepoints_csv, name="changepoints-csv"),
    path("plotly.min.js", views.plotly_js, name="plotly-js"),
]
