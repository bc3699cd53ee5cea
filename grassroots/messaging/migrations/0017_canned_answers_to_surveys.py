"""Canned responses that wrote a custom field (``field_key``/``field_value``) now answer a
survey question: per texting campaign a script "<campaign> (texting)" (made once, reused when
it exists), in it one single-choice question per custom field the campaign's canned responses
used (its text the field's label, in the field's other languages too) whose choices are the
values used; each canned response then points at its question and choice.

Historical models only (``apps.get_model``): nothing here imports app code that may change.
Reversing clears the new links (the scripts stay: people may have answered them since)."""

from django.db import migrations
from django.utils import timezone
from django.utils.text import slugify


def _choice_value(text: str, taken: set[str]) -> str:
    base = (slugify(text, allow_unicode=True) or "answer")[:44]
    value, n = base, 1
    while value in taken:
        n += 1
        value = f"{base}-{n}"
    taken.add(value)
    return value


def forward(apps, schema_editor):
    Canned = apps.get_model("messaging", "CannedResponse")
    Campaign = apps.get_model("messaging", "TextingCampaign")
    Script = apps.get_model("surveys", "Script")
    Block = apps.get_model("surveys", "Block")
    Choice = apps.get_model("surveys", "Choice")
    CustomField = apps.get_model("people", "CustomField")

    rows = list(Canned.objects.exclude(field_key="").order_by("campaign_id", "position", "id"))
    by_campaign: dict[int, list] = {}
    for row in rows:
        by_campaign.setdefault(row.campaign_id, []).append(row)
    now = timezone.now()
    for campaign_id, canned in by_campaign.items():
        campaign = Campaign.objects.get(pk=campaign_id)
        name = f"{campaign.name} (texting)"[:120]
        script = campaign.survey_script or (
            Script.objects.filter(name=name, area_id=campaign.area_id).order_by("id").first()
        )
        if script is None:
            script = Script.objects.create(
                name=name,
                description=f"Answers recorded by the canned responses of the texting "
                f"campaign “{campaign.name}”."[:5000],
                status="active",
                base_language=campaign.language or "en",
                languages=[],
                area_id=campaign.area_id,
                created_by_id=campaign.created_by_id,
                created_at=now,
            )
        if campaign.survey_script_id != script.pk:
            campaign.survey_script = script
            campaign.save(update_fields=["survey_script"])
        position = Block.objects.filter(script=script).count()
        for row in canned:
            key = row.field_key.strip()
            field = CustomField.objects.filter(key=key).first()
            label = (field.label if field else key) or key
            question = Block.objects.filter(script=script, kind="single", text=label).first()
            if question is None:
                question = Block.objects.create(
                    script=script,
                    position=position,
                    kind="single",
                    label=label[:80],
                    text=label,
                    translations=dict(field.labels or {}) if field else {},
                )
                position += 1
            answer = (row.field_value or "").strip() or "—"
            choice = Choice.objects.filter(block=question, label=answer[:200]).first()
            if choice is None:
                taken = set(Choice.objects.filter(block=question).values_list("value", flat=True))
                choice = Choice.objects.create(
                    block=question,
                    position=len(taken),
                    value=_choice_value(answer, taken),
                    label=answer[:200],
                )
            row.question, row.choice, row.value = question, choice, ""
            row.save(update_fields=["question", "choice", "value"])


def backward(apps, schema_editor):
    Canned = apps.get_model("messaging", "CannedResponse")
    Campaign = apps.get_model("messaging", "TextingCampaign")
    Canned.objects.update(question=None, choice=None, value="")
    Campaign.objects.update(survey_script=None)


class Migration(migrations.Migration):
    dependencies = [
        ("messaging", "0016_canned_survey_answer_fields"),
        ("people", "0018_person_votes_cast_db_default"),
    ]

    operations = [migrations.RunPython(forward, backward)]
