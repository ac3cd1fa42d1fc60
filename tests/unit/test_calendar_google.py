"""The Google backend without a server: the OAuth token is stored private and read back."""

from __future__ import annotations

import json
import os
import stat
from datetime import datetime
from pathlib import Path

import pytest
from google.oauth2.credentials import Credentials

from core.errors import CalendarError
from core.settings import Settings
from tools.calendar.google import load_credentials, save_token, token_path


def test_token_is_stored_private_and_loaded(tmp_path: Path):
    settings = Settings(data_dir=tmp_path)
    with pytest.raises(CalendarError, match="not authorized"):
        load_credentials(settings)
    creds = Credentials(token="abc", refresh_token="refresh", client_id="id", client_secret="secret",
                        token_uri="https://oauth2.googleapis.com/token", expiry=datetime(2100, 1, 1))
    path = token_path(settings)
    save_token(path, creds)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert json.loads(path.read_text())["token"] == "abc"
    assert load_credentials(settings).token == "abc"
