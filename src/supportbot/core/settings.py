"""One settings object for the whole product, read once at the edge and passed down.

Every field is an environment variable with the ``SUPPORTBOT_`` prefix (``home`` is
``SUPPORTBOT_HOME``), also read from a ``.env`` file in the working directory. Slack's own
variables keep their names (``SLACK_BOT_TOKEN``, ``SLACK_APP_TOKEN``, ``SLACK_SIGNING_SECRET``).
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from supportbot.core.errors import ConfigError
from supportbot.core.scoring import REQUEST_SIMILARITY

ENV_PREFIX = "SUPPORTBOT_"

CommaList = Annotated[list[str], NoDecode]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        populate_by_name=True,
    )

    # --- storage -------------------------------------------------------------------------------
    home: Path = Field(
        Path(".supportbot"), description="Folder for the SQLite file, indexes, models, reports."
    )
    database_url: str | None = Field(
        None, description="SQLAlchemy URL; default sqlite:///$SUPPORTBOT_HOME/supportbot.db."
    )
    spool_dir: Path | None = Field(
        None,
        description="The bot's delivery spool (questions on disk until answered); default $SUPPORTBOT_HOME/spool.",
    )

    # --- Slack (Slack's own variable names) ----------------------------------------------------
    slack_bot_token: SecretStr | None = Field(
        None, validation_alias=AliasChoices("SLACK_BOT_TOKEN", "SUPPORTBOT_SLACK_BOT_TOKEN")
    )
    slack_app_token: SecretStr | None = Field(
        None, validation_alias=AliasChoices("SLACK_APP_TOKEN", "SUPPORTBOT_SLACK_APP_TOKEN")
    )
    slack_signing_secret: SecretStr | None = Field(
        None, validation_alias=AliasChoices("SLACK_SIGNING_SECRET", "SUPPORTBOT_SLACK_SIGNING_SECRET")
    )
    slack_api_url: str | None = Field(None, description="Slack Web API base URL (tests point it at a fake).")
    slack_streaming: bool = Field(
        True,
        description="Stream answers into Slack as they are written (chat.startStream); off: a"
        " placeholder message replaced by the whole answer.",
    )
    slack_stream_interval_s: float = Field(
        0.2, ge=0, description="Least seconds between two appends to a streamed answer."
    )
    admin_user_ids: CommaList = Field(
        default_factory=list, description="Slack user ids allowed to retrain, promote and roll back."
    )
    support_group_id: str | None = Field(
        None,
        description="Slack user group tagged on a hand-over; its members (and the admins) may take,"
        " resolve and hand back a conversation.",
    )
    support_channel: str | None = Field(
        None,
        description="Slack channel (id) where every hand-over request is posted, with a link to the"
        " customer's thread; its thread relays both ways. Unset: the request goes in the thread itself.",
    )

    # --- the language model the bot talks to ---------------------------------------------------
    model_base_url: str = Field("http://127.0.0.1:8000/v1", description="OpenAI-compatible endpoint.")
    model_name: str = Field("supportbot", description="`model` sent to the endpoint.")
    api_key: SecretStr | None = Field(None, description="API key of the model server (optional).")
    prompt_mode: Literal["chat", "completion"] = "chat"
    model_timeout_s: float = Field(30.0, gt=0)
    model_retries: int = Field(1, ge=0)
    max_answer_tokens: int = Field(160, gt=0)
    context_window: int = Field(512, gt=64, description="Tokens the model reads; history is trimmed to fit.")
    prompt_tickets: int = Field(
        2, ge=0, description="Retrieved tickets put into the prompt (0: none), as the models are trained."
    )
    prompt_ticket_budget: int = Field(
        180, gt=0, description="Token budget of those tickets (approx_tokens; each clipped to its share)."
    )

    # --- model serving -------------------------------------------------------------------------
    base_model: str | None = Field(None, description="HF model name or path; default our own trained model.")
    device: Literal["auto", "cpu", "cuda"] = "auto"
    dtype: Literal["auto", "float32", "bfloat16", "float16"] = "auto"
    admin_token: SecretStr | None = Field(None, description="Bearer token for the server's admin endpoint.")
    max_batch_size: int = Field(64, gt=0)

    # --- retrieval -----------------------------------------------------------------------------
    embedder: str = Field("all-MiniLM-L6-v2", description="Sentence-transformers name or path.")
    index_type: Literal["auto", "flat", "hnsw", "ivf"] = "auto"
    approx_threshold: int = Field(
        200_000, gt=0, description="`auto` switches to an approximate (IVF) index above this many tickets."
    )
    retrieval_k: int = Field(3, gt=0)
    min_score: float = Field(0.0, description="Hits scoring below this are dropped.")
    request_weight: float = Field(
        1.0,
        ge=0,
        description="How much a ticket's whole request (its tickets grouped by reply) counts beside"
        " its own similarity when ranking (retrieval.requests; 0: similarity alone).",
    )
    sentence_weight: float = Field(
        0.5,
        ge=0,
        le=1,
        description="How much a message's best sentence counts beside the whole message when ranking"
        " (retrieval.sentences; 0: the whole message alone).",
    )
    related_questions: int = Field(
        3, ge=0, le=3, description="Solved questions offered under an answer (usecases.related; 0: none)."
    )

    # --- the confidence gate -------------------------------------------------------------------
    # Calibrated on the sample (bench/calibrate_gate.py): at 0.50, 99.5% of in-domain questions
    # are answered and 96.7% of questions the history cannot answer are handed over (0.45: 90%).
    escalate_below_score: float = Field(0.5, description="Top retrieval score under this: hand over.")
    escalate_below_logprob: float = Field(-1.5, description="Mean token log-prob under this: hand over.")
    disagree_below: float = Field(
        0.45,
        ge=0.0,
        le=1.0,
        description="A draft saying less than this share of what its tickets agree on (IDF-weighted words"
        " of the best resolution that another retrieved one also has) is about another request: the best"
        " ticket is shown instead (0: off).",
    )
    loop_times: int = Field(
        3,
        ge=0,
        description="A draft saying the same three words this many times, more often than any of its"
        " tickets does, is caught in a loop: the best ticket is shown instead (0: off).",
    )
    same_request_below: float = Field(
        REQUEST_SIMILARITY,
        ge=0.0,
        le=1.0,
        description="A draft whose IDF-weighted cosine with its first source's resolution is under this does"
        " not name that ticket's request: the first source is shown instead (core.scoring.REQUEST_SIMILARITY;"
        " 0: off).",
    )
    close_match_score: float = Field(
        0.55,
        ge=0.0,
        le=1.0,
        description="When the model finds no past case that fits, a closest ticket scoring at least this"
        " is shown instead of handing over (1: always hand over).",
    )

    # --- customer mood ------------------------------------------------------------------------
    sentiment_model: Path | None = Field(
        None,
        description="The sentiment classifier (`supportbot train sentiment`); default <home>/models/sentiment.",
    )
    frustration_offer_at: float = Field(
        0.6, ge=0.0, le=1.0, description="A customer this frustrated is offered a human with the answer."
    )
    frustration_handover_at: float = Field(
        0.85, ge=0.0, le=1.0, description="A customer this frustrated is handed to a human without asking."
    )
    handover_topics: CommaList = Field(
        default_factory=list,
        description="Ticket categories that always go to a human (e.g. legal,security,billing-dispute).",
    )
    handover_keywords: CommaList = Field(
        default_factory=list,
        description="Words or phrases that always send a question to a human (e.g. lawyer,chargeback).",
    )
    alert_channel: str | None = Field(
        None, description="Slack channel for sentiment alerts (a surge of negative messages); unset: none."
    )
    alert_window_minutes: int = Field(60, gt=0, description="The window a surge is measured over.")
    alert_baseline_hours: int = Field(
        24, gt=0, description="The trailing baseline the window is compared with."
    )
    alert_min_messages: int = Field(
        5, gt=0, description="Fewer customer messages than this in the window: no alert."
    )
    alert_ratio: float = Field(
        2.0, gt=1.0, description="Alert when the window's negative share is this many times the baseline's."
    )

    # --- privacy -------------------------------------------------------------------------------
    phone_regions: CommaList = Field(
        default_factory=lambda: ["US", "GB", "DE", "FR"],
        description="Regions whose national phone formats are redacted (international ones always are).",
    )
    originals_key: SecretStr | None = Field(
        None,
        description="Fernet key: keep customers' original texts encrypted in the database (opt-in; "
        "`supportbot history original`). Unset: only the redacted text is kept.",
    )

    # --- the team's HTTP actions (usecases.actions) -------------------------------------------
    actions_file: Path | None = Field(
        None, description="The declared actions (TOML); default $SUPPORTBOT_HOME/actions.toml if it exists."
    )
    actions_allow_private: bool = Field(
        False,
        description="An admin's switch: actions that say allow_private = true may reach private,"
        " loopback and link-local hosts, over plain http too (off: HTTPS to public hosts only).",
    )
    actions_tools: bool = Field(
        False,
        description="Also offer the actions to the model as OpenAI tools (a model that calls tools);"
        " the phrase matcher runs either way.",
    )
    actions_approval_ttl_hours: float = Field(
        24.0,
        gt=0,
        description="A write or irreversible action not approved within this many hours cannot be"
        " approved any more: Approve then says it expired (the call is cancelled, audited).",
    )

    # --- review web app ------------------------------------------------------------------------
    review_admins: CommaList = Field(
        default_factory=list, description="name:pbkdf2-hash pairs (`supportbot review hash-password`)."
    )
    session_secret: SecretStr | None = Field(None, description="Signs review session cookies.")
    trusted_proxies: CommaList = Field(
        default_factory=list,
        description="Addresses of reverse proxies whose X-Forwarded-For is believed (none by default).",
    )

    @field_validator(
        "admin_user_ids", "review_admins", "phone_regions", "trusted_proxies", "handover_topics",
        "handover_keywords", mode="before",
    )  # fmt: skip
    @classmethod
    def _split_commas(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("phone_regions")
    @classmethod
    def _check_regions(cls, value: list[str]) -> list[str]:
        import phonenumbers

        regions = [r.upper() for r in value]
        unknown = [r for r in regions if r not in phonenumbers.SUPPORTED_REGIONS]
        if unknown:
            raise ValueError(f"unknown region code(s) {', '.join(unknown)} (use ISO 3166 codes: US, GB, DE)")
        return regions

    @field_validator("originals_key")
    @classmethod
    def _check_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value().strip():
            return None
        from cryptography.fernet import Fernet

        try:
            Fernet(value.get_secret_value().strip().encode())
        except (ValueError, TypeError):
            raise ValueError(
                "not a Fernet key (make one with "
                "`python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'`)"
            ) from None
        return value

    @field_validator("database_url")
    @classmethod
    def _check_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            url = make_url(value.strip())
        except ArgumentError as exc:
            raise ValueError(f"not a database URL ({exc})") from None
        if url.get_backend_name() not in {"sqlite", "postgresql"}:
            raise ValueError(f"unsupported database {url.get_backend_name()!r} (use sqlite or postgresql)")
        return value.strip()

    # --- derived paths -------------------------------------------------------------------------
    @cached_property
    def db_url(self) -> str:
        if self.database_url:
            url = self.database_url
            # Plain postgresql:// means psycopg 3 here, the only PostgreSQL driver we ship.
            if url.startswith("postgresql://") or url.startswith("postgres://"):
                url = "postgresql+psycopg://" + url.split("://", 1)[1]
            return url
        return f"sqlite:///{(self.home / 'supportbot.db').as_posix()}"

    @property
    def index_dir(self) -> Path:
        return self.home / "index"

    @property
    def spool_folder(self) -> Path:
        """Where the bot keeps Slack deliveries until they are stored and answered."""
        return self.spool_dir or self.home / "spool"

    @property
    def models_dir(self) -> Path:
        return self.home / "models"

    @property
    def default_base_model_dir(self) -> Path:
        return self.models_dir / "base"

    @property
    def adapters_dir(self) -> Path:
        return self.models_dir / "adapters"

    @property
    def sentiment_model_dir(self) -> Path:
        return self.sentiment_model or self.models_dir / "sentiment"

    @property
    def reports_dir(self) -> Path:
        return self.home / "reports"

    @property
    def actions_path(self) -> Path | None:
        """The actions file: the one set, or $SUPPORTBOT_HOME/actions.toml when there is one."""
        if self.actions_file is not None:
            return self.actions_file
        default = self.home / "actions.toml"
        return default if default.is_file() else None

    def secret(self, name: str) -> str | None:
        value = getattr(self, name)
        return value.get_secret_value() if value is not None else None


def _env_name(field: str) -> str:
    info = Settings.model_fields.get(field)
    if info is not None and isinstance(info.validation_alias, AliasChoices):
        return str(info.validation_alias.choices[0])
    return ENV_PREFIX + field.upper()


def load_settings(**overrides: Any) -> Settings:
    """Read the settings, or fail with one line naming the variable that is wrong."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            field = str(error["loc"][0]) if error["loc"] else "?"
            message = str(error["msg"]).removeprefix("Value error, ")
            problems.append(f"{_env_name(field)}: {message}")
        raise ConfigError("invalid settings: " + "; ".join(problems)) from None
