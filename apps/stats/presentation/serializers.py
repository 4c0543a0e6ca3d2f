"""Shapes of the stats API (what the OpenAPI schema documents and the views return)."""

from rest_framework import serializers


class StatsProRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    name = serializers.CharField()


class StatsResponseTimeSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="Demandes ayant reçu une première réponse.")
    median_hours = serializers.FloatField(allow_null=True)
    p90_hours = serializers.FloatField(allow_null=True)


class StatsProTotalsSerializer(serializers.Serializer):
    profile_views = serializers.IntegerField()
    search_impressions = serializers.IntegerField()
    contact_clicks = serializers.IntegerField()
    contact_rate = serializers.FloatField(allow_null=True, help_text="Clics / vues, en %.")
    quote_requests = serializers.IntegerField()
    leads_received = serializers.IntegerField()
    leads_viewed = serializers.IntegerField()
    leads_contacted = serializers.IntegerField()
    leads_quote_sent = serializers.IntegerField()
    leads_won = serializers.IntegerField()
    leads_lost = serializers.IntegerField()
    invitations_sent = serializers.IntegerField()
    reviews_collected = serializers.IntegerField()
    collection_rate = serializers.FloatField(
        allow_null=True, help_text="Avis collectés / invitations envoyées, en %."
    )
    reviews_published = serializers.IntegerField()


class StatsFunnelStepSerializer(serializers.Serializer):
    step = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()


class StatsRatingMonthSerializer(serializers.Serializer):
    month = serializers.CharField(help_text="AAAA-MM")
    average = serializers.FloatField()
    count = serializers.IntegerField()


class StatsRatingSerializer(serializers.Serializer):
    average = serializers.FloatField(allow_null=True)
    histogram = serializers.DictField(child=serializers.IntegerField(), help_text="'1'…'5'")
    trend = StatsRatingMonthSerializer(many=True)


def _euros(help_text: str = ""):
    return serializers.DecimalField(max_digits=16, decimal_places=2, help_text=help_text)


class StatsValueSerializer(serializers.Serializer):
    """The leads' value in euros over the period (decimal strings), from the amounts the
    pros entered with "Devis envoyé" and "Gagné"."""

    quotes_sent = serializers.IntegerField(help_text="Leads whose quote left in the period.")
    quotes_sent_amount = _euros("Sum of their quote amounts.")
    pipeline = serializers.IntegerField(help_text="Of those, still awaiting an answer.")
    pipeline_amount = _euros("Pipeline value: their quote amounts.")
    won = serializers.IntegerField(help_text="Leads won in the period.")
    won_amount = _euros("Won revenue: the amounts they were won for.")
    lost = serializers.IntegerField(help_text="Leads lost in the period.")
    lost_amount = _euros("Their quote amounts.")
    win_rate = serializers.FloatField(allow_null=True, help_text="won / (won + lost), in %.")
    win_rate_amount = serializers.FloatField(
        allow_null=True, help_text="won € / (won € + lost quotes €), in %."
    )


class StatsValueBucketSerializer(serializers.Serializer):
    start = serializers.DateField(help_text="First day of the bucket (day, week or month).")
    label = serializers.CharField()
    quotes_sent_amount = _euros()
    won_amount = _euros()


class StatsProValueSerializer(StatsValueSerializer):
    series = StatsValueBucketSerializer(many=True)


class StatsDaySerializer(serializers.Serializer):
    date = serializers.DateField()
    profile_views = serializers.IntegerField()
    search_impressions = serializers.IntegerField()
    contact_clicks = serializers.IntegerField()
    quote_requests = serializers.IntegerField()
    leads_received = serializers.IntegerField()
    leads_won = serializers.IntegerField()
    invitations_sent = serializers.IntegerField()
    reviews_collected = serializers.IntegerField()
    reviews_published = serializers.IntegerField()


class StatsContactAnswerSerializer(serializers.Serializer):
    answer = serializers.CharField(help_text="yes, no, or empty: no answer (yet).")
    label = serializers.CharField()
    value = serializers.IntegerField()


class StatsContactConfirmationSerializer(serializers.Serializer):
    """48 h after dispatch the homeowner is asked "L'artisan vous a-t-il contacté ?"."""

    asked = serializers.IntegerField(help_text="Leads of the period whose homeowner was asked.")
    confirmed = serializers.IntegerField(help_text="Answered yes: the pro called.")
    not_confirmed = serializers.IntegerField(help_text="Answered no.")
    unanswered = serializers.IntegerField()
    confirmed_rate = serializers.FloatField(
        allow_null=True, help_text="confirmed / asked, in percent (null: nobody asked)."
    )
    breakdown = StatsContactAnswerSerializer(many=True)


class ProStatsSerializer(serializers.Serializer):
    pro = StatsProRefSerializer()
    # "from" and "to" added below ("from" is a Python keyword).
    totals = StatsProTotalsSerializer()
    funnel = StatsFunnelStepSerializer(many=True)
    first_response = StatsResponseTimeSerializer()
    contact_confirmation = StatsContactConfirmationSerializer()
    rating = StatsRatingSerializer()
    value = StatsProValueSerializer()
    daily = StatsDaySerializer(many=True)


class StatsTeamLineSerializer(serializers.Serializer):
    user_id = serializers.IntegerField()
    full_name = serializers.CharField()
    role = serializers.CharField()
    leads_assigned = serializers.IntegerField()
    contacted_within_24h = serializers.IntegerField()
    contacted_within_24h_rate = serializers.FloatField(allow_null=True)
    won = serializers.IntegerField()
    median_response_hours = serializers.FloatField(allow_null=True)
    value = StatsValueSerializer(help_text="The value of the leads assigned to this member.")


class TeamStatsSerializer(serializers.Serializer):
    pro = StatsProRefSerializer()
    results = StatsTeamLineSerializer(many=True)


class StatsInstallerLineSerializer(serializers.Serializer):
    pro = StatsProRefSerializer()
    leads_received = serializers.IntegerField()
    leads_contacted = serializers.IntegerField()
    contacted_within_24h = serializers.IntegerField()
    contacted_within_24h_rate = serializers.FloatField(allow_null=True)
    leads_won = serializers.IntegerField()
    leads_lost = serializers.IntegerField()
    median_response_hours = serializers.FloatField(allow_null=True)
    contact_confirmed_rate = serializers.FloatField(
        allow_null=True, help_text="Homeowners who confirmed the call / asked, in percent."
    )


class StatsNetworkRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    name = serializers.CharField()


class StatsNetworkTotalsSerializer(serializers.Serializer):
    leads_received = serializers.IntegerField()
    leads_contacted = serializers.IntegerField()
    leads_won = serializers.IntegerField()
    leads_lost = serializers.IntegerField()
    installers = serializers.IntegerField()


class NetworkStatsSerializer(serializers.Serializer):
    network = StatsNetworkRefSerializer()
    totals = StatsNetworkTotalsSerializer()
    first_response = StatsResponseTimeSerializer()
    contact_confirmation = StatsContactConfirmationSerializer()
    installers = StatsInstallerLineSerializer(many=True)


# Every answer names its period as "from" and "to", like the query string; "from" being a
# Python keyword, the two fields are declared here rather than in the class bodies.
for _shape in (ProStatsSerializer, TeamStatsSerializer, NetworkStatsSerializer):
    _shape._declared_fields["from"] = serializers.DateField(help_text="Premier jour inclus.")
    _shape._declared_fields["to"] = serializers.DateField(help_text="Dernier jour inclus.")
