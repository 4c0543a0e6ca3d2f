import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("quotes", "0002_quote_pro_note"),
    ]

    operations = [
        migrations.AddField(
            model_name="quoterequest",
            name="attached_to",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="receipts",
                to="quotes.quoterequest",
                verbose_name="rattachée à la demande",
            ),
        ),
        migrations.AddField(
            model_name="quoterequest",
            name="possible_duplicate_of",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="quotes.quoterequest",
                verbose_name="doublon possible de",
            ),
        ),
        migrations.AddIndex(
            model_name="quoterequest",
            index=models.Index(fields=["phone", "created_at"], name="quote_phone_recent_idx"),
        ),
        migrations.CreateModel(
            name="QuoteNote",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("body", models.TextField(verbose_name="note")),
                (
                    "created_at",
                    models.DateTimeField(default=django.utils.timezone.now, verbose_name="le"),
                ),
                (
                    "quote",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="notes",
                        to="quotes.quoterequest",
                    ),
                ),
                (
                    "receipt",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="quotes.quoterequest",
                        verbose_name="envoi d'origine",
                    ),
                ),
            ],
            options={
                "verbose_name": "note",
                "verbose_name_plural": "notes",
                "ordering": ["created_at", "id"],
            },
        ),
    ]
