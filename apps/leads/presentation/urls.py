from django.urls import path

from apps.leads.presentation import api_views, homeowner, rules_api

app_name = "leads-api"

urlpatterns = [
    path("leads/", api_views.LeadListView.as_view(), name="leads"),
    path("leads/inbound/", api_views.InboundLeadView.as_view(), name="inbound"),
    path("leads/<id:lead_id>/", api_views.LeadDetailView.as_view(), name="detail"),
    path("leads/<id:lead_id>/reassign/", api_views.LeadReassignView.as_view(), name="reassign"),
    path("network/rules/", rules_api.RoutingRuleListView.as_view(), name="rules"),
    path("network/rules/preview/", rules_api.RoutingPreviewView.as_view(), name="rules-preview"),
    path("network/rules/<id:rule_id>/", rules_api.RoutingRuleDetailView.as_view(), name="rule"),
    path("me/quotes/", homeowner.MyQuotesView.as_view(), name="me-quotes"),
]
