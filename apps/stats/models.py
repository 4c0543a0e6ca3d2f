"""Statistics: facts kept from other contexts' events, and the daily rows rolled up from them.

The stats context never reads another context's tables. Its handlers keep one *fact* row
per lead, review, invitation, quote request and new pro (plain ids, the timestamps the events
carry), and counters arrive as ``core.CountersFlushed`` totals. ``services.rollup``
recomputes the daily rows (``ProDay``, ``PlatformDay``) of a period from the facts:
re-running a day replaces its rows by the same rows.

Demo backfill (``apps.stats.demo``) writes facts with negative ids, so they can never
collide with the ids of real leads, reviews or requests.
"""

from django.db import models


class CounterDay(models.Model):
    """Visibility of a pro on a day (Europe/Paris), summed from counter flushes."""

    pro_id = models.BigIntegerField()
    day = models.DateField()
    profile_views = models.PositiveIntegerField(default=0)
    search_impressions = models.PositiveIntegerField(default=0)
    contact_clicks = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["pro_id", "day"], name="stats_counter_day")]

    def __str__(self) -> str:
        return f"{self.day} pro {self.pro_id}: {self.profile_views} vues"


class BrandCounterDay(models.Model):
    """Views of a brand's public page (/marques/<slug>/) on a day (Europe/Paris), summed
    from counter flushes; keyed by the brand's organization id."""

    brand_organization_id = models.BigIntegerField()
    day = models.DateField()
    page_views = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["brand_organization_id", "day"], name="stats_brand_counter_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} marque {self.brand_organization_id}: {self.page_views} vues"


class LeadFact(models.Model):
    """One lead as its events told it: when it arrived, was seen, answered, closed."""

    lead_id = models.BigIntegerField(unique=True)
    pro_id = models.BigIntegerField(db_index=True)
    organization_id = models.BigIntegerField(db_index=True)
    network_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    source = models.CharField(max_length=10, blank=True)
    status = models.CharField(max_length=12, default="sent")
    status_at = models.DateTimeField(null=True, blank=True)
    dispatched_at = models.DateTimeField(db_index=True)
    viewed_at = models.DateTimeField(null=True, blank=True)
    contacted_at = models.DateTimeField(null=True, blank=True)
    quote_sent_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # The pro's first real answer: contacted, quote sent or closed (a mere view is not one).
    first_response_at = models.DateTimeField(null=True, blank=True)
    assigned_to_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    # Euros, as the pro entered them (LeadStatusChanged): the quote sent, the job won.
    quote_amount = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    won_amount = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    # "L'artisan vous a-t-il contacté ?" asked to the homeowner 48 h after dispatch
    # (leads.LeadContactCheckSent), and the answer, "yes" or "no" (LeadContactConfirmed).
    contact_asked_at = models.DateTimeField(null=True, blank=True)
    contact_answer = models.CharField(max_length=3, blank=True)
    contact_answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["organization_id", "dispatched_at"])]

    def __str__(self) -> str:
        return f"lead {self.lead_id} ({self.status})"


class ReviewFact(models.Model):
    """A review written for a pro (``submitted_at``) and, once public, its publication."""

    review_id = models.BigIntegerField(unique=True)
    pro_id = models.BigIntegerField(db_index=True)
    source = models.CharField(max_length=12, blank=True)
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    withdrawn = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"review {self.review_id} ({self.rating or '-'}★)"


class InvitationFact(models.Model):
    """A review invitation e-mail that left (the collection funnel's first step)."""

    invitation_id = models.BigIntegerField(unique=True)
    pro_id = models.BigIntegerField(db_index=True)
    sent_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"invitation {self.invitation_id}"


class QuoteFact(models.Model):
    """A quote or callback request through the advisors' workflow (platform KPIs)."""

    quote_id = models.BigIntegerField(unique=True)
    kind = models.CharField(max_length=10, blank=True)
    target_pro_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    # Asked from a brand's page (quotes.QuoteSubmitted): the brand's organization id.
    brand_organization_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    submitted_at = models.DateTimeField(db_index=True)
    qualified_at = models.DateTimeField(null=True, blank=True)
    rejected_at = models.DateTimeField(null=True, blank=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    # The advisor's first call to the homeowner (quotes.QuoteCallLogged): the promise
    # "rappel sous N h ouvrées" is measured from submitted_at to it.
    first_call_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"quote {self.quote_id}"


class ProFact(models.Model):
    """A pro profile created on Eldo (``directory.ProCreated``): the staff's "nouveaux pros"."""

    pro_id = models.BigIntegerField(unique=True)
    organization_id = models.BigIntegerField()
    created_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"pro {self.pro_id}"


class ProDay(models.Model):
    """A pro's figures for one day: the rows dashboards and exports read."""

    pro_id = models.BigIntegerField()
    day = models.DateField()
    profile_views = models.PositiveIntegerField(default=0)
    search_impressions = models.PositiveIntegerField(default=0)
    contact_clicks = models.PositiveIntegerField(default=0)
    quote_requests = models.PositiveIntegerField(default=0)
    leads_received = models.PositiveIntegerField(default=0)
    leads_viewed = models.PositiveIntegerField(default=0)
    leads_contacted = models.PositiveIntegerField(default=0)
    leads_quote_sent = models.PositiveIntegerField(default=0)
    leads_won = models.PositiveIntegerField(default=0)
    leads_lost = models.PositiveIntegerField(default=0)
    invitations_sent = models.PositiveIntegerField(default=0)
    reviews_collected = models.PositiveIntegerField(default=0)
    reviews_published = models.PositiveIntegerField(default=0)
    stars_1 = models.PositiveIntegerField(default=0)
    stars_2 = models.PositiveIntegerField(default=0)
    stars_3 = models.PositiveIntegerField(default=0)
    stars_4 = models.PositiveIntegerField(default=0)
    stars_5 = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["pro_id", "day"], name="stats_pro_day")]

    def __str__(self) -> str:
        return f"{self.day} pro {self.pro_id}"


class PlatformDay(models.Model):
    """Platform-wide figures for one day (Eldo staff dashboard): requests, new pros."""

    day = models.DateField(unique=True)
    quote_requests = models.PositiveIntegerField(default=0)
    quotes_qualified = models.PositiveIntegerField(default=0)
    quotes_rejected = models.PositiveIntegerField(default=0)
    quotes_dispatched = models.PositiveIntegerField(default=0)
    pros_created = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.day}"
