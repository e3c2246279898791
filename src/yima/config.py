"""One typed settings object, read from the environment with the prefix ``YIMA_``.

No other module reads the environment; everything asks ``get_settings()``.
"""

from __future__ import annotations

import os
from functools import lru_cache
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="YIMA_", env_file=None, extra="ignore")

    database_url: str = Field(
        default="sqlite:///var/yima.db",
        description="SQLAlchemy URL; SQLite (embedded, WAL) by default, postgresql+psycopg:// in production.",
    )
    data_dir: Path = Field(default=Path("var"), description="Uploads, keys and other files.")
    secret_key: str = Field(default="dev-only-secret-change-me-in-production-0123456789",
                            description="Signs session cookies and tokens.")
    key_encryption_key: str = Field(
        default="dev-only-key-encryption-key",
        description="Encrypts private keys at rest (seal keys, zone signing keys).",
    )
    token_minutes: int = 12 * 60
    idle_timeout_min: int = Field(default=30, ge=1, le=24 * 60, description="A session ends after this many "
                                  "minutes without a request, on the pages and the API (the token's lifetime, "
                                  "YIMA_TOKEN_MINUTES, still bounds it).")
    rate_limits: str = Field(
        default="", description="Limits of the anonymous expensive routes instead of their defaults, as "
                                "name=rate entries separated by commas: licence_document (30/minute), verify "
                                "(120/minute), name_check (60/minute), seal_validation (30/minute); a rate such as "
                                "30/minute or 500/hour, or off.")
    service_hall_nets: str = Field(
        default="", description="The service halls' networks in CIDR notation, separated by commas "
                                "(10.8.0.0/24,2001:db8:8::/48): many people sign in from one address there, so "
                                "failed sign-ins from it are slowed only after 200, not 20.")
    public_base_url: str = Field(default="http://127.0.0.1:8000", description="Where phones reach this zone.")
    max_upload_bytes: int = 10 * 1024 * 1024
    pdf_seconds: float = Field(default=20.0, gt=0, description="Time budget of the work on one uploaded PDF or "
                               "image (sealing, checking seals, reading an upload); past it the work stops with a 422.")
    pdf_memory_mb: int = Field(default=1024, ge=256, description="Memory that work may map, in MiB.")
    pdf_workers: int = Field(default=2, ge=1, description="Such jobs running at once per server process.")
    pdf_max_pages: int = Field(default=2000, ge=1, description="Most pages an uploaded PDF may have.")
    pdf_max_signature_fields: int = Field(default=100, ge=1, description="Most signature fields in an uploaded PDF.")
    max_body_bytes: int = Field(default=1024 * 1024, description="Largest request body other than an upload.")
    sm2_signer_id: str = Field(
        default="1234567812345678", min_length=1, max_length=64, pattern=r"^[\x21-\x7e]+$",
        description="The SM2 signer's distinguishing identifier (GB/T 32918 Z_A; GM/T 0009's default): the "
                    "zone's SM2 signatures (the QR, the OFD licence, national-format seals) are made with it and "
                    "published with it (the trust list's JWK 'uid'); printable ASCII, at most 64 characters.")
    seal_set_price_yuan: int = Field(default=300, description="What a seal set would cost; counts savings.")
    cjk_font: Path | None = Field(default=None, description="A TrueType CJK font; found automatically if unset.")
    default_locale: str = "zh_Hans_CN"
    worker_threads: int = Field(default=4, description="Threads serving blocking requests per process.")
    sqlite_synchronous: Literal["FULL", "NORMAL"] = Field(
        default="FULL", description="FULL: an acknowledged commit survives power loss. NORMAL only to measure "
                                    "what that costs (yima bench register --sqlite-synchronous NORMAL).")
    log_format: Literal["json", "text"] | None = Field(
        default=None, description="json: one JSON line per request and job run (yima serve's default); text: "
                                  "short lines for a terminal (yima demo's default).")
    calendar_file: Path | None = Field(
        default=None, description="A TOML file of official holiday arrangements for years the chinese-calendar "
                                  "package does not carry yet; observers' deadlines are counted with it.")
    smtp_url: str | None = Field(
        default=None, description="Where notifications are emailed: smtp://[user:password@]host:port?from=ADDRESS "
                                  "(smtps:// for TLS); unset, notifications are in the app only.")
    message_ttl_h: int = Field(default=72, ge=1, le=24 * 30, description="Hours a message to a partner zone is "
                               "tried before it expires undelivered (a dead letter the officers and the applicant "
                               "see).")
    network_poll_s: int = Field(default=60, ge=1, le=24 * 3600, description="Seconds between two readings of the "
                                "network configuration (信任配置) by a member, and between two rounds of its "
                                "authority following its members' trust lists.")
    network_validity_s: int = Field(default=24 * 3600, ge=5, le=30 * 24 * 3600, description="How long a network "
                                    "configuration this instance signs as authority stays valid; it is signed "
                                    "again when half of that has passed. A member whose copy expired neither "
                                    "sends nor accepts messages.")
    federation_allow_http: bool = Field(default=False, description="Development only: partner URLs may be plain "
                                        "http on hosts other than loopback.")
    standard_file: Path | None = Field(default=None, description="A matter-standard TOML file to load instead "
                                       "of the packaged one; the trust list publishes its digest.")

    @field_validator("service_hall_nets")
    @classmethod
    def _networks(cls, value: str) -> str:
        parse_networks(value)
        return value

    @property
    def service_halls(self) -> tuple[IPv4Network | IPv6Network, ...]:
        return parse_networks(self.service_hall_nets)


def parse_networks(text: str) -> tuple[IPv4Network | IPv6Network, ...]:
    """``10.8.0.0/24, 2001:db8::/48`` → networks; ValueError names a part that is not one."""
    nets: list[IPv4Network | IPv6Network] = []
    for part in text.replace(",", " ").split():
        try:
            nets.append(ip_network(part, strict=False))
        except ValueError as err:
            raise ValueError(f"not a network in CIDR notation: {part!r}") from err
    return tuple(nets)


_active: Settings | None = None


@lru_cache
def _from_environment() -> Settings:
    return Settings()


def get_settings() -> Settings:
    """The process's settings: those the app was created with, else the environment's."""
    return _active or _from_environment()


def use_settings(settings: Settings | None) -> None:
    """Make ``settings`` the process's settings (the app factory does this; tests pass their own)."""
    global _active
    _active = settings


def set_database_url(url: str) -> None:
    """Serve ``url`` from now on, in this process and in the worker processes it starts (they build
    their settings from the environment): the one place besides ``Settings`` that touches it."""
    os.environ["YIMA_DATABASE_URL"] = url
    _from_environment.cache_clear()
    if _active is not None:
        use_settings(_active.model_copy(update={"database_url": url}))


def serve_at(host: str, port: int) -> None:
    """The server is about to listen on ``host:port``: QR codes and links issued from now on point
    there, unless ``YIMA_PUBLIC_BASE_URL`` says where phones reach the zone. A wildcard host is
    reached on the loopback address."""
    settings = get_settings()
    if "public_base_url" in settings.model_fields_set:
        return
    reach = "127.0.0.1" if host in ("", "0.0.0.0", "::") else host
    url = f"http://{reach}:{port}"
    os.environ["YIMA_PUBLIC_BASE_URL"] = url  # worker processes build their settings from the environment
    _from_environment.cache_clear()
    if _active is not None:
        use_settings(_active.model_copy(update={"public_base_url": url}))
