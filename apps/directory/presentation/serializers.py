from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.core.site import absolute_url
from apps.directory.brands import brands_for_pros, network_names
from apps.directory.models import Category, CheckKind, CheckStatus, ProCheck, ProProfile
from apps.directory.profiles import pro_detail_data
from apps.directory.verification.checks import public_checks


class CategorySerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = Category
        fields = ["slug", "name", "description", "icon", "parent"]


class CertificationSerializer(serializers.ModelSerializer):
    """A label Eldo verified and still valid (the only ones the public sees)."""

    kind = serializers.CharField(source="label", help_text="rge, qualibat, qualipv…")
    label = serializers.CharField(source="get_label_display")
    is_valid = serializers.SerializerMethodField()

    class Meta:
        model = ProCheck
        fields = ["kind", "label", "number", "domains", "valid_from", "valid_until", "is_valid"]

    def get_is_valid(self, obj) -> bool:
        return obj.is_valid()


class VerificationSerializer(serializers.Serializer):
    """One line of the public "Vérifications Eldo" panel (never a document)."""

    kind = serializers.ChoiceField(choices=CheckKind.choices)
    title = serializers.CharField()
    status = serializers.ChoiceField(choices=[CheckStatus.VERIFIED, CheckStatus.EXPIRED])
    source = serializers.CharField()
    checked_on = serializers.DateField(allow_null=True)
    valid_until = serializers.DateField(allow_null=True)
    domains = serializers.ListField(child=serializers.CharField())
    trades = serializers.ListField(child=serializers.CharField())


class RatingSerializer(serializers.Serializer):
    average = serializers.FloatField()
    count = serializers.IntegerField()
    score = serializers.FloatField()


class ProListSerializer(serializers.ModelSerializer):
    commune = serializers.CharField(source="commune.name")
    department = serializers.CharField(source="commune.department_id")
    categories = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    certifications = serializers.SerializerMethodField()
    rating = serializers.SerializerMethodField()
    distance_km = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    class Meta:
        model = ProProfile
        fields = [
            "slug",
            "name",
            "commune",
            "postcode",
            "department",
            "categories",
            "certifications",
            "is_verified",
            "rating",
            "distance_km",
            "url",
        ]

    def get_certifications(self, obj) -> list[str]:
        return sorted({c.label for c in getattr(obj, "valid_certifications", [])})

    def get_rating(self, obj) -> dict:
        rating = getattr(obj, "rating", None)
        if rating is None:
            return {"average": 0.0, "count": 0, "score": 0.0}
        return {
            "average": float(rating.average),
            "count": rating.count,
            "score": round(rating.score, 3),
        }

    def get_distance_km(self, obj) -> float | None:
        distance = getattr(obj, "distance_km", None)
        return None if distance is None else round(distance, 1)

    def get_url(self, obj) -> str:
        return absolute_url(f"/pro/{obj.slug}/")


class BrandLinkSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    url = serializers.CharField(help_text="Page publique de la marque (/marques/{slug}/).")


class ProDetailSerializer(ProListSerializer):
    description = serializers.CharField()
    histogram = serializers.SerializerMethodField()
    criteria = serializers.SerializerMethodField()
    certifications = serializers.SerializerMethodField()
    verifications = serializers.SerializerMethodField()
    service_area = serializers.SerializerMethodField()
    networks = serializers.SerializerMethodField(
        help_text="Réseaux de l'entreprise (les marques dont elle est installateur certifié "
        "sont dans `brands`)."
    )
    brands = serializers.SerializerMethodField(
        help_text="Marques dont l'entreprise est installateur certifié (vérifié par Eldo)."
    )
    has_phone = serializers.SerializerMethodField(
        help_text="Un numéro est affiché sur demande, sur la fiche (/pro/{slug}/telephone/)."
    )
    logo = serializers.SerializerMethodField()
    photos = serializers.SerializerMethodField()

    class Meta(ProListSerializer.Meta):
        fields = [
            *ProListSerializer.Meta.fields,
            "description",
            "address",
            # No phone: it is revealed on the profile page only ("Afficher le numéro",
            # /pro/<slug>/telephone/), where each visitor's reveal is counted for the pro.
            "has_phone",
            "website",
            "siret",
            "year_founded",
            "headcount",
            "histogram",
            "criteria",
            "verifications",
            "service_area",
            "networks",
            "brands",
            "logo",
            "photos",
        ]

    def to_representation(self, instance) -> dict:
        # One source for the profile's data (the API, the page, the back office): the
        # fields above document its shape in the OpenAPI schema.
        return pro_detail_data(instance)

    def get_histogram(self, obj) -> dict[str, int]:
        stored = getattr(getattr(obj, "rating", None), "histogram", None) or {}
        return {str(star): int(stored.get(str(star), 0)) for star in range(1, 6)}

    def get_criteria(self, obj) -> dict[str, float]:
        return getattr(getattr(obj, "rating", None), "criteria", None) or {}

    @extend_schema_field(CertificationSerializer(many=True))
    def get_certifications(self, obj) -> list[dict]:
        return CertificationSerializer(obj.valid_certifications, many=True).data

    @extend_schema_field(VerificationSerializer(many=True))
    def get_verifications(self, obj) -> list[dict]:
        return VerificationSerializer(public_checks(obj.all_checks), many=True).data

    def get_service_area(self, obj) -> dict:
        return {
            "departments": [d.code for d in obj.service_departments.all()],
            "radius_km": obj.service_radius_km,
        }

    def get_has_phone(self, obj) -> bool:
        return bool(obj.phone)

    def _brands(self, obj) -> list:
        if not hasattr(obj, "_brand_refs"):
            obj._brand_refs = brands_for_pros([obj])[obj.id]
        return obj._brand_refs

    def get_networks(self, obj) -> list[str]:
        return network_names(obj, brands=self._brands(obj))

    @extend_schema_field(BrandLinkSerializer(many=True))
    def get_brands(self, obj) -> list[dict]:
        return [
            {"slug": b.slug, "name": b.name, "url": self._absolute(b.url)}
            for b in self._brands(obj)
        ]

    def _absolute(self, url: str) -> str:
        return absolute_url(url)

    def get_logo(self, obj) -> str | None:
        return self._absolute(obj.logo.url) if obj.logo else None

    def get_photos(self, obj) -> list[dict]:
        return [
            {
                "url": self._absolute(p.image.url),
                "thumbnail": self._absolute(p.thumbnail.url) if p.thumbnail else None,
                "caption": p.caption,
            }
            for p in obj.photos.all()
        ]


class BadgeSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    url = serializers.CharField()
    rating = RatingSerializer()
    is_verified = serializers.BooleanField()
    certifications = serializers.ListField(child=serializers.CharField())
