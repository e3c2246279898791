"""A list's page over HTTP: the query parameters every list route takes (``page``, ``per_page``,
``q``), the links to the next and previous page that keep the filters (``Link`` header, RFC 8288,
and ``X-Total-Count`` on the API; ``_pager.html`` on a page), and the CSV download.

The API's list routes keep answering a JSON list (their v1 contract); the page they answer is
said in the headers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Query, Response

from yima.exports import csv_bytes
from yima.listing import MAX_SEARCH, PER_PAGE, PageOf, PageRequest
from yima.uploads import attachment_disposition
from yima.web.params import PageNo

PerPage = Annotated[int, Query(ge=1, le=PER_PAGE, description=f"Rows a page, 1 to {PER_PAGE}")]
Search = Annotated[str, Query(max_length=MAX_SEARCH, description="Search text: a name or a code, matched anywhere")]
CSV = "text/csv; charset=utf-8"


def page_request(page: int = 1, per_page: int = PER_PAGE, q: str = "") -> PageRequest:
    return PageRequest(page, per_page, q)


def filters_query(filters: Mapping[str, Any]) -> str:
    """The filters of a list (empty ones left out) as a query string, for links that keep them."""
    return urlencode({k: v for k, v in filters.items() if v not in (None, "", False)})


def pager(page: PageOf[Any], filters: Mapping[str, Any]) -> dict[str, Any]:
    """What ``_pager.html`` and a list's heading need."""
    return {"page": page.page, "pages": page.pages, "total": page.total, "query": filters_query(filters)}


def set_page_headers(response: Response, path: str, page: PageOf[Any], filters: Mapping[str, Any]) -> None:
    """``X-Total-Count`` and a ``Link`` header with the next/previous/first/last pages."""
    query = filters_query({**filters, "per_page": page.per_page if page.per_page != PER_PAGE else None})

    def url(number: int) -> str:
        return f"<{path}?{query}{'&' if query else ''}page={number}>"

    links = [f'{url(1)}; rel="first"', f'{url(page.pages)}; rel="last"']
    if page.has_next:
        links.insert(0, f'{url(page.page + 1)}; rel="next"')
    if page.has_previous:
        links.insert(0, f'{url(page.page - 1)}; rel="prev"')
    response.headers["X-Total-Count"] = str(page.total)
    response.headers["Link"] = ", ".join(links)


def csv_download(filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Response:
    """A formula-safe CSV file (``yima.exports.csv_bytes``) as a download."""
    return Response(csv_bytes(header, rows), media_type=CSV,
                    headers={"Content-Disposition": attachment_disposition(filename)})


__all__ = ["CSV", "PageNo", "PerPage", "Search", "csv_download", "filters_query", "page_request", "pager",
           "set_page_headers"]
