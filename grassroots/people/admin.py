from django.contrib import admin

from grassroots.people.models import CustomField


@admin.register(CustomField)
class CustomFieldAdmin(admin.ModelAdmin):
    """Campaign-defined person fields; ``labels`` gives the label per language
    (``{"hi": "पेशा", "bn": "পেশা"}``), shown in the language each user works in."""

    list_display = ["key", "label", "type", "sort_order"]
    search_fields = ["key", "label"]
