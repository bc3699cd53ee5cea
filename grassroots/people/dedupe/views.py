"""The duplicate review screens: the queue, one pair side by side, the decisions, undo, the
"Find duplicates" job and the auto-merge setting. Every screen needs ``people.merge`` and shows
only pairs whose two people are inside the reviewer's areas."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View

from grassroots.accounts.permissions import CapabilityRequiredMixin
from grassroots.core.ids import parse_id
from grassroots.core.models import Job
from grassroots.core.phones import format_phone
from grassroots.people.dedupe import jobs, review
from grassroots.people.models import DuplicatePair, Person

PAGE_SIZE = 25
JOB_SHOWN_FOR = dt.timedelta(minutes=30)  # a finished search stays on the queue page this long
# A search "running" for longer than this died with its worker: another may start.
RUNNING_AT_MOST = dt.timedelta(hours=2)
STATUS_TABS = ("pending", "merged", "distinct")


def _min_score(request) -> tuple[float | None, str]:
    """The "minimum score" filter (0–1, or a percentage), and an error to show if it is bad."""
    raw = (request.GET.get("min_score") or "").strip().rstrip("%")
    if not raw:
        return None, ""
    try:
        value = float(raw.replace(",", "."))
    except ValueError:
        return None, _("The minimum score is a number between 0 and 1.")
    if 1 < value <= 100:
        value /= 100
    if not 0 <= value <= 1:
        return None, _("The minimum score is a number between 0 and 1.")
    return value, ""


def _queue_params(request) -> dict[str, str]:
    keep = {}
    min_score, _error = _min_score(request)
    if min_score is not None:
        keep["min_score"] = f"{min_score:g}"
    return keep


def _compare_url(pair, params: dict | None = None, **extra) -> str:
    url = reverse("people:duplicate_compare", args=[pair.low_id, pair.high_id])
    query = {**(params or {}), **{k: v for k, v in extra.items() if v is not None}}
    return f"{url}?{urlencode(query)}" if query else url


def _queue_url(**params) -> str:
    query = {k: v for k, v in params.items() if v not in (None, "")}
    url = reverse("people:duplicate_list")
    return f"{url}?{urlencode(query)}" if query else url


def _merged_banner(request) -> dict | None:
    """``?merged=<record id>``: the "Merged … Undo" banner after a merge."""
    pk = parse_id(request.GET.get("merged", ""))
    if pk is None:
        return None
    record = review.merge_get(actor=request.user, pk=pk)
    if record is None or record.undone_at is not None:
        return None
    survivor = Person.objects.filter(pk=record.survivor_id).first()
    return {
        "record": record,
        "loser_name": review.loser_name(record),
        "survivor": survivor,
        "can_undo": review.can_undo(request.user, record),
    }


def _job_ctx(job: Job, actor) -> dict:
    # The reviewer's own count: a search covers everyone, the queue shows their areas.
    pending = review.counts(actor=actor)["pending"] if job.is_finished else 0
    return {"job": job, "result": job.result or {}, "pending": pending}


class DuplicateListView(CapabilityRequiredMixin, View):
    """The review queue (pending pairs, best first), merges and pairs marked not duplicate."""

    capability = "people.merge"

    def get(self, request):
        status = request.GET.get("status", "pending")
        if status not in STATUS_TABS:
            status = "pending"
        min_score, score_error = _min_score(request)
        params = _queue_params(request)
        job = next(iter(jobs.latest_jobs(actor=request.user)), None)
        ctx = {
            "status": status,
            "min_score": request.GET.get("min_score", "")
            if score_error
            else params.get("min_score", ""),
            "score_error": score_error,
            "counts": review.counts(actor=request.user),
            "settings": review.settings_get(),
            "can_change_settings": review.can_change_settings(request.user),
            "auto_merge_min": review.AUTO_MERGE_MIN,
            "job": job,
            "show_job": job is not None
            and (not job.is_finished or job.finished_at >= timezone.now() - JOB_SHOWN_FOR),
            "last_run": next(iter(jobs.latest_finished()), None),
            "banner": _merged_banner(request),
            "querystring": urlencode({"status": status, **params}),
            "compare_params": urlencode(params),
        }
        if status == "merged":
            page = Paginator(review.merge_list(actor=request.user), PAGE_SIZE).get_page(
                request.GET.get("page")
            )
            survivors = Person.objects.in_bulk([r.survivor_id for r in page.object_list])
            ctx["merges"] = [
                {
                    "record": r,
                    "loser_name": review.loser_name(r),
                    "survivor": survivors.get(r.survivor_id),
                    "can_undo": review.can_undo(request.user, r),
                }
                for r in page.object_list
            ]
        else:
            qs = review.pair_list(actor=request.user, status=status, min_score=min_score)
            page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
            ctx["pairs"] = [
                {"pair": p, "reasons": review.reason_labels(p.reasons)} for p in page.object_list
            ]
        ctx["page"] = page
        return render(request, "people/duplicates/queue.html", ctx)


def _pair_or_gone(request, low: int, high: int):
    """The pair, or a redirect explaining why it has gone (merged), or 404."""
    if parse_id(low) is None or parse_id(high) is None:  # ids past 64 bits: no such pair
        raise Http404
    pair = review.pair_get(actor=request.user, low=low, high=high)
    if pair is not None:
        return pair, None
    record = review.already_merged(actor=request.user, low=low, high=high)
    if record is None:
        raise Http404
    if {record.survivor_id, record.loser_id} == {low, high}:
        messages.warning(
            request,
            _("These two records were already merged (into #%(id)s); nothing more to do.")
            % {"id": record.survivor_id},
        )
    else:
        messages.warning(
            request,
            _("#%(loser)s was merged into #%(survivor)s meanwhile; this pair is gone.")
            % {"loser": record.loser_id, "survivor": record.survivor_id},
        )
    return None, redirect(_queue_url(**_queue_params(request), merged=record.pk))


class DuplicateCompareView(CapabilityRequiredMixin, View):
    capability = "people.merge"

    def get(self, request, low, high):
        pair, gone = _pair_or_gone(request, low, high)
        if gone is not None:
            return gone
        comparison = review.compare(actor=request.user, pair=pair)
        if comparison is None:
            raise Http404
        params = _queue_params(request)
        previous, following = review.pair_neighbours(
            actor=request.user, score=pair.score, pk=pair.pk, min_score=_min_score(request)[0]
        )
        related_rows = [
            (label, comparison.related[pair.low_id][key], comparison.related[pair.high_id][key])
            for key, label, _model in review.RELATED_COUNTS
        ]
        ctx = {
            "pair": pair,
            "c": comparison,
            "sides": [
                (comparison.low, "low", comparison.imported.get("low")),
                (comparison.high, "high", comparison.imported.get("high")),
            ],
            "side_names": ["low", "high"],
            "list_rows": _list_rows(comparison.low, comparison.high),
            "low": comparison.low,
            "high": comparison.high,
            "reasons": review.reason_labels(pair.reasons),
            "related_rows": related_rows,
            "previous_url": _compare_url(previous, params) if previous else "",
            "next_url": _compare_url(following, params) if following else "",
            "queue_url": _queue_url(**params),
            "params": params,
            "banner": _merged_banner(request),
            "pending": pair.status == DuplicatePair.Status.PENDING,
        }
        return render(request, "people/duplicates/compare.html", ctx)


def _list_rows(low: Person, high: Person) -> list[tuple]:
    """Phones, emails, identifiers and tags of both people (all kept by a merge)."""

    def phones(p):
        return [format_phone(c.value) for c in p.contact_points.all() if c.channel == "phone"]

    def emails(p):
        return [c.value for c in p.contact_points.all() if c.channel == "email"]

    def ids(p):
        return [f"{e.namespace}:{e.value}" for e in p.external_ids.all()]

    def tags(p):
        return sorted(t.tag.name for t in p.taggings.all())

    return [
        (label, get(low), get(high))
        for label, get in [
            (_("Phones"), phones),
            (_("Emails"), emails),
            (_("Identifiers"), ids),
            (_("Tags"), tags),
        ]
    ]


class _DecisionView(CapabilityRequiredMixin, View):
    capability = "people.merge"
    http_method_names = ["post"]

    def _params(self, request) -> dict:
        min_score = request.POST.get("min_score", "")
        return {"min_score": min_score} if min_score else {}

    def _next(self, request, pair, **extra):
        """After a decision: the next pending pair in the queue, or the queue."""
        params = self._params(request)
        min_score = None
        if params:
            try:
                min_score = float(params["min_score"])
            except ValueError:
                params = {}
        _previous, following = review.pair_neighbours(
            actor=request.user, score=pair.score, pk=pair.pk, min_score=min_score
        )
        if following is not None:
            return redirect(_compare_url(following, params, **extra))
        return redirect(_queue_url(**params, **extra))


class DuplicateMergeView(_DecisionView):
    def post(self, request, low, high):
        pair, gone = _pair_or_gone(request, low, high)
        if gone is not None:
            return gone
        survivor_side = request.POST.get("survivor", "")
        choices = {
            key.removeprefix("choose_"): value
            for key, value in request.POST.items()
            if key.startswith("choose_")
        }
        try:
            record = review.pair_merge(
                actor=request.user,
                pair=pair,
                survivor_side=survivor_side,
                choices=choices,
                confirm_different_ids=request.POST.get("confirm_different_ids") == "1",
            )
        except PermissionDenied:
            raise
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            if DuplicatePair.objects.filter(pk=pair.pk).exists():
                return redirect(_compare_url(pair, self._params(request)))
            return redirect(_queue_url(**self._params(request)))
        # No toast: the page we go to shows "Merged … Undo" (``_merged_banner``).
        return self._next(request, pair, merged=record.pk)


class DuplicateDistinctView(_DecisionView):
    def post(self, request, low, high):
        pair, gone = _pair_or_gone(request, low, high)
        if gone is not None:
            return gone
        try:
            review.pair_mark_distinct(actor=request.user, pair=pair)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect(_compare_url(pair, self._params(request)))
        messages.success(
            request,
            _("Marked as not a duplicate: “%(a)s” and “%(b)s” will not be proposed again.")
            % {"a": pair.low, "b": pair.high},
        )
        return self._next(request, pair)


class DuplicateReopenView(_DecisionView):
    def post(self, request, low, high):
        pair, gone = _pair_or_gone(request, low, high)
        if gone is not None:
            return gone
        try:
            review.pair_reopen(actor=request.user, pair=pair)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("This pair is back in the queue."))
        return redirect(_compare_url(pair, self._params(request)))


class MergeUndoView(CapabilityRequiredMixin, View):
    capability = "people.merge"
    http_method_names = ["post"]

    def post(self, request, pk):
        record = review.merge_get(actor=request.user, pk=pk)
        if record is None:
            raise Http404
        back = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(
            back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ) or not back.startswith("/"):
            back = ""
        try:
            restored = review.merge_undo(actor=request.user, record=record)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect(back or _queue_url(status="merged"))
        messages.success(
            request,
            _("Merge undone: “%(name)s” is a separate record again.") % {"name": restored},
        )
        low, high = sorted([record.survivor_id, restored.pk])
        if back:
            return redirect(back)
        if DuplicatePair.objects.filter(low_id=low, high_id=high).exists():
            return redirect("people:duplicate_compare", low=low, high=high)
        return redirect("people:person_detail", pk=restored.pk)


class DedupeStartView(CapabilityRequiredMixin, View):
    """The "Find duplicates" button: a background search over everyone."""

    capability = "people.merge"
    http_method_names = ["post"]

    def post(self, request):
        running = Job.objects.filter(
            kind=jobs.JOB_KIND,
            status__in=[Job.Status.QUEUED, Job.Status.RUNNING],
            created_at__gte=timezone.now() - RUNNING_AT_MOST,
        ).exists()
        if running:
            messages.info(request, _("A search for duplicates is already running."))
            return redirect("people:duplicate_list")
        jobs.dedupe_start(actor=request.user)
        messages.success(
            request, _("Searching for review. This page shows the progress; you can leave it.")
        )
        return redirect("people:duplicate_list")


class DedupeJobView(CapabilityRequiredMixin, View):
    """The live progress of one duplicate search (HTMX polls it until the job ends)."""

    capability = "people.merge"

    def get(self, request, job_id):
        job = Job.objects.filter(pk=job_id, kind=jobs.JOB_KIND).first()
        if job is None:
            raise Http404
        response = render(request, "people/duplicates/_job.html", _job_ctx(job, request.user))
        if request.htmx and job.is_finished:
            response["HX-Refresh"] = "true"  # once: the queue below now has the new pairs
        return response


class DedupeSettingsView(CapabilityRequiredMixin, View):
    capability = "people.merge"
    http_method_names = ["post"]

    def post(self, request):
        raw = (request.POST.get("auto_merge_threshold") or "").strip().rstrip("%")
        if request.POST.get("off") or not raw:
            value = None
        else:
            try:
                value = float(raw.replace(",", "."))
            except ValueError:
                messages.error(request, _("The auto-merge threshold is a number, e.g. 0.98."))
                return redirect("people:duplicate_list")
            if 1 < value <= 100:
                value /= 100
        if not review.can_change_settings(request.user):
            raise PermissionDenied
        try:
            review.settings_update(actor=request.user, auto_merge_threshold=value)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            if value is None:
                messages.success(request, _("Auto-merge is off: every pair waits for review."))
            else:
                messages.success(
                    request,
                    _("Pairs scoring %(t)s or more will be merged automatically by each search.")
                    % {"t": f"{value:.2f}"},
                )
        return redirect("people:duplicate_list")


# --- the person page panel -----------------------------------------------------------------------


def person_panel_context(request, person) -> dict | None:
    """ "Possible duplicates" on the person page (reviewers only; nothing when there is none)."""
    if request is None or not review.can_review(request.user):
        return None
    pairs = review.person_pairs(actor=request.user, person=person)
    merges = review.person_merges(actor=request.user, person=person)
    if not pairs and not merges:
        return None
    return {
        "dup_pairs": [
            {
                "pair": p,
                "other": p.high if p.low_id == person.pk else p.low,
                "reasons": review.reason_labels(p.reasons),
            }
            for p in pairs
        ],
        "dup_merges": [
            {
                "record": r,
                "loser_name": review.loser_name(r),
                "can_undo": review.can_undo(request.user, r),
            }
            for r in merges
        ],
    }
