"""The campaign file and the defaults. The only module that reads the environment.

A broken file fails with a `ConfigError` naming the file, the line, the field and what was
expected, so an operator can fix it without reading a traceback.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from happybot.errors import ConfigError
from happybot.models import Mode, ReplyWhen

ENV_DB = "HAPPYBOT_DB"
ENV_AUDIT_KEY = "HAPPYBOT_AUDIT_KEY"
DEFAULT_DB_URL = "sqlite:///happybot.db"
STARTER_CAMPAIGN = "campaign.yaml"

_HEX = re.compile(r"^#[0-9A-Fa-f]{6}$")
_SECRET_KEYS = {"password", "token", "secret", "api_key", "access_token", "app_password"}

Unit = Annotated[float, Field(ge=0.0, le=1.0)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


@dataclass(frozen=True)
class Limits:
    review: float
    reject: float


# below `review` a finding does not count; from `reject` it rejects; between, a person decides
DEFAULT_LIMITS = Limits(review=0.3, reject=0.9)


@dataclass(frozen=True)
class Policy:
    """Thresholds on a finding's risk, by "screen/label" (a sensitive topic), else by screen,
    else `default`."""

    thresholds: Mapping[str, Limits] = field(default_factory=dict)
    default: Limits = DEFAULT_LIMITS

    def limits(self, screen: str, label: str = "") -> Limits:
        found = self.thresholds.get(f"{screen}/{label}") or self.thresholds.get(screen)
        return found or self.default


class Threshold(_Model):
    review: Unit = DEFAULT_LIMITS.review
    reject: Unit = DEFAULT_LIMITS.reject

    @model_validator(mode="after")
    def _ordered(self) -> Threshold:
        if self.review > self.reject:
            raise ValueError("review must not be above reject")
        return self


# "bot" in the languages replies are written in: bot, bots, botti (fi), boten/botten (sv, no)
_SAYS_BOT = re.compile(r"\bbot(?:s|ti\w*|en|ten)?\b", re.IGNORECASE)


class ReplySettings(_Model):
    templates: list[str] = Field(
        default_factory=lambda: ["@{handle} our bot drew something happy for you {hashtag}"],
        min_length=1,
    )
    # a post in one of these languages (ISO 639-1) is answered in it; others get `templates`
    by_language: dict[str, list[str]] = Field(default_factory=dict)

    @field_validator("by_language")
    @classmethod
    def _languages(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        out = {}
        for lang, templates in value.items():
            code = lang.strip().lower()
            if not re.fullmatch(r"[a-z]{2}", code):
                raise ValueError(f"{lang!r} is not a two-letter language code (fi, de, es…)")
            if not templates:
                raise ValueError(f"reply.by_language.{code} has no template")
            out[code] = cls._fields_known(templates)
        return out

    @field_validator("templates")
    @classmethod
    def _fields_known(cls, templates: list[str]) -> list[str]:
        for template in templates:
            try:
                template.format(handle="h", hashtag="#t")
            except (KeyError, IndexError, ValueError) as exc:
                raise ValueError(
                    f"template {template!r} may only use {{handle}} and {{hashtag}}"
                ) from exc
            if not _SAYS_BOT.search(template):
                # Bluesky, Mastodon and X all ask automated accounts to say so
                raise ValueError(
                    f"template {template!r} must say that a bot made the reply (the word "
                    "'bot'), e.g. \"@{handle} our bot drew this for you {hashtag}\""
                )
        return templates


class PaletteSettings(_Model):
    background: str = "#FFF8E7"
    ink: list[str] = Field(
        default_factory=lambda: ["#FF6B6B", "#2D98DA"], min_length=1, max_length=16
    )
    footer: str = "#5A5A5A"

    @field_validator("background", "footer")
    @classmethod
    def _hex(cls, value: str) -> str:
        if not _HEX.match(value):
            raise ValueError(f"{value!r} is not a colour like #RRGGBB")
        return value

    @field_validator("ink")
    @classmethod
    def _hex_list(cls, values: list[str]) -> list[str]:
        for value in values:
            cls._hex(value)
        return values


class ArtSettings(_Model):
    shapes: list[str] = Field(default_factory=lambda: ["heart", "sun"], min_length=1)
    width: Annotated[int, Field(ge=200, le=4096)] = 1080
    height: Annotated[int, Field(ge=200, le=4096)] = 1080
    palette: PaletteSettings = Field(default_factory=PaletteSettings)

    @field_validator("shapes")
    @classmethod
    def _known_shapes(cls, shapes: list[str]) -> list[str]:
        known = shape_names()
        unknown = [s for s in shapes if s not in known]
        if unknown:
            raise ValueError(f"unknown shape(s) {unknown}; known: {sorted(known)}")
        return shapes


def shape_names() -> set[str]:
    """The shapes drawn in the package (`art/drawings/NAME.txt`), read from the folder rather
    than from the art package, which a campaign file must not need to import to be read."""
    folder = resources.files("happybot").joinpath("art", "drawings")
    return {e.name.removesuffix(".txt") for e in folder.iterdir() if e.name.endswith(".txt")}


class BehaviourSettings(_Model):
    min_account_age_days: Annotated[float, Field(ge=0)] = 7
    max_posts_per_hour: Annotated[int, Field(ge=1)] = 4
    duplicate_similarity: Unit = 0.6
    duplicate_authors: Annotated[int, Field(ge=2)] = 3
    duplicate_minutes: Annotated[float, Field(gt=0, le=60)] = 3
    author_rejects_limit: Annotated[int, Field(ge=1)] = 3
    burst_posts: Annotated[int, Field(ge=2)] = 40
    burst_minutes: Annotated[float, Field(gt=0)] = 5


class BreakerSettings(_Model):
    enabled: bool = True
    window_minutes: Annotated[float, Field(gt=0)] = 10
    flagged_posts: Annotated[int, Field(ge=1)] = 25
    author_rejects: Annotated[int, Field(ge=1)] = 5
    rejected_authors: Annotated[int, Field(ge=1)] = 2
    coordination_posts: Annotated[int, Field(ge=1)] = 3
    coordination_raid_posts: Annotated[int, Field(ge=1)] = 12
    # an incident that dropped the campaign to copilot and that no person acknowledged within
    # this many minutes pauses it (nobody is watching: copilot's queue grows unseen); 0: never
    pause_unacknowledged_minutes: Annotated[float, Field(ge=0)] = 15


_VARIABLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class EmailAlertSettings(_Model):
    """E-mail through an SMTP server: a second channel, for when the chat tool is down."""

    host: str = Field(min_length=1)
    port: Annotated[int, Field(ge=1, le=65535)] = 587
    sender: str = Field(min_length=3, pattern=r".+@.+")
    to: list[Annotated[str, Field(pattern=r".+@.+")]] = Field(min_length=1)
    starttls: bool = True
    # a login, when the server asks for one: the variables that hold it
    username_env: str | None = None
    password_env: str | None = None

    def login(self) -> tuple[str, str] | None:
        if not self.username_env:
            return None
        user = os.environ.get(self.username_env, "")
        password = os.environ.get(self.password_env or "", "")
        return (user, password) if user else None


class AlertSettings(_Model):
    # the URL of a Slack-style webhook is itself a secret: the file names the variable
    webhook_url_env: str | None = "HAPPYBOT_ALERT_WEBHOOK"
    # the key the webhook's body is signed with (HMAC-SHA256), so the receiver can tell our
    # alerts from forged ones: unset, alerts go unsigned
    signing_secret_env: str | None = "HAPPYBOT_ALERT_SECRET"
    timeout_seconds: Annotated[float, Field(gt=0, le=60)] = 5
    # tries of the webhook (network errors, 429 and 5xx are tried again, waiting 1, 2, 4 s…)
    attempts: Annotated[int, Field(ge=1, le=10)] = 4
    email: EmailAlertSettings | None = None

    @field_validator("signing_secret_env")
    @classmethod
    def _secret_name(cls, value: str | None) -> str | None:
        if value and not _VARIABLE.fullmatch(value):
            raise ValueError(f"{value!r} is not the name of an environment variable")
        return value

    def signing_secret(self) -> bytes | None:
        value = os.environ.get(self.signing_secret_env) if self.signing_secret_env else None
        return value.encode() if value else None

    @field_validator("webhook_url_env")
    @classmethod
    def _variable_name(cls, value: str | None) -> str | None:
        if not value or _VARIABLE.fullmatch(value):
            return value  # empty: no alerts, which `run`, `status` and `doctor` then say
        if "://" in value or value.lower().startswith("http"):
            raise ValueError(
                "this names the environment variable that holds the webhook's URL, not the URL "
                "(a secret, never in the file): write HAPPYBOT_ALERT_WEBHOOK here and export "
                "HAPPYBOT_ALERT_WEBHOOK=<the URL>"
            )
        raise ValueError(f"{value!r} is not the name of an environment variable")

    def webhook_url(self) -> str | None:
        return os.environ.get(self.webhook_url_env) if self.webhook_url_env else None

    def off_because(self) -> str | None:
        """Why no alert would go out, or None when alerts are on (by webhook, by e-mail or
        both): people must know."""
        if self.email is not None:
            return None
        return self.off_because_webhook()

    def off_because_webhook(self) -> str | None:
        """Why the webhook would not be used, or None."""
        if not self.webhook_url_env:
            return "alerts.webhook_url_env is empty in the campaign file"
        url = self.webhook_url()
        if not url:
            return f"${self.webhook_url_env} is not set"
        if not re.match(r"https?://", url):
            return f"${self.webhook_url_env} does not hold an http(s) URL"
        return None


class EtiquetteSettings(_Model):
    """Whom the bot answers, and how often: the limits that keep a campaign welcome."""

    # replies one person gets in any 24 hours
    replies_per_person_per_day: Annotated[int, Field(ge=1, le=1000)] = 3
    # a post older than this (or than `starts_at`) is never answered: a restart after a long
    # stop must not answer yesterday's posts in a burst
    max_post_age_minutes: Annotated[float, Field(gt=0)] = 24 * 60
    # the campaign's start: earlier posts are never answered (a first run starts at the
    # network's live tail anyway; this also holds for a store moved or a cursor set by hand)
    starts_at: datetime | None = None
    # a reply to the bot, or a mention of it, that says one of these (any case, a few words at
    # most) opts its author out of every later reply
    stop_words: list[str] = Field(
        default_factory=lambda: [
            "stop",
            "unsubscribe",
            "opt out",
            "opt-out",
            "no more",
            "leave me alone",
        ],
        min_length=1,
    )
    # a text file of handles that never get a reply (one per line, # for comments), relative
    # to the campaign file; read at every run
    opt_out_file: str | None = None

    @field_validator("starts_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("give the time zone, e.g. 2026-12-01T09:00:00+00:00")
        return value

    @field_validator("stop_words")
    @classmethod
    def _words(cls, values: list[str]) -> list[str]:
        cleaned = [" ".join(v.casefold().split()) for v in values]
        if not all(cleaned):
            raise ValueError("a stop word may not be empty")
        return cleaned


class WordSettings(_Model):
    deny: list[str] = Field(default_factory=list)
    allow: list[str] = Field(default_factory=list)


_DOMAIN = re.compile(r"(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")


class LinkSettings(_Model):
    """Domains whose links are rejected unseen (a site of hate, a competitor, a scam); every
    other link still goes to a person. A domain covers its subdomains."""

    deny: list[str] = Field(default_factory=list)

    @field_validator("deny")
    @classmethod
    def _domains(cls, value: list[str]) -> list[str]:
        out = []
        for raw in value:
            domain = re.sub(r"^[a-z]+://", "", raw.strip().lower()).split("/")[0]
            domain = domain.removeprefix("www.")
            if not _DOMAIN.fullmatch(domain):
                raise ValueError(f"{raw!r} is not a domain name (write it as example.com)")
            out.append(domain)
        return out


class RateLimitSettings(_Model):
    per_minute: Annotated[int, Field(ge=1)] = 10
    per_hour: Annotated[int, Field(ge=1)] = 300


class PlatformSettings(_Model):
    """Where posts come from and replies go. `kind` is `dryrun` or an installed network
    (`happybot.networks`); `platform.NAME` holds that network's settings, validated by it."""

    model_config = ConfigDict(extra="allow", frozen=True)

    kind: str = "dryrun"
    source: str = "simulate:campaign"  # dry-run only: where the posts come from
    out_dir: str = "happybot-out"  # dry-run only: where the replies go
    # dry-run sources only (a replay or the simulator); each network has its own
    reply_when: ReplyWhen = ReplyWhen.HASHTAG
    # dry-run sources only: the bot's handle in a replay, that its mentions name
    account: str | None = None
    _networks: dict[str, BaseModel] = PrivateAttr(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _no_secrets(cls, data: Any) -> Any:
        _refuse_secrets(data)
        for value in (data or {}).values() if isinstance(data, dict) else ():
            _refuse_secrets(value)
        return data

    @model_validator(mode="after")
    def _network_settings(self) -> PlatformSettings:
        from happybot.networks import network

        extra = dict(self.model_extra or {})
        named = set(extra) | ({self.kind} - {"dryrun"})
        for name in sorted(named):
            try:
                settings = network(name).settings
            except ConfigError as exc:
                raise ValueError(str(exc)) from None
            try:
                self._networks[name] = settings.model_validate(extra.get(name) or {})
            except ValidationError as exc:
                first = exc.errors()[0]
                where = ".".join(str(part) for part in first["loc"])
                raise ValueError(f"platform.{name}.{where}: {first['msg']}") from None
        return self

    def settings_for(self, name: str) -> Any:
        """The validated settings of network `name` (its defaults when the file has none)."""
        return self._networks[name]


# the longest post each network takes (Bluesky counts graphemes, near enough characters here)
POST_LIMITS = {"bluesky": 300, "mastodon": 500, "x": 280}


class StatementSettings(_Model):
    """A holding statement prepared before launch: what the brand says, from its own account,
    when an incident opens. An admin approves its exact words in the dashboard first."""

    network: str = "*"  # a network's name, or * for any
    language: str = Field(default="en", pattern=r"^[a-z]{2,3}$")
    text: str = Field(min_length=1)

    @model_validator(mode="after")
    def _fits(self) -> StatementSettings:
        limit = POST_LIMITS.get(self.network, min(POST_LIMITS.values()))
        if len(self.text) > limit:
            where = self.network if self.network != "*" else "every network (* : X's 280)"
            raise ValueError(f"a statement for {where} may be {limit} characters at most")
        return self


class ClassifierSettings(_Model):
    """The model the `classifier` screen asks. `onnx`: the shipped model, or the ONNX sequence
    classifier in `path` (a directory with model.onnx and tokenizer.json), its outputs mapped onto
    ours by `labels`; `openai`: OpenAI's moderation endpoint; `llama-guard`: Llama Guard on an
    OpenAI-compatible server (`url`, `model`). A backend that fails or runs past
    `timeout_seconds` sends the post to review."""

    backend: Literal["onnx", "openai", "llama-guard"] = "onnx"
    path: str = ""
    labels: dict[str, str] = Field(default_factory=dict)
    threads: Annotated[int, Field(ge=1, le=64)] = 1
    url: str = ""
    model: str = ""
    api_key_env: str = ""
    timeout_seconds: Annotated[float, Field(gt=0, le=120)] = 5

    @model_validator(mode="before")
    @classmethod
    def _no_secrets(cls, data: Any) -> Any:
        _refuse_secrets(data)
        return data

    @field_validator("labels")
    @classmethod
    def _ours(cls, value: dict[str, str]) -> dict[str, str]:
        from happybot.labels import LABELS, not_ours

        unknown = not_ours(value.values())
        if unknown:
            raise ValueError(f"maps onto {unknown}; our labels are {list(LABELS)}")
        return value

    @model_validator(mode="after")
    def _complete(self) -> ClassifierSettings:
        if self.backend == "llama-guard" and not self.url:
            raise ValueError("the llama-guard backend needs the url of its server")
        if self.backend == "openai" and not self.api_key_env:
            raise ValueError(
                "the openai backend needs api_key_env: the name of the environment variable "
                "that holds the API key"
            )
        return self

    def api_key(self) -> str | None:
        """The secret, read from the environment variable the file names (never the file)."""
        return os.environ.get(self.api_key_env) if self.api_key_env else None


class StoreSettings(_Model):
    url: str = DEFAULT_DB_URL


class Campaign(_Model):
    """A whole campaign file. Paths in it are relative to the file (`base_dir`)."""

    hashtag: str
    brand_line: str = ""
    mode: Mode = Mode.AUTOPILOT
    reply: ReplySettings = Field(default_factory=ReplySettings)
    art: ArtSettings = Field(default_factory=ArtSettings)
    thresholds: dict[str, Threshold] = Field(default_factory=dict)
    screen_deadline_seconds: Annotated[float, Field(gt=0, le=600)] = 10
    publish_delay_seconds: Annotated[float, Field(ge=0, le=86400)] = 120
    behaviour: BehaviourSettings = Field(default_factory=BehaviourSettings)
    words: WordSettings = Field(default_factory=WordSettings)
    links: LinkSettings = Field(default_factory=LinkSettings)
    never_amplify: list[str] = Field(default_factory=list)
    languages: list[str] = Field(default_factory=lambda: ["en"], min_length=1)
    rate_limits: RateLimitSettings = Field(default_factory=RateLimitSettings)
    etiquette: EtiquetteSettings = Field(default_factory=EtiquetteSettings)
    breaker: BreakerSettings = Field(default_factory=BreakerSettings)
    alerts: AlertSettings = Field(default_factory=AlertSettings)
    platform: PlatformSettings = Field(default_factory=PlatformSettings)
    classifier: ClassifierSettings = Field(default_factory=ClassifierSettings)
    store: StoreSettings = Field(default_factory=StoreSettings)
    statements: list[StatementSettings] = Field(default_factory=list)
    base_dir: str = "."

    @field_validator("hashtag")
    @classmethod
    def _hashtag(cls, value: str) -> str:
        tag = value.strip().lstrip("#")
        if not tag or not re.fullmatch(r"\w+", tag):
            raise ValueError(f"{value!r} is not a hashtag: use letters, digits and _ only")
        return "#" + tag

    @property
    def tag(self) -> str:
        """The hashtag without '#', lower-cased, as platforms report tags."""
        return self.hashtag[1:].lower()

    def network_name(self) -> str:
        """The name posts carry for where they come from: the network, or for a dry-run
        campaign its source's kind (`replay`, `simulate`)."""
        if self.platform.kind != "dryrun":
            return self.platform.kind
        return self.platform.source.partition(":")[0]

    def policy(self) -> Policy:
        """The file's `thresholds` as the one Policy every verdict and screen reads."""
        limits = {name: Limits(t.review, t.reject) for name, t in self.thresholds.items()}
        default = limits.pop("default", DEFAULT_LIMITS)
        return Policy(limits, default)

    def threshold(self, screen: str, label: str = "") -> Limits:
        return self.policy().limits(screen, label)

    def path(self, relative: str) -> Path:
        path = Path(relative)
        return path if path.is_absolute() else Path(self.base_dir) / path


def _refuse_secrets(data: Any) -> None:
    if isinstance(data, dict):
        for key in data:
            if str(key).lower() in _SECRET_KEYS:
                raise ValueError(
                    f"secrets are never read from the campaign file: remove '{key}' and set "
                    f"'{key}_env' to the name of an environment variable that holds it"
                )


def starter_campaign_text() -> str:
    """The commented starter campaign that `happybot init` writes and `demo` runs."""
    return resources.files("happybot.data").joinpath(STARTER_CAMPAIGN).read_text("utf-8")


def starter_campaign() -> Campaign:
    return parse_campaign(starter_campaign_text(), source="<built-in starter campaign>")


def load_campaign(path: str | Path) -> Campaign:
    """Read and validate a campaign file; every error names the file, line and field."""
    path = Path(path)
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: no such campaign file (create one with `happybot init`)"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the campaign file: {exc}") from exc
    return parse_campaign(text, source=str(path), base_dir=path.parent)


