"""The HTTP API without a server: binding off loopback needs a token (tests/real/test_api.py runs the API)."""

from __future__ import annotations

import pytest


# ---------------------------------------------------------------------------------------------- auth
def test_off_loopback_needs_a_token(settings, monkeypatch):
    from app.api import check_bind, is_loopback, serve
    from core.errors import InputError

    for host in ("127.0.0.1", "127.8.9.10", "::1", "[::1]", "localhost"):
        assert is_loopback(host)
        check_bind(host, None)
    for host in ("0.0.0.0", "::", "192.168.1.5", "example.com"):
        assert not is_loopback(host)
        with pytest.raises(InputError) as e:
            check_bind(host, None)
        assert host in str(e.value) and "MINUTES_API_TOKEN" in e.value.hint
        check_bind(host, "a-long-secret")
    monkeypatch.delenv("MINUTES_API_TOKEN", raising=False)
    with pytest.raises(InputError, match="without an API token"):
        serve(settings, host="0.0.0.0", port=1)  # refuses before building or binding anything
