"""A logged-in session on Superset's REST API."""

from __future__ import annotations

import json
from typing import Any, Iterator

import requests


class LoginFailed(Exception):
    pass


class SupersetClient:
    """Bearer token from `/api/v1/security/login`, plus the CSRF token and session cookie that
    Superset wants on every write, fetched on the same session."""

    def __init__(self, base_url: str, username: str, password: str):
        self.base_url = base_url.rstrip("/")
        self.session = requests.Session()
        login = self.session.post(f"{self.base_url}/api/v1/security/login", timeout=60, json={
            "username": username, "password": password, "provider": "db", "refresh": False})
        if login.status_code == 401:
            raise LoginFailed(f"Superset refused the login of {username!r}")
        _check(login)
        self.session.headers["Authorization"] = f"Bearer {login.json()['access_token']}"
        csrf = self.get("/api/v1/security/csrf_token/")["result"]
        self.session.headers.update({"X-CSRFToken": csrf, "Referer": self.base_url})

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        response = self.session.request(method, self.base_url + path, timeout=300, **kwargs)
        _check(response)
        return response

    def get(self, path: str, **params) -> Any:
        return self.request("GET", path, params=params).json()

    def post(self, path: str, payload: Any) -> Any:
        return self.request("POST", path, json=payload).json()

    def put(self, path: str, payload: Any) -> Any:
        return self.request("PUT", path, json=payload).json()

    def every(self, path: str, columns: tuple[str, ...] = (), order: str | None = None) -> Iterator[dict]:
        """Every item of a list endpoint, page by page (the API caps pages at 100), ordered by
        `order`, a unique column the endpoint sorts by. Without one, a list longer than a page
        is refused: the API then sends its query unordered, and on a PostgreSQL metadata store
        the pages came back overlapping, some rows on none of them."""
        select = f",columns:!({','.join(columns)})" if columns else ""
        ordered = f",order_column:{order},order_direction:asc" if order else ""
        page = 0
        while True:
            result = self.get(path, q=f"(page:{page},page_size:100{select}{ordered})")["result"]
            yield from result
            if len(result) < 100:
                return
            if not order:
                raise ValueError(f"{path} lists more than a page: name a unique column to order it by")
            page += 1


def _check(response: requests.Response) -> None:
    if response.status_code >= 400:
        try:
            detail = json.dumps(response.json(), ensure_ascii=False)[:2000]
        except ValueError:
            detail = response.text[:2000]
        raise requests.HTTPError(f"{response.request.method} {response.url}: {response.status_code} {detail}",
                                 response=response)
