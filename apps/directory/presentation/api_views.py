from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, permissions, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.counters import counter_incr, counter_incr_many
from apps.core.pagecache import cache_depends, cache_meta
from apps.core.site import absolute_url
from apps.directory import selectors
from apps.directory.brands import BRANDS_GENERATION
from apps.directory.geography import commune_autocomplete
from apps.directory.models import ProProfile
from apps.directory.presentation.forms import SearchForm
from apps.directory.presentation.serializers import (
    BadgeSerializer,
    CategorySerializer,
    ProDetailSerializer,
    ProListSerializer,
)
from apps.directory.search import pro_search
from apps.directory.services import (
    CATALOG_GENERATION,
    listing_generations,
    pro_generation,
)

BADGE_CACHE_SECONDS = 300


class PublicReadMixin:
    """Public, read-only data: no login, no per-client throttle (the gateway caches it)."""

    permission_classes = [permissions.AllowAny]
    throttle_classes: list = []


class CategoryListView(PublicReadMixin, generics.ListAPIView):
    """Categories of work (trades and projects), as a tree through `parent`."""

    serializer_class = CategorySerializer
    queryset = selectors.category_list()


SEARCH_PARAMETERS = [
    OpenApiParameter("q", str, description="Texte libre (nom, métier, description)"),
    OpenApiParameter("category", str, description="Slug de catégorie (sous-catégories incluses)"),
    OpenApiParameter("postcode", str, description="Code postal (5 chiffres)"),
    OpenApiParameter("department", str, description="Code de département (31, 2A, 974)"),
    OpenApiParameter("place", str, description="Code postal, slug de commune ou de département"),
    OpenApiParameter("min_rating", OpenApiTypes.NUMBER, description="Note moyenne minimale (0–5)"),
    OpenApiParameter("certification", str, description="Label valide exigé (rge, qualibat…)"),
    OpenApiParameter("verified", OpenApiTypes.BOOL, description="Entreprises vérifiées seulement"),
    OpenApiParameter(
        "brand",
        str,
        description="Slug d'une marque publiée (/marques/{slug}/) : ses installateurs certifiés "
        "seulement. Marque inconnue : erreur 400 sur le champ `brand`.",
    ),
    OpenApiParameter(
        "ordering",
        str,
        enum=["relevance", "score", "reviews", "rating", "distance"],
        description="Tri (par défaut : pertinence avec texte, sinon note pondérée)",
    ),
]


class ProListView(PublicReadMixin, generics.ListAPIView):
    """Search pros by text, category and place; ordered by the documented score."""

    serializer_class = ProListSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no database
            return ProProfile.objects.none()
        cache_depends(self.request._request, CATALOG_GENERATION)
        form = SearchForm(self.request.query_params)
        if not form.is_valid():
            raise ValidationError({f: [str(m) for m in errs] for f, errs in form.errors.items()})
        criteria = form.criteria()
        cache_depends(self.request._request, *listing_generations(criteria.category))
        if criteria.brand_organization_id is not None:
            cache_depends(self.request._request, BRANDS_GENERATION)
        return pro_search(criteria)

    @extend_schema(parameters=SEARCH_PARAMETERS)
    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        slugs_shown = [row["slug"] for row in response.data.get("results", [])]
        if slugs_shown:
            counter_incr_many("directory.SearchImpression", slugs_shown)
            cache_meta(request._request, impressions=slugs_shown)
        return response


class ProDetailView(PublicReadMixin, APIView):
    """A pro's public profile, with its rating histogram."""

    @extend_schema(responses=ProDetailSerializer)
    def get(self, request, slug: str):
        pro = selectors.pro_detail(slug=slug)
        if pro is None:
            raise Http404
        cache_depends(request._request, pro_generation(pro.id))
        cache_meta(request._request, slug=pro.slug)
        counter_incr("directory.ProProfileViewed", pro.slug)
        return Response(ProDetailSerializer(pro, context={"request": request}).data)


class ProBadgeView(PublicReadMixin, APIView):
    """Public widget data for a pro's own website (CORS-open, cacheable).

    Kept by the public response cache (its URL) while the pro's generation holds, CORS and
    Cache-Control headers included: a hit skips the API's whole stack."""

    @extend_schema(responses=BadgeSerializer)
    def get(self, request, slug: str):
        pro = selectors.pro_detail(slug=slug)
        if pro is None:
            raise Http404
        cache_depends(request._request, pro_generation(pro.id))
        data = BadgeSerializer(
            {
                "slug": pro.slug,
                "name": pro.name,
                "url": absolute_url(f"/pro/{pro.slug}/"),
                "rating": ProListSerializer().get_rating(pro),
                "is_verified": pro.is_verified,
                "certifications": sorted({c.label for c in pro.valid_certifications}),
            }
        ).data
        response = Response(data)
        response["Access-Control-Allow-Origin"] = "*"
        response["Cache-Control"] = f"public, max-age={BADGE_CACHE_SECONDS}"
        return response


class CommuneSerializer(serializers.Serializer):
    insee_code = serializers.CharField()
    name = serializers.CharField()
    slug = serializers.CharField()
    postcodes = serializers.ListField(child=serializers.CharField())
    department_code = serializers.CharField()
    department_name = serializers.CharField()


class CommuneAutocompleteView(PublicReadMixin, APIView):
    """Communes whose name (accents and case ignored) or postcode starts with `q`."""

    @extend_schema(
        parameters=[
            OpenApiParameter("q", str, required=True, description="Début du nom ou du code postal")
        ],
        responses=CommuneSerializer(many=True),
    )
    def get(self, request):
        query = request.query_params.get("q", "")
        if len(query.strip()) < 2 or len(query) > 100:
            raise ValidationError({"q": ["Saisissez de 2 à 100 caractères."]})
        return Response(CommuneSerializer(commune_autocomplete(query, limit=10), many=True).data)
