"""Settings, read once from the environment. Every variable is listed in the README."""
from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import os
import re
import secrets
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from application.errors import InvalidValueError
from application.phone import normalise_phone
from infrastructure.database_url import DatabaseUrl


class SettingsError(ValueError):
    """An environment variable has a value Relais cannot use."""


def _int(env: dict[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be an integer, got {raw!r}") from None
    if not low <= value <= high:
        raise SettingsError(f"{name} must be between {low} and {high}, got {value}")
    return value


def _bool(env: dict[str, str], name: str, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "y", "on"):
        return True
    if raw in ("0", "false", "no", "n", "off"):
        return False
    raise SettingsError(f"{name} must be true or false, got {raw!r}")


MODEL_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/-]{0,99}$")
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


@dataclass(frozen=True)
class MistralSettings:
    """The Mistral adapter's settings, present only when MISTRAL_API_KEY is set (docs/adr/0010-mistral.md)."""

    api_key: str = field(repr=False)  # never printed, never logged
    server_url: str | None  # None: the SDK's default (https://api.mistral.ai)
    embed_model: str
    chat_model: str
    timeout_ms: int  # per HTTP attempt
    retries: int  # extra attempts after a 429, a 5xx or a refused connection


SMS_PROVIDERS = ("simulator", "twilio")
TWILIO_API_BASE_URL = "https://api.twilio.com"
ACCOUNT_SID = re.compile(r"^AC[0-9a-fA-F]{32}$")
MESSAGING_SERVICE_SID = re.compile(r"^MG[0-9a-fA-F]{32}$")


@dataclass(frozen=True)
class TwilioSettings:
    """The Twilio SMS adapter's settings, present only when RELAIS_SMS_PROVIDER=twilio
    (docs/adr/0013-sms-provider-and-scheduler.md)."""

    account_sid: str
    auth_token: str = field(repr=False)  # never printed, never logged
    from_number: str | None  # E.164 sender, or None when a messaging service sends
    messaging_service_sid: str | None
    api_base_url: str  # https://api.twilio.com unless pointed elsewhere (tests, a proxy)
    public_url: str  # how Twilio reaches Relais: webhooks are signed over this address
    timeout_ms: int  # per HTTP request to Twilio; a send is never retried by the adapter

    @property
    def status_callback_url(self) -> str:
        return self.public_url + "/sms/twilio/status"


@dataclass(frozen=True)
class Settings:
    host: str
    port: int
    data_dir: Path
    database: DatabaseUrl
    secret_key: bytes
    # Keys the HMAC of each claimed phone number (docs/adr/0004): a plain hash of a French
    # mobile number is reversed by trying the 10**9 of them.
    phone_claim_key: bytes
    seed_demo: bool
    session_idle_minutes: int
    session_absolute_hours: int
    login_max_failures: int
    login_window_minutes: int
    secure_cookies: bool | None  # None: decided by the request's scheme
    projection_poll_seconds: float
    log_level: str
    mistral: MistralSettings | None = None  # None: the offline AI
    sms_provider: str = "simulator"
    twilio: TwilioSettings | None = None  # set when sms_provider is "twilio"
    scheduler_enabled: bool = True  # RELAIS_SCHEDULER: `relais serve` runs the scheduler in-process
    scheduler_election_seconds: int = 5  # how often a follower tries to take the lead (bounds takeover)
    #: How often the leader seals everything new in the log, tail included: the longest a record stays
    #: unsigned, when SQL access could change it unnoticed (docs/adr/0014, "the tail").
    log_seal_seconds: int = 300
    web_workers: int = 1  # RELAIS_WEB_WORKERS: `relais serve` processes answering requests (one core each)
    # Failed sign-ins from one address before it is blocked: far above the per-account limit, since
    # many people may share an address (docs/adr/0007, amendment of session 6).
    login_address_max_failures: int = 100
    # RELAIS_TRUSTED_PROXIES: addresses (or networks) whose X-Forwarded-For/-Proto are believed; none by default.
    trusted_proxies: tuple[str, ...] = ()
    # Oversight figures (docs/adr/0016): a representativeness gap is flagged from this many
    # percentage points, once at least `figures_min_selected` people were selected; a decision
    # taken in under `figures_quick_seconds` on a list of `figures_long_list`+ suggestions is "quick".
    figures_gap_points: int = 10
    figures_min_selected: int = 20
    figures_quick_seconds: int = 10
    figures_long_list: int = 10
    retention_months: int = 24  # job seekers inactive this long are erased (docs/adr/0017)
    # Dated keys the retention job deletes once past their period: an auditor's searches of a day
    # (at least 6 months: AI Act Art. 26(6), docs/adr/0015); a month of erasure references (docs/adr/0017).
    audit_search_months: int = 12
    erasure_reference_months: int = 60
    outreach: OutreachSettings = field(default_factory=lambda: OutreachSettings())
    # RELAIS_LOG_MARK_DIR: where the log's high-water mark is kept (docs/adr/0014); None: the data folder.
    # Stateless workers need it on persistent storage shared by every process that seals or verifies.
    log_mark_dir: Path | None = None

    @property
    def mark_dir(self) -> Path:
        return self.log_mark_dir if self.log_mark_dir is not None else self.data_dir

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if environ is None else environ)
        data_dir = data_dir_of(env)
        database = database_url_of(env)
        secure = env.get("RELAIS_SECURE_COOKIES", "").strip()
        secret_key = _secret_key(env.get("RELAIS_SECRET_KEY", ""), data_dir)
        return cls(
            host=env.get("RELAIS_HOST", "127.0.0.1"),
            port=_int(env, "RELAIS_PORT", 8000, 1, 65535),
            data_dir=data_dir,
            database=database,
            secret_key=secret_key,
            phone_claim_key=_phone_claim_key(env.get("RELAIS_PHONE_KEY", ""), secret_key),
            seed_demo=_bool(env, "RELAIS_SEED_DEMO", True),
            session_idle_minutes=_int(env, "RELAIS_SESSION_IDLE_MINUTES", 30, 1, 24 * 60),
            session_absolute_hours=_int(env, "RELAIS_SESSION_ABSOLUTE_HOURS", 10, 1, 7 * 24),
            login_max_failures=_int(env, "RELAIS_LOGIN_MAX_FAILURES", 5, 1, 1000),
            login_window_minutes=_int(env, "RELAIS_LOGIN_WINDOW_MINUTES", 15, 1, 24 * 60),
            secure_cookies=None if not secure else _bool(env, "RELAIS_SECURE_COOKIES", False),
            projection_poll_seconds=_int(env, "RELAIS_PROJECTION_POLL_MS", 500, 50, 60_000) / 1000,
            log_level=env.get("RELAIS_LOG_LEVEL", "INFO").upper(),
            mistral=_mistral(env),
            sms_provider=_sms_provider(env),
            twilio=_twilio(env) if _sms_provider(env) == "twilio" else None,
            scheduler_enabled=_bool(env, "RELAIS_SCHEDULER", True),
            scheduler_election_seconds=_int(env, "RELAIS_SCHEDULER_ELECTION_SECONDS", 5, 1, 300),
            log_seal_seconds=_int(env, "RELAIS_LOG_SEAL_SECONDS", 300, 10, 86_400),
            web_workers=_int(env, "RELAIS_WEB_WORKERS", 1, 1, 64),
            login_address_max_failures=_int(env, "RELAIS_LOGIN_ADDRESS_MAX_FAILURES", 100, 1, 1_000_000),
            trusted_proxies=_trusted_proxies(env.get("RELAIS_TRUSTED_PROXIES", "")),
            figures_gap_points=_int(env, "RELAIS_FIGURES_GAP_POINTS", 10, 1, 100),
            figures_min_selected=_int(env, "RELAIS_FIGURES_MIN_SELECTED", 20, 1, 1_000_000),
            figures_quick_seconds=_int(env, "RELAIS_FIGURES_QUICK_SECONDS", 10, 1, 3600),
            figures_long_list=_int(env, "RELAIS_FIGURES_LONG_LIST", 10, 1, 100),
            retention_months=_int(env, "RELAIS_RETENTION_MONTHS", 24, 1, 1200),
            audit_search_months=_int(env, "RELAIS_AUDIT_SEARCH_RETENTION_MONTHS", 12, 6, 120),
            erasure_reference_months=_int(env, "RELAIS_ERASURE_REFERENCE_MONTHS", 60, 12, 1200),
            log_mark_dir=Path(mark_dir) if (mark_dir := env.get("RELAIS_LOG_MARK_DIR", "").strip()) else None,
            outreach=_outreach(env),
        )