def parse_campaign(text: str, source: str, base_dir: Path | None = None) -> Campaign:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{source}:{mark.line + 1}" if mark is not None else source
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"{where}: not valid YAML: {problem}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: expected a mapping of settings (hashtag: ..., mode: ...)")
    if base_dir is not None:
        data["base_dir"] = str(base_dir)
    try:
        return Campaign.model_validate(data)
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            loc = tuple(error["loc"])
            field = ".".join(str(part) for part in loc) or "(top level)"
            line = _line_of(node, loc)
            where = f"{source}:{line}" if line else source
            lines.append(f"{where}: {field}: {_expected(error)}")
        raise ConfigError("\n".join(lines)) from None


def _expected(error: Any) -> str:
    message = str(error["msg"])
    if error["type"] == "extra_forbidden":
        return "unknown setting (check the spelling; the README lists every setting)"
    if error["type"] == "missing":
        return "required setting is missing"
    return message.removeprefix("Value error, ")


def _line_of(node: yaml.Node | None, loc: tuple[Any, ...]) -> int | None:
    """The 1-based line of the YAML node at `loc`, or of its nearest parent that exists."""
    if node is None:
        return None
    line = node.start_mark.line + 1
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if key.value == str(part):
                    # an unknown key is reported at the key itself
                    node, line = value, key.start_mark.line + 1
                    break
            else:
                return line
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if part >= len(node.value):
                return line
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            return line
    return line


