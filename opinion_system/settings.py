"""Settings, read from the environment.

With no environment at all (the demo), the app runs on a SQLite file under var/ and needs no Redis.
Production sets DATABASE_URL (PostgreSQL), REDIS_URL, SECRET_KEY, ALLOWED_HOSTS and the email settings.
"""

import datetime as dt
import os
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
# A developer's checkout keeps its own random SECRET_KEY in .env (made by scripts/setup.sh, never committed),
# so manage.py works there; a server sets the environment itself. ENV_FILE="" reads no file.
_env_file = os.environ.get("ENV_FILE", str(BASE_DIR / ".env"))
if _env_file and Path(_env_file).is_file():
    environ.Env.read_env(_env_file)

DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        # A production server must never run on a key that is in the repository or made up at start.
        raise ImproperlyConfigured(
            "未设置 SECRET_KEY：生产环境（DEBUG 关闭）必须通过环境变量 SECRET_KEY 提供密钥。"
            " SECRET_KEY is not set: with DEBUG off the app refuses to start without it."
        )
    SECRET_KEY = "insecure-development-key-only-for-debug"  # noqa: S105 - only ever used with DEBUG on

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "guardian",
    "simple_history",
    "django_filters",
    "django_htmx",
    "axes",
    "django_cas_ng",  # always, so its SessionTicket table exists whether CAS is on or off
    "departments",
    "notifications",
    "incidents",
    "reports",
    "dashboard",
    "evaluation",
    "monitoring",
    "meetings",
    "bulletins",
    "leads",
    "audit",
    "accounts",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "opinion_system.middleware.ProductNotFoundMiddleware",  # the Chinese 404 page with DEBUG on (the demo)
    "accounts.middleware.AccountPolicyMiddleware",  # idle/absolute session limits, forced password change
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
    "audit.middleware.SecurityLogMiddleware",
]

ROOT_URLCONF = "opinion_system.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "notifications.context_processors.bell",
                "incidents.context_processors.scheduler",
                "opinion_system.context_processors.navigation",
                "monitoring.context_processors.key_period",
            ],
        },
    },
]

WSGI_APPLICATION = "opinion_system.wsgi.application"

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite keeps one writer at a time; wait for it instead of failing with "database is locked". IMMEDIATE:
    # a transaction takes the write lock when it begins, so two that read then write (the next case number, a
    # claim) queue up instead of one failing at its first write (SQLite cannot wait there: it would deadlock).
    DATABASES["default"].setdefault("OPTIONS", {}).update(timeout=20, transaction_mode="IMMEDIATE")
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "departments.User"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out login before checking the password
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
# 统一身份认证 (CAS single sign-on, django-cas-ng; README: 统一身份认证（CAS）与 LDAP). Empty: local passwords only,
# as before. Set (https://cas.example.edu.cn/cas/): 登录 goes to the campus sign-in, and a sign-in is taken only for
# an existing, active account whose username is the 工号 — never creating one nor changing its roles (accounts.cas).
CAS_SERVER_URL = env.str("CAS_SERVER_URL", default="")
if CAS_SERVER_URL and not CAS_SERVER_URL.endswith("/"):
    # python-cas joins "login", "logout" to it: without the slash they would replace its last part.
    CAS_SERVER_URL += "/"
# The local password form: superusers always; everyone else only while this is on (the fallback if CAS is down).
LOCAL_LOGIN_ENABLED = env.bool("LOCAL_LOGIN_ENABLED", default=True)
CAS_VERSION = "3"  # /p3/serviceValidate, with attributes; its logout takes ?service=
CAS_CREATE_USER = False  # accounts are the office's and the security administrator's to give
CAS_LOGOUT_COMPLETELY = True  # 退出 also ends the campus sign-in (accounts.views.LogoutView)
CAS_IGNORE_REFERER = True  # the way back is our checked `next`, never the Referer
CAS_REDIRECT_URL = "incidents:home"
CAS_LOGIN_MSG = CAS_LOGGED_MSG = None  # django-cas-ng's English greetings
# The service URL the CAS server sends people back to and registers: the public address when SITE_URL is set
# (behind the campus reverse proxy), else the request's own host.
CAS_ROOT_PROXIED_AS = env.str("SITE_URL", default="")
if CAS_SERVER_URL:
    # After axes' backend, which refuses a locked-out password sign-in first (it never counts a ticket:
    # accounts.cas.axes_exempt).
    AUTHENTICATION_BACKENDS.insert(1, "accounts.cas.CASBackend")
