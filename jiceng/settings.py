"""Django settings, read from environment variables.

JICENG_SECRET_KEY    secret key (required when JICENG_PRODUCTION=1)
JICENG_PRODUCTION    1 for production: DEBUG off, secure cookies, HSTS
JICENG_DEBUG         1 to turn DEBUG on (never in production)
DATABASE_URL         e.g. postgres://jiceng:secret@127.0.0.1:5432/jiceng
                     (default: SQLite file JICENG_DATA_DIR/jiceng.sqlite3)
JICENG_DATA_DIR      where the SQLite file lives (default: ./var)
JICENG_ALLOWED_HOSTS comma-separated host names (default: 127.0.0.1,localhost)
JICENG_FIELD_KEYS    Fernet keys (newest first, comma-separated) encrypting ID numbers and bank accounts;
JICENG_FIELD_HASH_KEY  and the key of their search hash: both required when JICENG_PRODUCTION=1
                     (otherwise a key file JICENG_DATA_DIR/field-keys.json is created and used)
JICENG_LIST_RETENTION_DAYS  days an imported department list is kept before it is deleted (default 180)
"""

from __future__ import annotations

import contextlib
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent


def _env_flag(name: str, default: bool = False) -> bool:
    return os.environ.get(name, "1" if default else "0").strip().lower() in {"1", "true", "yes", "on"}


PRODUCTION = _env_flag("JICENG_PRODUCTION")
DEBUG = _env_flag("JICENG_DEBUG") and not PRODUCTION

DEVELOPMENT_SECRET_KEY = "jiceng-development-only-key-not-for-production-use-0123456789abcdef"
SECRET_KEY = os.environ.get("JICENG_SECRET_KEY", "")


def weak_secret_key(key: str) -> str | None:
    """Why a secret key must not be used in production, or None: at least 50 characters, 20 of them
    different, and not a known default or placeholder."""
    lowered = key.lower()
    if len(key) < 50:
        return "shorter than 50 characters"
    if len(set(key)) < 20:
        return "fewer than 20 different characters"
    if key == DEVELOPMENT_SECRET_KEY or lowered.startswith(("django-insecure", "changeme", "change-me", "secret")):
        return "a default or placeholder"
    return None


if PRODUCTION:
    _weak = "not set" if not SECRET_KEY else weak_secret_key(SECRET_KEY)
    if _weak:
        raise RuntimeError(
            f"JICENG_SECRET_KEY is {_weak}: the server will not start in production with a weak key. "
            "生产环境的 JICENG_SECRET_KEY 过弱或未设置，服务器拒绝启动；请用 "
            "python -c 'import secrets; print(secrets.token_urlsafe(64))' 生成一个。"
        )
elif not SECRET_KEY:
    SECRET_KEY = DEVELOPMENT_SECRET_KEY

if PRODUCTION:
    # ID numbers and bank accounts are encrypted at rest (jiceng/benefits/fieldkeys.py): no keys, no start
    from jiceng.benefits.fieldkeys import problem_with as _field_key_problem

    _field_problem = _field_key_problem(os.environ)
    if _field_problem:
        raise RuntimeError(
            f"{_field_problem}: the server will not start in production without the keys that encrypt ID numbers "
            "and bank accounts. 生产环境未设置或错误设置个人信息加密密钥 JICENG_FIELD_KEYS / JICENG_FIELD_HASH_KEY，"
            "服务器拒绝启动；请用 jiceng benefits keys 生成（见 README「个人信息加密密钥」）。"
        )

ALLOWED_HOSTS = [h.strip() for h in os.environ.get("JICENG_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("JICENG_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "jiceng.orgunits",
    "jiceng.accounts",
    "jiceng.audit",
    "jiceng.nutrition",
    "jiceng.stock",
    "jiceng.activities",
    "jiceng.reporting",
    "jiceng.indicators",
    "jiceng.summaries",
    "jiceng.benefits",
    "jiceng.jobs",
    "jiceng.supervision",
    "jiceng.web",
    "jiceng",  # management commands (the `jiceng` CLI verbs)
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    "jiceng.web.errors.DomainErrorMiddleware",
    "jiceng.web.security.SecurityHeadersMiddleware",
]

ROOT_URLCONF = "jiceng.urls"
WSGI_APPLICATION = "jiceng.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "jiceng.web.context.navigation",
            ],
        },
    },
]

