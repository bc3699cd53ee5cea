"""Tiny views for the helpers' own tests: one that behaves, and ones that leak, change or N+1."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.urls import include, path
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from grassroots.core.models import Job


def _job(request, pk):
    if not request.user.has_capability("people.view"):
        raise PermissionDenied
    job = Job.objects.visible_to(request.user).filter(pk=pk).first()
    if job is None:
        raise Http404
    return job


@login_required
def good(request, pk):
    if request.method == "POST":
        job = _job(request, pk)
        Job.objects.filter(pk=job.pk).update(title=request.POST["title"])
    return HttpResponse(f"<h1>{_job(request, pk).title}</h1>")


@login_required
def leaky(request, pk):
    job = Job.objects.get(pk=pk)
    if not request.user.has_capability("people.view"):
        raise PermissionDenied
    if not Job.objects.visible_to(request.user).filter(pk=pk).exists():
        return HttpResponse(f"Not yours: {job.title}", status=404)
    return HttpResponse(job.title)


@login_required
def changes_first(request, pk):
    Job.objects.filter(pk=pk).update(title=request.POST.get("title", "changed"))
    return HttpResponse(_job(request, pk).title)


@login_required
def job_list(request):
    jobs = Job.objects.order_by("created_at")
    if request.GET.get("fast"):
        jobs = jobs.select_related("created_by")
    names = [f"{j.title} by {j.created_by.username if j.created_by else '-'}" for j in jobs]
    return HttpResponse("\n".join(names))


class ApiJob(APIView):
    def get(self, request, pk):
        job = Job.objects.visible_to(request.user).filter(pk=pk).first()
        if job is None:
            if request.GET.get("bare"):
                return Response({"detail": "no"}, status=404)
            raise NotFound
        return Response({"title": job.title})


urlpatterns = [
    path("good/<uuid:pk>/", good),
    path("leaky/<uuid:pk>/", leaky),
    path("changes-first/<uuid:pk>/", changes_first),
    path("jobs/", job_list),
    path("api/<uuid:pk>/", ApiJob.as_view()),
    # the app's own URLs too: the styled error pages are drawn in the app's layout, which links
    # the dashboard, the profile and the language switch
    path("", include("grassroots.urls")),
]