# LDAP instead of (or beside) CAS: only with AUTH_LDAP_SERVER_URI, and then django-auth-ldap (the `ldap` extra)
# must be installed — a directory configured but silently unused would leave everyone unable to sign in.
AUTH_LDAP_SERVER_URI = env.str("AUTH_LDAP_SERVER_URI", default="")
if AUTH_LDAP_SERVER_URI:
    try:
        import django_auth_ldap  # noqa: F401
    except ImportError as missing:
        raise ImproperlyConfigured(
            "设置了 AUTH_LDAP_SERVER_URI，但未安装 django-auth-ldap（pip install '.[ldap]'）。"
        ) from missing
    AUTH_LDAP_BIND_DN = env.str("AUTH_LDAP_BIND_DN", default="")
    AUTH_LDAP_BIND_PASSWORD = env.str("AUTH_LDAP_BIND_PASSWORD", default="")
    AUTH_LDAP_USER_DN_TEMPLATE = env.str("AUTH_LDAP_USER_DN_TEMPLATE")  # uid=%(user)s,ou=people,dc=…
    AUTH_LDAP_NO_NEW_USERS = True  # as with CAS: only accounts that exist here
    AUTH_LDAP_ALWAYS_UPDATE_USER = False  # nor are they rewritten from the directory
    AUTHENTICATION_BACKENDS.insert(1, "django_auth_ldap.backend.LDAPBackend")
# No anonymous user row: every page needs a signed-in user.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False
GUARDIAN_RENDER_403 = False

# The password policy (accounts.validators; 等保2.0 身份鉴别). Every password set through Django's forms and
# commands passes these; a hash assigned directly (the demo seeder) does not.
PASSWORD_MIN_LENGTH = env.int("PASSWORD_MIN_LENGTH", default=10)
PASSWORD_HISTORY_COUNT = env.int("PASSWORD_HISTORY_COUNT", default=5)  # none of the last N passwords again
PASSWORD_MAX_AGE_DAYS = env.int("PASSWORD_MAX_AGE_DAYS", default=90)  # then changed at next sign-in; 0: never
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "accounts.validators.MinimumLengthValidator"},
    {"NAME": "accounts.validators.CharacterClassValidator", "OPTIONS": {"min_classes": 3}},
    {"NAME": "accounts.validators.UsernameValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "accounts.validators.PasswordHistoryValidator"},  # also records each new password and its time
]
# Sessions end after SESSION_IDLE_MINUTES without activity and SESSION_MAX_HOURS after sign-in, checked on the
# server by accounts.middleware (each session write sends the cookie again with a full age). 0 turns a limit off.
SESSION_IDLE_MINUTES = env.int("SESSION_IDLE_MINUTES", default=30)
SESSION_MAX_HOURS = env.int("SESSION_MAX_HOURS", default=12)
SESSION_COOKIE_AGE = (SESSION_MAX_HOURS or 24 * 14) * 3600
# The security log (audit app) is kept at least this many days; 等保2.0 asks for six months, so less is not taken.
SECURITY_LOG_RETENTION_DAYS = env.int("SECURITY_LOG_RETENTION_DAYS", default=180)
# Login throttling (django-axes): 5 failures lock that username *from that address* for 15 minutes, so one
# person behind the campus NAT cannot lock out the others, nor can a stranger lock out a colleague remotely.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked.html"
AXES_RESET_ON_SUCCESS = True
AXES_IPWARE_PROXY_COUNT = env.int("AXES_PROXY_COUNT", default=0)  # set to 1 behind the campus reverse proxy
AXES_VERBOSE = False
AXES_USERNAME_CALLABLE = "opinion_system.auth.axes_username"  # long names counted, not a 500
AXES_WHITELIST_CALLABLE = "accounts.cas.axes_exempt"  # CAS tickets: neither counted nor locked (see there)