def _trusted_proxies(text: str) -> tuple[str, ...]:
    """Comma-separated IP addresses or networks (10.0.0.0/8); never `*`: trusting every peer would let
    any client choose the address the sign-in throttle counts."""
    proxies = tuple(part.strip() for part in text.split(",") if part.strip())
    for proxy in proxies:
        try:
            ipaddress.ip_network(proxy)  # an address is a network of one
        except ValueError:
            raise SettingsError(
                f"RELAIS_TRUSTED_PROXIES: {proxy!r} is not an IP address or network (e.g. 10.0.0.5,192.168.1.0/24)"
            ) from None
    return proxies


def _model(env: dict[str, str], name: str, default: str) -> str:
    value = env.get(name, "").strip() or default
    if not MODEL_NAME.match(value):
        raise SettingsError(f"{name} is not a model name: {value!r}")
    return value


def _mistral(env: dict[str, str]) -> MistralSettings | None:
    api_key = env.get("MISTRAL_API_KEY", "").strip()
    if not api_key:
        return None
    server_url = env.get("MISTRAL_SERVER_URL", "").strip().rstrip("/") or None
    if server_url is not None:
        parts = urlsplit(server_url)
        # The key travels in a header: only https, or plain http to this machine (tests, a local proxy).
        if not parts.hostname or parts.username or parts.password or not (
            parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS)
        ):
            raise SettingsError(
                "MISTRAL_SERVER_URL must be an https:// URL without credentials (http:// only to 127.0.0.1 or localhost)"
            )
    return MistralSettings(
        api_key=api_key,
        server_url=server_url,
        embed_model=_model(env, "RELAIS_MISTRAL_EMBED_MODEL", "mistral-embed"),
        chat_model=_model(env, "RELAIS_MISTRAL_CHAT_MODEL", "mistral-small-latest"),
        timeout_ms=_int(env, "RELAIS_MISTRAL_TIMEOUT_MS", 8000, 100, 120_000),
        retries=_int(env, "RELAIS_MISTRAL_RETRIES", 2, 0, 5),
    )


