from django.contrib import admin

from grassroots.geography.models import Area, AreaKind, Election, PollingStation, Race


@admin.register(AreaKind)
class AreaKindAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "is_polling_unit", "sort_order"]


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "parent"]
    search_fields = ["code", "name", "native_name"]
    list_filter = ["kind"]
    raw_id_fields = ["parent"]
    readonly_fields = ["path", "depth"]


@admin.register(PollingStation)
class PollingStationAdmin(admin.ModelAdmin):
    list_display = ["part_number", "name", "area"]
    raw_id_fields = ["area"]


class RaceInline(admin.TabularInline):
    model = Race
    raw_id_fields = ["area"]
    extra = 0


@admin.register(Election)
class ElectionAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "date", "area"]
    raw_id_fields = ["area"]
    inlines = [RaceInline]
