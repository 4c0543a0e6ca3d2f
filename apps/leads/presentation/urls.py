from django.urls import path

from apps.leads.presentation import api_views, homeowner

app_name = "leads-api"

urlpatterns = [
    path("leads/", api_views.LeadListView.as_view(), name="leads"),
    path("leads/inbound/", api_views.InboundLeadView.as_view(), name="inbound"),
    path("leads/<int:lead_id>/", api_views.LeadDetailView.as_view(), name="detail"),
    path("leads/<int:lead_id>/reassign/", api_views.LeadReassignView.as_view(), name="reassign"),
    path("me/quotes/", homeowner.MyQuotesView.as_view(), name="me-quotes"),
]