def _sms_provider(env: dict[str, str]) -> str:
    provider = env.get("RELAIS_SMS_PROVIDER", "").strip().lower() or "simulator"
    if provider not in SMS_PROVIDERS:
        raise SettingsError(f"RELAIS_SMS_PROVIDER must be one of {', '.join(SMS_PROVIDERS)}, got {provider!r}")
    return provider


def _safe_url(name: str, value: str) -> str:
    """An https:// URL without credentials, query or fragment (http:// only to this machine)."""
    parts = urlsplit(value)
    if not parts.hostname or parts.username or parts.password or parts.query or parts.fragment or not (
        parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS)
    ):
        raise SettingsError(
            f"{name} must be an https:// URL without credentials or query (http:// only to 127.0.0.1 or localhost)"
        )
    return value.rstrip("/")


def _twilio(env: dict[str, str]) -> TwilioSettings:
    def required(name: str) -> str:
        value = env.get(name, "").strip()
        if not value:
            raise SettingsError(f"{name} is required when RELAIS_SMS_PROVIDER=twilio")
        return value

    account_sid = required("TWILIO_ACCOUNT_SID")
    if not ACCOUNT_SID.match(account_sid):
        raise SettingsError("TWILIO_ACCOUNT_SID must look like AC followed by 32 hexadecimal digits")
    auth_token = required("TWILIO_AUTH_TOKEN")
    sender = env.get("TWILIO_FROM", "").strip() or None
    service = env.get("TWILIO_MESSAGING_SERVICE_SID", "").strip() or None
    if (sender is None) == (service is None):
        raise SettingsError("set exactly one of TWILIO_FROM and TWILIO_MESSAGING_SERVICE_SID")
    if service is not None and not MESSAGING_SERVICE_SID.match(service):
        raise SettingsError("TWILIO_MESSAGING_SERVICE_SID must look like MG followed by 32 hexadecimal digits")
    if sender is not None:
        try:
            sender = normalise_phone(sender)
        except InvalidValueError:
            raise SettingsError("TWILIO_FROM must be a phone number, e.g. +33612345678") from None
    base = env.get("TWILIO_API_BASE_URL", "").strip() or TWILIO_API_BASE_URL
    return TwilioSettings(
        account_sid=account_sid,
        auth_token=auth_token,
        from_number=sender,
        messaging_service_sid=service,
        api_base_url=_safe_url("TWILIO_API_BASE_URL", base),
        public_url=_safe_url("RELAIS_PUBLIC_URL", required("RELAIS_PUBLIC_URL")),
        timeout_ms=_int(env, "RELAIS_TWILIO_TIMEOUT_MS", 10_000, 100, 120_000),
    )