# With CAS, a page asked for without a session goes to the CAS server; /accounts/login/ stays the local page.
LOGIN_URL = "accounts:cas_login" if CAS_SERVER_URL else "login"
LOGIN_REDIRECT_URL = "incidents:home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=str(VAR_DIR / "staticfiles"))
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(VAR_DIR / "media"))
# Evidence is never served from MEDIA_URL: only through a view that checks access.
MEDIA_URL = "/media-not-served/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Uploads: evidence files are checked by their content; anything bigger than this is refused.
EVIDENCE_MAX_BYTES = env.int("EVIDENCE_MAX_BYTES", default=10 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_PERMISSIONS = 0o640

SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# HTTPS=1: the server is reached over HTTPS only, through the campus reverse proxy, which terminates TLS and
# must set X-Forwarded-Proto (and strip it from clients). Off by default so the demo runs on http://127.0.0.1.
HTTPS = env.bool("HTTPS", default=False)
SECURE_SSL_REDIRECT = HTTPS
SECURE_REDIRECT_EXEMPT = [r"^health/$"]  # the monitor polls over plain HTTP
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_HSTS_SECONDS = env.int("HSTS_SECONDS", default=31_536_000) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
# Only a consent token: the preload list takes a registrable domain serving it, which this host is not.
SECURE_HSTS_PRELOAD = HTTPS
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=HTTPS or not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=HTTPS or not DEBUG)
# Content-Security-Policy (django-csp) on every response that does not set its own (evidence downloads do).
# Scripts only from our static files; an inline script would need {{ request.csp_nonce }}, which then appears
# in the header (a fresh one per request). No inline styles either, but for two allowed by their hashes:
# templates/500.html's <style> (Django renders that page without a request, so without a nonce) and the one
# style attribute of django-simple-history's admin history list (tests/test_security_headers.py keeps both true).
from csp.constants import NONCE  # noqa: E402 - beside the policy that uses it

ERROR_PAGE_STYLE_HASH = "'sha256-PpKvCBKSABBXckbVTkTOB0cc7c7/DuRaMzf3crUS1ac='"
HISTORY_LIST_STYLE_HASH = "'sha256-XMXSevYjgSjXgRafBFDvtjwX+yyWLrxfso9DcNZ9UXM='"  # style="border-top: 0"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE],
        "style-src": ["'self'", ERROR_PAGE_STYLE_HASH],
        "style-src-attr": ["'unsafe-hashes'", HISTORY_LIST_STYLE_HASH],
        "img-src": ["'self'", "data:"],  # thumbnails, Bootstrap's icons in its CSS
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# Redis: the Celery broker and the cache. Without it (the demo) tasks run in-process and
# `manage.py run_scheduler` sweeps every minute: the same sweep code, no broker.
REDIS_URL = env.str("REDIS_URL", default="")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# acks_late + reject_on_worker_lost: a task whose worker is killed is delivered again rather than lost; every
# task is idempotent (it claims its rows in the database first), so running twice costs nothing.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 120
CELERY_TASK_SOFT_TIME_LIMIT = 100
# Redis redelivers an unacknowledged task after the visibility timeout. Ours finish in seconds and none is
# scheduled with an ETA/countdown (a countdown longer than this timeout ran 7 times here), so 10 minutes
# bounds how long a task held by a killed worker waits, and the database claim stops any double effect.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 600,
    # A broker that accepts a connection but never answers must not hang the sweep or a web request:
    # publishing gives up after a few seconds and the rows stay pending for the next sweep.
    "socket_timeout": 5,
    "socket_connect_timeout": 5,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 5
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 1,
}
CELERY_BEAT_SCHEDULE = {
    "sweep-deadlines": {"task": "incidents.tasks.sweep_deadlines", "schedule": 60.0},
    # 第四条: the risks a joint meeting screened, reminded, then overdue, then 督办 (meetings.engine).
    "sweep-risk-items": {"task": "meetings.tasks.sweep_risk_items", "schedule": 60.0},
    # 第八条 零报告: the day's rows, the reminder before the due time, the miss at it.
    "sweep-nil-reports": {"task": "monitoring.tasks.sweep_nil_reports", "schedule": 60.0},
    # Archive jobs (dossiers, exports) lost by a broker outage or a killed worker are queued again.
    "resume-archive-jobs": {"task": "reports.tasks.resume_jobs", "schedule": 60.0},
    # 等保2.0: the audit trail is checked for tampering every day, at night (Beijing time, CELERY_TIMEZONE).
    "verify-audit": {"task": "audit.tasks.verify_audit", "schedule": crontab(hour=3, minute=17)},
    # 舆情通报: the departments that have not opened an issued bulletin are reminded each morning (once a day).
    "remind-unread-bulletins": {
        "task": "bulletins.tasks.remind_unread_bulletins",
        "schedule": crontab(hour=9, minute=0),
    },
}
# Redis only speeds things up: opinion_system.cache answers a miss while it is unreachable, waits for it at most
# these timeouts (Redis is on the same host or LAN and answers in a millisecond), then leaves it alone for
# breaker_seconds before one request tries again; a process silent for idle_seconds checks it before use.
CACHES = {
    "default": (
        {
            "BACKEND": "opinion_system.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {
                "socket_connect_timeout": 0.25,
                "socket_timeout": 0.5,
                "breaker_seconds": 15,
                "idle_seconds": 60,
            },
        }
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}
# Sessions read from Redis, written to both: every signed-in request reads its session, and Redis answers it
# without a database round trip. Only with Redis: a per-process cache
# would let another worker keep a session that was logged out in this one. Redis unreachable: read from the
# database, and the copies cached before the outage are purged when it is back (opinion_system.cache).
SESSION_ENGINE = "django.contrib.sessions.backends." + ("cached_db" if REDIS_URL else "db")

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="舆情处置系统 <noreply@localhost>")