def db_url(explicit: str | None, campaign: Campaign | None) -> str:
    """--db, then $HAPPYBOT_DB, then the campaign's store.url, then the SQLite default. A
    relative SQLite path in a campaign file is relative to that file, like every path in it:
    the campaign's store is the same whatever folder a command is started from."""
    if explicit or os.environ.get(ENV_DB):
        return explicit or os.environ[ENV_DB]
    if campaign is None:
        return DEFAULT_DB_URL
    return _beside(campaign.store.url, Path(campaign.base_dir))


def _beside(url: str, base: Path) -> str:
    if not url.startswith("sqlite:///") or url == "sqlite:///:memory:":
        return url
    path = Path(url.removeprefix("sqlite:///"))
    return url if path.is_absolute() else f"sqlite:///{(base / path).resolve()}"


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL; None for another database or one in memory."""
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        return Path(url.removeprefix("sqlite:///"))
    return None


def audit_key_path(db: str, campaign: Campaign | None = None) -> Path:
    """Where the audit key is kept: beside a SQLite database, else beside the campaign file
    (or in the working folder, for the built-in campaign)."""
    file = sqlite_file(db)
    if file is not None:
        return Path(f"{file}.key")
    base = Path(campaign.base_dir) if campaign is not None else Path(".")
    return base / ".happybot-audit.key"


def audit_key(db: str, campaign: Campaign | None = None, *, create: bool = True) -> bytes:
    """The secret that keys the audit chain: $HAPPYBOT_AUDIT_KEY, else a key file kept beside
    a SQLite database (or beside the campaign file), created with a new store and readable only
    by its owner. It is never stored in the database, so editing the database cannot re-key it.
    Without `create`, a missing key file is an error: a store moved without its key must not
    get a new one (its chain would then look tampered with)."""
    env = os.environ.get(ENV_AUDIT_KEY)
    if env:
        return env.encode()
    key_path = audit_key_path(db, campaign)
    if not key_path.exists():
        if not create:
            raise ConfigError(
                f"the audit key {key_path} is missing, and the store's chain was made with it: "
                f"put the key file back beside the store, or set ${ENV_AUDIT_KEY} to the key"
            )
        key_path.parent.mkdir(parents=True, exist_ok=True)
        # written whole under another name, then linked in place: a second process starting
        # at the same moment (a worker beside the listener) reads one whole key, never half
        draft = key_path.with_name(f"{key_path.name}.{os.getpid()}.new")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(os.urandom(32).hex())
        try:
            os.link(draft, key_path)
        except FileExistsError:
            pass  # the other process's key stands
        finally:
            draft.unlink()
    try:
        return key_path.read_text().strip().encode()
    except OSError as exc:
        raise ConfigError(f"cannot read the audit key {key_path}: {exc.strerror}") from exc


def default_actor() -> str:
    """Who a CLI action is recorded as when --by is not given."""
    return os.environ.get("HAPPYBOT_USER") or os.environ.get("USER") or "cli"


def cache_dir() -> Path:
    """Where derived data (the corpus index) is cached: $HAPPYBOT_CACHE_DIR, else the user's
    cache folder."""
    explicit = os.environ.get("HAPPYBOT_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "happybot"