def _configured_key(name: str, configured: str) -> bytes:
    """32 bytes given in base64, or derived from a passphrase of 32+ characters."""
    try:
        raw = base64.b64decode(configured, validate=True)
    except ValueError:
        raw = b""
    if len(raw) == 32:
        return raw
    if len(configured) < 32:
        raise SettingsError(f"{name} must be 32 bytes in base64, or a passphrase of 32+ characters")
    return hashlib.sha256(configured.encode()).digest()


def _phone_claim_key(configured: str, secret_key: bytes) -> bytes:
    """From RELAIS_PHONE_KEY, or derived from the master key (domain-separated): no second key
    file that processes sharing a database could hold different copies of (docs/adr/0004)."""
    if configured:
        return _configured_key("RELAIS_PHONE_KEY", configured)
    return hmac.new(secret_key, b"relais/phone-claims/v1", hashlib.sha256).digest()


#: The master key's file in the data folder, when RELAIS_SECRET_KEY is not set.
SECRET_KEY_FILE = "secret.key"


def data_dir_of(env: Mapping[str, str]) -> Path:
    return Path(env.get("RELAIS_DATA_DIR", "data"))


def database_url_of(env: Mapping[str, str]) -> DatabaseUrl:
    """The database the settings name, read without creating anything (Settings.from_env makes the key file)."""
    url = env.get("RELAIS_DATABASE_URL", "").strip() or f"sqlite:///{data_dir_of(env) / 'relais.sqlite'}"
    try:
        return DatabaseUrl.parse(url)
    except ValueError as error:
        raise SettingsError(f"RELAIS_DATABASE_URL: {error}") from None


def _secret_key(configured: str, data_dir: Path) -> bytes:
    """32 bytes: from RELAIS_SECRET_KEY, or a key file made once under the data folder."""
    if configured:
        return _configured_key("RELAIS_SECRET_KEY", configured)
    path = data_dir / SECRET_KEY_FILE
    if not path.exists():
        create_key_file(path)
    key = base64.b64decode(path.read_text().strip())
    if len(key) != 32:
        raise SettingsError(f"{path} does not hold a 32-byte key in base64")
    return key


