""" "Mes avis": the author's reviews, page and API, and their withdrawal (NF Z74-501)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_POST
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.reviews.authors import author_reviews, review_withdraw_by_author

app_name = "reviews-author"


@login_required
def my_reviews(request):
    reviews = author_reviews(user_id=request.user.pk)
    return render(request, "reviews/author/list.html", {"reviews": reviews})


@login_required
@require_POST
def withdraw(request, review_id: int):
    review_withdraw_by_author(review_id=review_id, user_id=request.user.pk)
    messages.success(request, "Votre avis est retiré : il n'apparaît plus sur Eldo.")
    return redirect("reviews-author:list")


class AuthorReviewSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    pro_id = serializers.IntegerField()
    pro_name = serializers.CharField()
    pro_slug = serializers.CharField()
    rating = serializers.IntegerField(help_text="Note globale, 1 à 5.")
    title = serializers.CharField()
    body = serializers.CharField()
    work_date = serializers.DateField()
    status = serializers.ChoiceField(
        choices=["pending", "published", "rejected", "in_dispute", "withdrawn"],
        help_text="`withdrawn` : retiré par son auteur, plus jamais affiché.",
    )
    status_label = serializers.CharField()
    label = serializers.ChoiceField(choices=["verified", "collected", "spontaneous"])
    label_name = serializers.CharField()
    created_at = serializers.DateTimeField()
    published_at = serializers.DateTimeField(allow_null=True)
    is_public = serializers.BooleanField()
    can_withdraw = serializers.BooleanField()


class MyReviewsView(APIView):
    """The reviews I wrote (signed-in account, or my verified address), newest first."""

    pagination_class: type[BasePagination] | None = None

    @extend_schema(operation_id="me_reviews_list", responses=AuthorReviewSerializer(many=True))
    def get(self, request):
        rows = author_reviews(user_id=request.user.pk)
        return Response(AuthorReviewSerializer(rows, many=True).data)


class MyReviewWithdrawView(APIView):
    """Withdraw one of my reviews: it leaves the public pages and the pro's rating at once.
    Another person's review: 404. Idempotent."""

    @extend_schema(
        operation_id="me_reviews_withdraw",
        request=None,
        responses={
            200: AuthorReviewSerializer,
            404: OpenApiResponse(description="Pas votre avis."),
        },
    )
    def post(self, request, review_id: int):
        review_withdraw_by_author(review_id=review_id, user_id=request.user.pk)
        row = next(r for r in author_reviews(user_id=request.user.pk) if r.id == review_id)
        return Response(AuthorReviewSerializer(row).data)


urlpatterns = [
    path("mes-avis/", my_reviews, name="list"),
    path("mes-avis/<id:review_id>/retirer/", withdraw, name="withdraw"),
]
