from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework_api_key.models import AbstractAPIKey


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An e-mail address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields["is_staff"] = True
        extra_fields["is_superuser"] = True
        return self._create_user(email, password, **extra_fields)


class StaffRole(models.TextChoices):
    NONE = "", _("Aucun")
    ADVISOR = "advisor", _("Conseiller Eldo")
    MODERATOR = "moderator", _("Modérateur")


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(_("adresse e-mail"), unique=True)
    first_name = models.CharField(_("prénom"), max_length=150, blank=True)
    last_name = models.CharField(_("nom"), max_length=150, blank=True)
    phone = models.CharField(_("téléphone"), max_length=20, blank=True)
    staff_role = models.CharField(
        _("rôle Eldo"), max_length=20, choices=StaffRole.choices, blank=True, default=""
    )
    is_active = models.BooleanField(_("actif"), default=True)
    is_staff = models.BooleanField(_("accès à l'administration"), default=False)
    date_joined = models.DateTimeField(_("inscrit le"), default=timezone.now)
    # Set when the person proved they read this mailbox (a magic link, the sign-up link):
    # what a homeowner's requests and reviews are matched on (apps/accounts/magic_links.py).
    email_verified_at = models.DateTimeField(_("adresse vérifiée le"), null=True, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("utilisateur")
        verbose_name_plural = _("utilisateurs")

    def __str__(self) -> str:
        return self.email

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip() or self.email

    def get_short_name(self) -> str:
        return self.first_name or self.email

    @property
    def actor(self):
        """Who this account is for authorization (``apps.core.actor``), read afresh: views
        use ``actor_of(request)``, which reads it once per request. The same query gives
        the account menu its memberships (accounts.navigation), kept on this object for the
        rest of the request."""
        from apps.accounts.selectors import actor_and_memberships

        actor, self._eldo_memberships = actor_and_memberships(user_id=self.pk)
        return actor


class OrganizationKind(models.TextChoices):
    COMPANY = "company", _("Entreprise")
    NETWORK = "network", _("Réseau")
    MANUFACTURER = "manufacturer", _("Industriel / marque")
    ELDO = "eldo", _("Eldo")


class Organization(models.Model):
    name = models.CharField(_("nom"), max_length=200)
    slug = models.SlugField(_("identifiant"), max_length=200, unique=True)
    kind = models.CharField(_("type"), max_length=20, choices=OrganizationKind.choices)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    members = models.ManyToManyField(User, through="Membership", related_name="organizations")

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        indexes = [models.Index(fields=["kind", "name"])]

    def __str__(self) -> str:
        return self.name


class MemberRole(models.TextChoices):
    OWNER = "owner", _("Gérant")
    MANAGER = "manager", _("Responsable")
    SALES_REP = "sales_rep", _("Commercial")


class Membership(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("rôle"), max_length=20, choices=MemberRole.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("membre")
        verbose_name_plural = _("membres")
        constraints = [
            models.UniqueConstraint(fields=["user", "organization"], name="membership_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.organization} ({self.get_role_display()})"


class MembershipInvitation(models.Model):
    """An invitation to join an organization's team, accepted through a signed link."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField(_("adresse e-mail"))
    role = models.CharField(_("rôle"), max_length=20, choices=MemberRole.choices)
    invited_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    # Random, and only half of the link: the link is this nonce signed with SECRET_KEY.
    nonce = models.CharField(max_length=32, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("invitation d'équipe")
        verbose_name_plural = _("invitations d'équipe")
        ordering = ["-created_at"]
        constraints = [
            # One open invitation per address and organization.
            models.UniqueConstraint(
                fields=["organization", "email"],
                condition=models.Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="invitation_one_open_per_email",
            )
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.organization} ({self.role})"


class AuditEntry(models.Model):
    """What an Eldo advisor or moderator did, on what, when: read by staff, append-only.

    The contexts record their own staff actions through ``accounts.api.audit_record``
    (from their domain events); the target is named by its type and public reference,
    never by a foreign key into another context. No homeowner data goes in ``details``.
    """

    actor = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("par"),
    )
    action = models.CharField(_("action"), max_length=60)
    summary = models.CharField(_("résumé"), max_length=300)
    target_type = models.CharField(_("type d'objet"), max_length=30)
    target_ref = models.CharField(_("objet"), max_length=60)
    details = models.JSONField(_("détails"), default=dict, blank=True)
    occurred_at = models.DateTimeField(_("le"))
    recorded_at = models.DateTimeField(_("enregistré le"), auto_now_add=True)

    class Meta:
        verbose_name = _("entrée du journal d'audit")
        verbose_name_plural = _("journal d'audit")
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["-occurred_at", "-id"], name="audit_recent_idx"),
            models.Index(fields=["actor", "-occurred_at"], name="audit_actor_idx"),
            models.Index(fields=["action", "-occurred_at"], name="audit_action_idx"),
            models.Index(fields=["target_type", "target_ref"], name="audit_target_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} · {self.action} · {self.target_ref}"


class PartnerApiKey(AbstractAPIKey):
    """A network's or manufacturer's API key for pushing leads from its own systems.

    Hashed at rest (djangorestframework-api-key: SHA-512 of a 32-character random secret,
    looked up by its 8-character prefix), shown once at creation, revocable for good,
    optionally expiring. It acts for one organization only, never for a user.
    """

    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        related_name="partner_api_keys",
        verbose_name=_("organisation"),
    )
    created_by = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("créée par"),
    )
    last_used_at = models.DateTimeField(_("dernière utilisation"), null=True, blank=True)

    class Meta(AbstractAPIKey.Meta):
        verbose_name = _("clé d'API partenaire")
        verbose_name_plural = _("clés d'API partenaires")


class NotificationPreference(models.Model):
    """How a person wants to hear of a new lead for their company: e-mail (on by default),
    text message (to ``User.phone``) and Web Push (to each ``PushSubscription``)."""

    user = models.OneToOneField(
        User, on_delete=models.CASCADE, related_name="notification_preference"
    )
    new_lead_email = models.BooleanField(_("par e-mail"), default=True)
    new_lead_sms = models.BooleanField(_("par SMS"), default=False)
    new_lead_push = models.BooleanField(_("par notification sur cet appareil"), default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("préférence de notification")
        verbose_name_plural = _("préférences de notification")

    def __str__(self) -> str:
        return f"{self.user_id}: e-mail={self.new_lead_email} sms={self.new_lead_sms}"


class PushSubscription(models.Model):
    """A browser (device) that accepted Web Push notifications for this person."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="push_subscriptions")
    endpoint = models.URLField(max_length=1000, unique=True)
    p256dh = models.CharField(max_length=200)
    auth = models.CharField(max_length=100)
    user_agent = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("abonnement aux notifications push")
        verbose_name_plural = _("abonnements aux notifications push")

    def __str__(self) -> str:
        return f"{self.user_id} → {self.endpoint[:60]}"


class SignIn(models.Model):
    """A successful sign-in: when, from which address and which browser (a random device
    cookie, kept hashed). Read by the review checks (a review written from a member's
    address or browser) through ``accounts.api``; deleted after SIGN_IN_RETENTION_DAYS."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    ip = models.GenericIPAddressField(null=True, blank=True)
    device_hash = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("connexion")
        verbose_name_plural = _("connexions")
        indexes = [
            models.Index(fields=["ip", "created_at"], name="signin_ip_idx"),
            models.Index(fields=["device_hash", "created_at"], name="signin_device_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} · {self.created_at:%Y-%m-%d %H:%M}"


class MagicLink(models.Model):
    """A single-use, expiring sign-in link sent to an address (the quote confirmation,
    the pro sign-up): following it proves the mailbox and opens (or creates) the account.

    The link carries ``nonce`` signed with SECRET_KEY; the row says whether it was used.
    """

    email = models.EmailField(_("adresse e-mail"), db_index=True)
    nonce = models.CharField(max_length=32, unique=True)
    next_path = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("lien de connexion")
        verbose_name_plural = _("liens de connexion")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.email} ({self.created_at:%Y-%m-%d %H:%M})"


class EmailChangeNotice(models.Model):
    """The addresses of one confirmed change of sign-in address, kept only until the notice
    to the old one is sent (``EmailChanged`` carries this row's id, never an address)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    old_email = models.EmailField()
    new_email = models.EmailField()
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("avis de changement d'adresse")
        verbose_name_plural = _("avis de changement d'adresse")

    def __str__(self) -> str:
        return f"{self.user_id} ({self.created_at:%Y-%m-%d %H:%M})"
