"""The reviews API, under /api/v1/."""

from django.urls import path

from apps.core.pagecache import public_response_cache
from apps.reviews.presentation import api_views, author_views

app_name = "reviews-api"

urlpatterns = [
    path(
        "pros/<slug:slug>/reviews/",
        public_response_cache(params=("page", "page_size", "ordering"))(
            api_views.ProReviewListView.as_view()
        ),
        name="pro-reviews",
    ),
    path("reviews/", api_views.ReviewSubmitView.as_view(), name="submit"),
    path("me/reviews/", author_views.MyReviewsView.as_view(), name="me-reviews"),
    path(
        "me/reviews/<id:review_id>/withdraw/",
        author_views.MyReviewWithdrawView.as_view(),
        name="me-review-withdraw",
    ),
    path(
        "reviews/latest/",
        public_response_cache(params=("page", "page_size"))(
            api_views.LatestReviewListView.as_view()
        ),
        name="latest",
    ),
    path("reviews/<id:review_id>/reply/", api_views.ReviewReplyView.as_view(), name="reply"),
    path("reviews/<id:review_id>/report/", api_views.ReviewReportView.as_view(), name="report"),
    path("reviews/<id:review_id>/proof/", api_views.ReviewProofView.as_view(), name="proof"),
    path(
        "moderation/reviews/<id:review_id>/proofs/<id:proof_id>/decision/",
        api_views.ModerationProofDecisionView.as_view(),
        name="proof-decision",
    ),
    path(
        "moderation/reviews/<id:review_id>/proofs/<id:proof_id>/file/",
        api_views.ModerationProofFileView.as_view(),
        name="proof-file",
    ),
    path("moderation/reviews/", api_views.ModerationQueueView.as_view(), name="moderation"),
    path(
        "moderation/reviews/<id:review_id>/decision/",
        api_views.ModerationDecisionView.as_view(),
        name="decision",
    ),
    path(
        "review-requests/",
        api_views.ReviewRequestListCreateView.as_view(),
        name="review-requests",
    ),
    path(
        "review-requests/tool/",
        api_views.ReviewRequestFromToolView.as_view(),
        name="review-requests-tool",
    ),
    path(
        "review-requests/bulk/",
        api_views.ReviewRequestBulkView.as_view(),
        name="review-requests-bulk",
    ),
    path(
        "review-requests/funnel/",
        api_views.ReviewRequestFunnelView.as_view(),
        name="review-requests-funnel",
    ),
    path(
        "review-requests/email-events/",
        api_views.EmailEventsView.as_view(),
        name="email-events",
    ),
    path(
        "review-requests/email-events/brevo/",
        api_views.BrevoEmailEventsView.as_view(),
        name="email-events-brevo",
    ),
    path(
        "review-requests/sms-events/",
        api_views.SmsEventsView.as_view(),
        name="sms-events",
    ),
    path(
        "review-requests/<id:invitation_id>/",
        api_views.ReviewRequestDetailView.as_view(),
        name="review-request",
    ),
]
