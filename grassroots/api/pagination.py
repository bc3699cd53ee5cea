import hashlib

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.core.paginator import Paginator as DjangoPaginator
from django.utils.functional import cached_property
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination


class CountCachingPaginator(DjangoPaginator):
    """Django's paginator, with a large ``count`` remembered for a short while.

    Counting a big result is a scan of every row in it (on PostgreSQL, ~5 ms for 22,000 people,
    ~200 ms for a million) and a page-number pagination counts on every page. A count of at
    least ``API_COUNT_EXACT_BELOW`` rows is kept in the cache for ``API_COUNT_CACHE_SECONDS``
    under the query's own SQL and parameters (so under the asker's scope and filters): a client
    paging through a million people counts once. A smaller count is always exact. Paging stays
    consistent: a page past the end of a count that has shrunk meanwhile is an empty page."""

    @cached_property
    def count(self) -> int:
        query = getattr(self.object_list, "query", None)
        ttl = settings.API_COUNT_CACHE_SECONDS
        if query is None or ttl <= 0:
            return super().count
        try:
            sql, params = query.sql_with_params()
        except EmptyResultSet:  # a filter that can match nothing (an unknown area code)
            return 0
        key = "api-count:" + hashlib.sha256(repr((sql, params)).encode()).hexdigest()
        found = cache.get(key)
        if found is not None:
            return found
        total = super().count
        if total >= settings.API_COUNT_EXACT_BELOW:
            cache.set(key, total, ttl)
        return total


class Pagination(PageNumberPagination):
    """``?page=`` (from 1) and ``?page_size=`` (1 to 500, 50 by default). A ``page_size`` that is
    not a whole number in that range is 400, not quietly the default; a page past the last is
    404."""

    page_size = 50
    django_paginator_class = CountCachingPaginator
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        text = raw.strip()
        if not (text.isascii() and text.isdigit() and len(text) <= 4) or not (
            1 <= int(text) <= self.max_page_size
        ):
            raise ValidationError(
                {self.page_size_query_param: [f"A whole number from 1 to {self.max_page_size}."]}
            )
        return int(text)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1}
            elif parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": self.max_page_size,
                    "default": self.page_size,
                }
        return parameters