# 第十条: at level 1 the department exchanges information with the leadership group round the clock;
# the regulation says "24 小时互通", the college asks for a progress report every N hours.
LEVEL1_REPORT_INTERVAL_HOURS = env.int("LEVEL1_REPORT_INTERVAL_HOURS", default=4)

# 第八条 零报告: during a key monitoring period every department's liaison reports each Beijing day by this time
# (HH:MM), reminded this many minutes before.
NIL_REPORT_DUE_TIME = env.str("NIL_REPORT_DUE_TIME", default="16:00")
NIL_REPORT_REMINDER_MINUTES = env.int("NIL_REPORT_REMINDER_MINUTES", default=120)

# The deadline engine (incidents.engine). Minutes before a deadline that its reminder goes out, per kind.
DEADLINE_REMINDER_MINUTES = {
    "filing": env.int("REMIND_FILING_MINUTES", default=120),
    "daily_exchange": env.int("REMIND_DAILY_MINUTES", default=240),  # 20:00 for a report due at midnight
    "round_the_clock": env.int("REMIND_ROUND_THE_CLOCK_MINUTES", default=60),
    "leader_opinion": env.int("REMIND_LEADER_OPINION_MINUTES", default=240),
    "statement_review": 0,  # no reminder: 党政办 is told when the statement arrives
    # The level-1 duties (incidents.rules.LEVEL_ONE_DUTY_HOURS): due within hours, reminded shortly before.
    "duty_report_top_leaders": env.int("REMIND_DUTY_TOP_LEADERS_MINUTES", default=20),
    "duty_report_superior": env.int("REMIND_DUTY_SUPERIOR_MINUTES", default=20),
    "duty_special_meeting": env.int("REMIND_DUTY_SPECIAL_MEETING_MINUTES", default=120),
    "duty_emergency_plan": env.int("REMIND_DUTY_EMERGENCY_PLAN_MINUTES", default=30),
}
# 第九条、第十条 一级: hours from the level-1 decision to each duty's deadline, per duty, overriding the rules'
# defaults (incidents.rules.LEVEL_ONE_DUTY_HOURS: top leaders 1, superior authority 1, special meeting 24,
# emergency plan 2), e.g. LEVEL_ONE_DUTY_HOURS='{"special_meeting": 12}'.
LEVEL_ONE_DUTY_HOURS = env.json("LEVEL_ONE_DUTY_HOURS", default={})
# Overdue this long, the supervising leader and the office are told (督办).
DEADLINE_ESCALATE_AFTER_MINUTES = env.int("DEADLINE_ESCALATE_AFTER_MINUTES", default=120)
# While overdue, the notice is repeated at this cadence until the deadline is met.
DEADLINE_REPEAT_MINUTES = env.int("DEADLINE_REPEAT_MINUTES", default=240)
# 隐患排查 items of a joint meeting (第四条): the owner is reminded this long before the end of the due day; the
# office and the leadership group get the 督办 this long after it.
RISK_ITEM_REMINDER_MINUTES = env.int("RISK_ITEM_REMINDER_MINUTES", default=24 * 60)
RISK_ITEM_ESCALATE_AFTER_MINUTES = env.int("RISK_ITEM_ESCALATE_AFTER_MINUTES", default=24 * 60)
# 党政办 should review a reply statement within this many hours (flagged to 党政办 after).
STATEMENT_REVIEW_HOURS = env.int("STATEMENT_REVIEW_HOURS", default=2)
# 报分管领导处置意见: asked of the supervising leader when the disposal ends, due this many hours later; the office
# files the 处置表 only with the opinion or a waiver it records.
LEADER_OPINION_HOURS = env.int("LEADER_OPINION_HOURS", default=24)
# 第一时间 (第七条、第十条): expected minutes from discovery to the office, and from a level-2/1 assessment
# to the notices reaching 党政办 / the top leaders. Measured and shown, never blocking.
FIRST_REPORT_EXPECTED_MINUTES = env.int("FIRST_REPORT_EXPECTED_MINUTES", default=60)
ASSESSMENT_EXPECTED_MINUTES = env.int(
    "ASSESSMENT_EXPECTED_MINUTES", default=120
)  # report → 研判 by the office, measured on the dashboard
LEVEL_ALERT_EXPECTED_MINUTES = env.int("LEVEL_ALERT_EXPECTED_MINUTES", default=15)
# Channels a person's notices go out on (in-app always; email when the person has an address).
NOTICE_CHANNELS = env.list("NOTICE_CHANNELS", default=["in_app", "email", "webhook"])
NOTICE_MAX_ATTEMPTS = env.int("NOTICE_MAX_ATTEMPTS", default=8)
# A person's own platform channels (notifications.channels), off until NOTICE_CHANNELS names them: each needs
# the credentials below, from the environment only (never in a log line or in history). "wecom" sends 企业微信
# 应用消息 to users with a 企业微信账号 (WeCom caps: 30 a minute, 1,000 an hour per member, kept by us), "dingtalk"
# 钉钉工作通知 to users with a 钉钉账号 (500 a day per person), "sms" texts the urgent notices (level 1, 督办) to
# users with a mobile number, e.g. NOTICE_CHANNELS=in_app,email,webhook,wecom,dingtalk,sms.
WECOM_CORP_ID = env.str("WECOM_CORP_ID", default="")  # 企业ID
WECOM_AGENT_ID = env.str("WECOM_AGENT_ID", default="")  # the application's AgentId
WECOM_SECRET = env.str("WECOM_SECRET", default="")  # the application's Secret
WECOM_API_BASE = env.str("WECOM_API_BASE", default="https://qyapi.weixin.qq.com")
DINGTALK_APP_KEY = env.str("DINGTALK_APP_KEY", default="")
DINGTALK_APP_SECRET = env.str("DINGTALK_APP_SECRET", default="")
DINGTALK_AGENT_ID = env.str("DINGTALK_AGENT_ID", default="")
DINGTALK_API_BASE = env.str("DINGTALK_API_BASE", default="https://oapi.dingtalk.com")
# SMS goes through a gateway class (send(phone, params)); the default is Aliyun's SendSms with an approved
# signature (签名) and template (模板) whose variables are ${subject} and ${link}.
SMS_GATEWAY = env.str("SMS_GATEWAY", default="notifications.channels.sms.AliyunSms")
SMS_ALIYUN_ACCESS_KEY_ID = env.str("SMS_ALIYUN_ACCESS_KEY_ID", default="")
SMS_ALIYUN_ACCESS_KEY_SECRET = env.str("SMS_ALIYUN_ACCESS_KEY_SECRET", default="")
SMS_SIGN_NAME = env.str("SMS_SIGN_NAME", default="")
SMS_TEMPLATE_CODE = env.str("SMS_TEMPLATE_CODE", default="")
SMS_API_BASE = env.str("SMS_API_BASE", default="https://dysmsapi.aliyuncs.com")
# Which of these incidents may this person still see: incidents decides (its access module), notifications asks
# through this name because it sits below incidents and never imports it.
NOTICE_VISIBLE_INCIDENTS = "incidents.access.incident_ids_visible"
# The scheduler is considered stopped when its last sweep is older than this.
SCHEDULER_STALE_MINUTES = env.int("SCHEDULER_STALE_MINUTES", default=5)
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # The console shows the application's lines: WeasyPrint's progress steps and fontTools' glyph lists are
    # libraries talking to themselves; their warnings still come through.
    "loggers": {
        "weasyprint.progress": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# The REST API (app `api`, /api/v1/) for the monitoring tools of the 实训（信息）中心 (第七条) and the office's
# scripts: a client's token only (no session, so no CSRF to forget), JSON only, each client its own rate.
API_RATE_PER_MINUTE = env.int(
    "API_RATE_PER_MINUTE", default=120
)  # a client's default; its own rate overrides
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.authentication.ApiTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.ApiClientRateThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.MultiPartParser",
        "rest_framework.parsers.FormParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.Pagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.exceptions.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "网络舆情处置管理系统 接口",
    "DESCRIPTION": (
        "供实训（信息）中心的监测系统推送线索（第七条），并读取本账号有权查看的舆情、时限和通知。"
        "每个请求带上接口令牌：请求头 “Authorization: Bearer <令牌>”。无权查看的对象与不存在的一样答 404；"
        "超过每分钟请求上限答 429（见 Retry-After）。时间为 ISO 8601 北京时间（+08:00）。"
    ),
    "VERSION": "1",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "COMPONENT_SPLIT_REQUEST": True,  # the upload's request body differs from what the answer shows
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
}