DATA_DIR = Path(os.environ.get("JICENG_DATA_DIR", Path.cwd() / "var"))
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{DATA_DIR / 'jiceng.sqlite3'}",
        conn_max_age=int(os.environ.get("JICENG_DB_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers continue while one writer commits; IMMEDIATE takes the write lock
    # at BEGIN, so two concurrent writers queue instead of failing half-way.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Background jobs (jiceng/jobs): Django's tasks API (the django-tasks backport) with its database backend,
# so the queue is a table of the same database — no Redis. The worker is `jiceng db_worker` (README).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
JICENG_JOB_STALE_SECONDS = float(os.environ.get("JICENG_JOB_STALE_SECONDS", "60"))
JICENG_BACKGROUND_ROWS = int(os.environ.get("JICENG_BACKGROUND_ROWS", "2000"))

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# 等保 level 3: argon2 hashes, complexity, lockout, idle timeout.
# argon2id at 32 MiB, time cost 2, one lane; at most 2 hashes at once per process (see
# jiceng/accounts/hashers.py). Older hashes (Django's 100 MiB default) verify and are re-hashed at login.
PASSWORD_HASHERS = [
    "jiceng.accounts.hashers.JicengArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
PASSWORD_HASH_CONCURRENCY = int(os.environ.get("JICENG_HASH_CONCURRENCY", "2"))
PASSWORD_HASH_WAIT = float(os.environ.get("JICENG_HASH_WAIT_SECONDS", "3"))
# Failed password attempts (login page and POST /api/token/) per client address and window.
LOGIN_THROTTLE_ATTEMPTS = int(os.environ.get("JICENG_LOGIN_THROTTLE_ATTEMPTS", "30"))
LOGIN_THROTTLE_WINDOW = int(os.environ.get("JICENG_LOGIN_THROTTLE_WINDOW", "600"))
# Proxies whose X-Forwarded-For names the client (otherwise REMOTE_ADDR is the client).
TRUSTED_PROXIES = [p.strip() for p in os.environ.get("JICENG_TRUSTED_PROXIES", "").split(",") if p.strip()]
# API tokens end after 8 idle hours and 30 days at most, and on logout, password change, deactivation.
API_TOKEN_IDLE = timedelta(hours=float(os.environ.get("JICENG_TOKEN_IDLE_HOURS", "8")))
API_TOKEN_MAX_AGE = timedelta(days=float(os.environ.get("JICENG_TOKEN_MAX_DAYS", "30")))
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "jiceng.accounts.passwords.ComplexityValidator"},
    {"NAME": "jiceng.accounts.passwords.CommonPatternValidator"},
    {"NAME": "jiceng.accounts.passwords.UsernameValidator"},
    {"NAME": "jiceng.accounts.passwords.HistoryValidator"},
]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "web/locked_out.html"
AXES_USERNAME_FORM_FIELD = "username"
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_VERBOSE = False
# Lock the account, not the address: a township office shares one NAT address, and locking
# by IP would lock every colleague out after one person mistypes five times.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

SESSION_COOKIE_AGE = 30 * 60  # 30-minute idle timeout: every request renews it
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
LIST_RETENTION_DAYS = int(os.environ.get("JICENG_LIST_RETENTION_DAYS", "180") or 180)  # department lists (PIPL)
if not STATIC_ROOT.exists():
    with contextlib.suppress(OSError):
        STATIC_ROOT.mkdir(parents=True, exist_ok=True)
WHITENOISE_USE_FINDERS = True  # serve app static files without collectstatic (demo and tests)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "jiceng.accounts.tokens.ExpiringTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "jiceng.api.pagination.CappedLimitOffsetPagination",  # limit ≤ 200
    "PAGE_SIZE": 100,
    "EXCEPTION_HANDLER": "jiceng.api.errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "基层卫健通 Jiceng API",
    "DESCRIPTION": "Registers, reports and indicators of county public-health programmes. "
    "Every endpoint is limited to the caller's own subtree of the organisation hierarchy.",
    "VERSION": "0.1.0",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SERVE_INCLUDE_SCHEMA": False,
    # in production the schema and Swagger UI are for logged-in users (and API tokens) only
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"] if PRODUCTION else [],
    # choice sets that share a field name with another app's ("reason"): named once
    "ENUM_NAME_OVERRIDES": {
        "BenefitExitReasonEnum": "jiceng.benefits.models.Exit.Reason",
        "SexEnum": "jiceng.benefits.models.Sex",  # 男/女, the same set as the child register's
    },
}

SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = _env_flag("JICENG_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("JICENG_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("JICENG_LOG_LEVEL", "WARNING")},
}