@dataclass(frozen=True)
class OutreachSettings:
    """SMS outreach: allowed sending hours (the rest is quiet) and follow-ups (docs/adr/0012-outreach.md)."""

    allowed_days: tuple[int, ...] = (1, 2, 3, 4, 5, 6)  # ISO weekdays, 1 = Monday
    allowed_from: str = "08:00"
    allowed_until: str = "20:00"  # exclusive; "24:00" means midnight
    timezone: str = "Europe/Paris"
    holidays_country: str = "FR"  # "" : no public holidays
    followup_delay_hours: int = 24
    followup_max_reminders: int = 1
    tick_seconds: int = 15


_CLOCK = re.compile(r"^([01][0-9]|2[0-4]):([0-5][0-9])$")


def _clock_time(env: dict[str, str], name: str, default: str) -> str:
    value = env.get(name, "").strip() or default
    match = _CLOCK.match(value)
    if not match or (match.group(1) == "24" and match.group(2) != "00"):
        raise SettingsError(f"{name} must be a time HH:MM (00:00 to 24:00), got {value!r}")
    return value


def _days(env: dict[str, str], name: str, default: tuple[int, ...]) -> tuple[int, ...]:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    days: set[int] = set()
    for part in raw.replace(" ", "").split(","):
        low, _, high = part.partition("-")
        try:
            first, last = int(low), int(high or low)
        except ValueError:
            raise SettingsError(f"{name} must list ISO weekdays like 1-6 or 1,2,3, got {raw!r}") from None
        if not 1 <= first <= last <= 7:
            raise SettingsError(f"{name}: weekdays go from 1 (Monday) to 7 (Sunday), got {raw!r}")
        days.update(range(first, last + 1))
    return tuple(sorted(days))


def _outreach(env: dict[str, str]) -> OutreachSettings:
    timezone = env.get("RELAIS_QUIET_TIMEZONE", "").strip() or "Europe/Paris"
    try:
        from zoneinfo import ZoneInfo

        ZoneInfo(timezone)
    except Exception:
        raise SettingsError(f"RELAIS_QUIET_TIMEZONE is not a time zone: {timezone!r}") from None
    holidays_country = env.get("RELAIS_QUIET_HOLIDAYS", "FR").strip().upper()
    if holidays_country in ("NONE", "0", "NO"):
        holidays_country = ""
    if holidays_country and not re.fullmatch(r"[A-Z]{2}", holidays_country):
        raise SettingsError(f"RELAIS_QUIET_HOLIDAYS must be a country code like FR, or none; got {holidays_country!r}")
    start = _clock_time(env, "RELAIS_QUIET_ALLOWED_FROM", "08:00")
    until = _clock_time(env, "RELAIS_QUIET_ALLOWED_UNTIL", "20:00")
    if until != "24:00" and until <= start:
        raise SettingsError("RELAIS_QUIET_ALLOWED_UNTIL must come after RELAIS_QUIET_ALLOWED_FROM")
    return OutreachSettings(
        allowed_days=_days(env, "RELAIS_QUIET_ALLOWED_DAYS", (1, 2, 3, 4, 5, 6)),
        allowed_from=start,
        allowed_until=until,
        timezone=timezone,
        holidays_country=holidays_country,
        followup_delay_hours=_int(env, "RELAIS_FOLLOWUP_DELAY_HOURS", 24, 1, 24 * 30),
        followup_max_reminders=_int(env, "RELAIS_FOLLOWUP_MAX_REMINDERS", 1, 0, 5),
        tick_seconds=_int(env, "RELAIS_OUTREACH_TICK_SECONDS", 15, 1, 3600),
    )


def create_key_file(path: Path) -> None:
    """Write 32 random bytes in base64 at `path` unless it exists (mode 0600).

    Written aside then linked into place: two processes starting at once on a new data
    folder end up with one and the same, complete key.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, draft = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-")
    with os.fdopen(fd, "w") as file:
        file.write(base64.b64encode(secrets.token_bytes(32)).decode())
    try:
        os.link(draft, path)
    except FileExistsError:
        pass
    finally:
        os.unlink(draft)
