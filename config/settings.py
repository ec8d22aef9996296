"""One settings module. Every value comes from the environment with the embedded default
(SQLite, filesystem broker, local media, local-memory cache) so `make run` needs no services."""

from datetime import timedelta
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

VAR_DIR = Path(env("VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="dev-only-insecure-key-change-me-in-production-0123456789")
# Old keys still accepted for signatures during a rotation (docs/operator-guide.md, "Rotate keys").
SECRET_KEY_FALLBACKS = env.list("DJANGO_SECRET_KEY_FALLBACKS", default=[])
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "config.apps.PlatformAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "knox",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI and ReDoc served from our own static files
    "drf_standardized_errors",
    "django_countries",
    "core",
    "brands",
    "listings",
    "logistics",
    "marketplace",
    "integrations",
    "config.apps.PlatformConfig",
]

MIDDLEWARE = [
    "core.middleware.RequestIdMiddleware",
    "core.middleware.DebugApiErrorsMiddleware",
    "core.middleware.ContentSecurityPolicyMiddleware",
    "core.middleware.OutageMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "core.middleware.OperatorOtpMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "core.api.ids.PathIdMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# psycopg prepares a statement that a connection has run 5 times, for the cursors that bind on the
# server: the storefront's list and search SQL only (docs/decisions/0041). Off behind a pooler in
# transaction mode that does not track prepared statements (PgBouncer before 1.21).
PREPARE_THRESHOLD = 5 if env.bool("DB_PREPARED_STATEMENTS", default=True) else None
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = PREPARE_THRESHOLD
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server, worker and beat share the file: wait for locks instead of failing.
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    DATABASES["default"]["CONN_MAX_AGE"] = 0
# Read replicas (core/replicas.py): GET requests read from a streaming replica no further behind
# than the bound, and a client that wrote within it reads from the primary. Comma-separated URLs.
DATABASE_REPLICA_MAX_LAG_SECONDS = env.float("DATABASE_REPLICA_MAX_LAG_SECONDS", default=5.0)
for _number, _url in enumerate(env.list("DATABASE_REPLICA_URLS", default=[]), start=1):
    DATABASES[f"replica{_number}"] = {
        **environ.Env.db_url_config(_url),
        "CONN_MAX_AGE": DATABASES["default"]["CONN_MAX_AGE"],
        "CONN_HEALTH_CHECKS": True,
        # A replica that does not answer costs one request at most 2 s; it is then skipped for a while.
        "OPTIONS": {"connect_timeout": 2, "prepare_threshold": PREPARE_THRESHOLD},
        "TEST": {"MIRROR": "default"},
    }
DATABASE_REPLICAS = [alias for alias in DATABASES if alias != "default"]
if DATABASE_REPLICAS:
    DATABASE_ROUTERS = ["core.replicas.ReplicaRouter"]
    MIDDLEWARE.insert(1, "core.replicas.ReplicaMiddleware")  # right after the request id: every read is covered
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://platform")}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    CACHES["default"]["BACKEND"] = "core.cache.RedisCache"  # one client per pool, not one per call
# Sessions (the admin's) are read from the cache (Redis in production) and kept in the database too,
# so a web process holds none and a cache flush logs nobody out.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

AUTH_USER_MODEL = "core.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# Locales of catalogue and brand content. Reads fall back to the default, then English.
CONTENT_LOCALES = ["ko", "en", "zh-hans", "ja", "es"]
CONTENT_DEFAULT_LOCALE = "ko"

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
MEDIA_URL = "media/"
MEDIA_ROOT = VAR_DIR / "media"

# Media in two kinds (core/media.py, docs/decisions/0010): "public" (product images, stable
# unsigned URLs) and "default" (every other file: private, signed URLs that expire soon).
MEDIA_PRIVATE_URL_SECONDS = env.int("MEDIA_PRIVATE_URL_SECONDS", default=300)
AWS_STORAGE_BUCKET_NAME = env("AWS_STORAGE_BUCKET_NAME", default="")
AWS_S3_ENDPOINT_URL = env("AWS_S3_ENDPOINT_URL", default=None)
AWS_S3_REGION_NAME = env("AWS_S3_REGION_NAME", default=None)
AWS_DEFAULT_ACL = None  # access comes from the bucket policy (public: products/* only), not per-object ACLs
AWS_S3_FILE_OVERWRITE = False
AWS_S3_SIGNATURE_VERSION = "s3v4"  # what current S3 regions and MinIO accept; signed URLs say X-Amz-Expires
# Where clients reach the bucket when that is not AWS_S3_ENDPOINT_URL (compose: through the proxy).
AWS_S3_PUBLIC_ENDPOINT_URL = env("AWS_S3_PUBLIC_ENDPOINT_URL", default=None)
# A CDN or domain serving the bucket's public objects, e.g. media.example.com (no scheme).
AWS_S3_CUSTOM_DOMAIN = env("AWS_S3_CUSTOM_DOMAIN", default=None)
S3_MEDIA_STORAGES = {
    "default": {
        "BACKEND": "core.media.S3MediaStorage",
        "OPTIONS": {
            "querystring_auth": True,
            "querystring_expire": MEDIA_PRIVATE_URL_SECONDS,
            "url_endpoint": AWS_S3_PUBLIC_ENDPOINT_URL,
            "custom_domain": None,
        },
    },
    "public": {
        "BACKEND": "core.media.S3MediaStorage",
        "OPTIONS": {
            "querystring_auth": False,
            "url_endpoint": AWS_S3_PUBLIC_ENDPOINT_URL,
            "custom_domain": AWS_S3_CUSTOM_DOMAIN,
            # Names carry the image's SHA-256 and are never overwritten: caches may keep them.
            "object_parameters": {"CacheControl": "public, max-age=31536000, immutable"},
        },
    },
}
LOCAL_MEDIA_STORAGES = {
    "default": {
        "BACKEND": "core.media.SignedFileSystemStorage",
        "OPTIONS": {"location": VAR_DIR / "private", "base_url": "/private-media/"},
    },
    "public": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
}
STORAGES = {
    **(S3_MEDIA_STORAGES if AWS_STORAGE_BUCKET_NAME else LOCAL_MEDIA_STORAGES),
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Celery: a real worker on kombu's filesystem transport by default, Redis (or RabbitMQ) in production.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _queue_dir = VAR_DIR / "celery"
    _queue_dir.mkdir(exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "store_processed": False,
    }
else:
    # Every countdown in the project stays below this, so a delayed task is never redelivered early.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# Domain settings.
SME_RULE_SET = env("SME_RULE_SET", default="kr2015")
BRAND_MIN_MEMBERS = env.int("BRAND_MIN_MEMBERS", default=5)
BRAND_GRACE_DAYS = env.int("BRAND_GRACE_DAYS", default=30)
# Business proposals an SME (or its agent for it) may send to buyers in the directory per day.
MATCHMAKING_PROPOSALS_PER_DAY = env.int("MATCHMAKING_PROPOSALS_PER_DAY", default=10)
API_MAX_BODY_BYTES = env.int("API_MAX_BODY_BYTES", default=1024 * 1024)
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=100_000)
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=50 * 1024 * 1024)
MEDIA_MAX_BYTES = env.int("MEDIA_MAX_BYTES", default=10 * 1024 * 1024)
EXCHANGE_RATE_PROVIDER = env("EXCHANGE_RATE_PROVIDER", default="core.rates.FixedRateProvider")
STOREFRONT_CACHE_SECONDS = env.int("STOREFRONT_CACHE_SECONDS", default=60)
STOREFRONT_DEFAULT_CURRENCY = env("STOREFRONT_DEFAULT_CURRENCY", default="USD")
CHECKOUT_MAX_LINES = env.int("CHECKOUT_MAX_LINES", default=50)
PAYMENT_TIMEOUT_MINUTES = env.int("PAYMENT_TIMEOUT_MINUTES", default=30)
# Sweeps for work whose task was lost (broker down at commit, a worker gone): paid orders never
# sent to fulfilment, granted refunds never executed (and dearer exchanges never sent a payment
# of their difference), queued again after this many minutes.
FULFILMENT_SWEEP_MINUTES = env.int("FULFILMENT_SWEEP_MINUTES", default=15)
REFUND_SWEEP_MINUTES = env.int("REFUND_SWEEP_MINUTES", default=15)
RETURN_WINDOW_DAYS = env.int("RETURN_WINDOW_DAYS", default=30)
# Payments: Stripe when STRIPE_SECRET_KEY is set, else the dummy gateway (test cards in the README).
STRIPE_SECRET_KEY = env("STRIPE_SECRET_KEY", default="")
STRIPE_WEBHOOK_SECRET = env("STRIPE_WEBHOOK_SECRET", default="whsec_dev_dummy_gateway")
STOCK_LOW_THRESHOLD = env.int("STOCK_LOW_THRESHOLD", default=5)
# Carriers sign tracking webhooks with it: X-Carrier-Signature = sha256=HMAC-SHA256("<timestamp>.<body>").
CARRIER_WEBHOOK_SECRET = env("CARRIER_WEBHOOK_SECRET", default="dev-carrier-secret")
# The B2B trade desk: open RFQs expire this long after their deadline unless awarded; inquiry
# attachments (PDF, PNG, JPEG) up to this size.
RFQ_AWARD_WINDOW_DAYS = env.int("RFQ_AWARD_WINDOW_DAYS", default=14)
# An open RFQ whose deadline is this close has its buyer told once, with the quotes so far.
RFQ_CLOSING_SOON_HOURS = env.int("RFQ_CLOSING_SOON_HOURS", default=24)
INQUIRY_ATTACHMENT_MAX_BYTES = env.int("INQUIRY_ATTACHMENT_MAX_BYTES", default=5 * 1024 * 1024)
# How long the platform quality mark holds after its inspection (it lapses earlier on a content change).
PLATFORM_MARK_DAYS = env.int("PLATFORM_MARK_DAYS", default=365)
# Seller onboarding documents (registration certificate, figures): PDF, PNG or JPEG up to this size.
SELLER_DOCUMENT_MAX_BYTES = env.int("SELLER_DOCUMENT_MAX_BYTES", default=5 * 1024 * 1024)
# Settlement: statements and payouts are in the company's payout account currency, else this one.
SETTLEMENT_CURRENCY = env("SETTLEMENT_CURRENCY", default="KRW")
# The operators' daily digest of overdue desk queues (config/digest.py) goes out at this hour (UTC).
OPERATOR_DIGEST_HOUR = env.int("OPERATOR_DIGEST_HOUR", default=7)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "brands.api.authentication.ApiKeyAuthentication",
        "core.api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated", "core.api.permissions.ApiKeyScopes"],
    "DEFAULT_PAGINATION_CLASS": "core.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": [
        "core.api.query.FilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PARSER_CLASSES": [
        "core.api.parsers.JSONParser",
        "rest_framework.parsers.MultiPartParser",
        "rest_framework.parsers.FormParser",
    ],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_SCHEMA_CLASS": "drf_standardized_errors.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "drf_standardized_errors.handler.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"auth": env("AUTH_THROTTLE_RATE", default="20/min")},
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
DRF_STANDARDIZED_ERRORS = {
    "EXCEPTION_HANDLER_CLASS": "core.api.errors.ExceptionHandler",
    "ENABLE_IN_DEBUG_FOR_UNHANDLED_EXCEPTIONS": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Common-brand export platform API",
    "DESCRIPTION": "SMEs under common brands, B2B and B2C listings, syndication, cross-border logistics.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "CountryEnum": "django_countries.countries",
        "CompanyStaffRoleEnum": "brands.models.CompanyStaff.Role",
        "MembershipRoleEnum": "brands.models.Membership.Role",
        "MembershipStatusEnum": "brands.models.Membership.Status",
        "BrandStatusEnum": "brands.models.Brand.Status",
        "ShipmentStatusEnum": "logistics.models.Shipment.Status",
        "InboundServiceEnum": "logistics.models.InboundLine.Service",
        "OrderStatusEnum": "marketplace.models.Order.Status",
        "PaymentStatusEnum": "marketplace.models.Payment.Status",
        "RefundStatusEnum": "marketplace.models.Refund.Status",
        "ReturnRequestStatusEnum": "marketplace.models.ReturnRequest.Status",
        "CheckoutStatusEnum": "marketplace.models.Checkout.Status",
        "CheckoutIncotermEnum": "marketplace.models.Checkout.Incoterm",
        "ConsignmentIncotermEnum": "logistics.models.Consignment.Incoterm",
        "FeeKindEnum": "marketplace.models.FeeKind",
        "ExportStageEnum": "brands.models.Company.ExportStage",
        "FeeStatusEnum": "marketplace.models.Fee.Status",
        "PayoutStatusEnum": "marketplace.models.Payout.Status",
        "PayoutMethodEnum": "marketplace.models.Payout.Method",
        "ChannelCodeEnum": "integrations.models.ChannelCode",
        "SyndicationModeEnum": "integrations.models.SyndicationJob.Mode",
        "ModeEnum": "listings.models.Product.Mode",
        "VariantAvailabilityEnum": "listings.models.Variant.Availability",
        "StockAvailabilityEnum": "marketplace.selectors.STOCK_AVAILABILITY",
        "StorefrontVariantAvailabilityEnum": "marketplace.selectors.STOREFRONT_VARIANT_AVAILABILITY",
        "OrderEventKindEnum": "marketplace.models.OrderEvent.Kind",
        "ReturnEventKindEnum": "marketplace.models.ReturnEvent.Kind",
        "TradeEventKindEnum": "marketplace.models.TradeEvent.Kind",
        "PromotionKindEnum": "marketplace.models.Promotion.Kind",
        "PromotionFundedByEnum": "marketplace.models.Promotion.FundedBy",
        "ProductEventKindEnum": "listings.models.ProductEvent.Kind",
        "PhysicalReturnEventKindEnum": "logistics.models.PhysicalReturnEvent.Kind",
        "PhysicalReturnLineDispositionEnum": "logistics.models.returns.PhysicalReturnLine.Disposition",
        "DrawbackDispositionEnum": "logistics.models.drawback.DrawbackClaim.Disposition",
        "CompanyKindEnum": "brands.models.Company.Kind",
        "MandateScopeEnum": "brands.models.MandateScope",
        "ServiceProviderKindEnum": "marketplace.models.vouchers.ServiceProvider.Kind",
        "ServiceSubGroupEnum": "marketplace.models.vouchers.SUB_GROUP_CHOICES",
        "MatchmakingEventModeEnum": "marketplace.models.matchmaking.MatchmakingEvent.Mode",
        "ValidationErrorEnum": "drf_standardized_errors.openapi_serializers.ValidationErrorEnum.choices",
        "ClientErrorEnum": "drf_standardized_errors.openapi_serializers.ClientErrorEnum.choices",
        "ServerErrorEnum": "drf_standardized_errors.openapi_serializers.ServerErrorEnum.choices",
        "ErrorCode401Enum": "drf_standardized_errors.openapi_serializers.ErrorCode401Enum.choices",
        "ErrorCode403Enum": "drf_standardized_errors.openapi_serializers.ErrorCode403Enum.choices",
        "ErrorCode404Enum": "drf_standardized_errors.openapi_serializers.ErrorCode404Enum.choices",
        "ErrorCode405Enum": "drf_standardized_errors.openapi_serializers.ErrorCode405Enum.choices",
        "ErrorCode406Enum": "drf_standardized_errors.openapi_serializers.ErrorCode406Enum.choices",
        "ErrorCode415Enum": "drf_standardized_errors.openapi_serializers.ErrorCode415Enum.choices",
        "ErrorCode429Enum": "drf_standardized_errors.openapi_serializers.ErrorCode429Enum.choices",
        "ErrorCode500Enum": "drf_standardized_errors.openapi_serializers.ErrorCode500Enum.choices",
        # The B2B trade desk.
        "RFQIncotermEnum": "marketplace.models.RFQ.Incoterm",
        "QuoteIncotermEnum": "marketplace.models.Quote.Incoterm",
        "QuoteStatusEnum": "marketplace.models.Quote.Status",
        "RFQStatusEnum": "marketplace.models.RFQ.Status",
        "BuyerStaffRoleEnum": "marketplace.models.BuyerStaff.Role",
    },
    # Swagger UI and ReDoc from drf-spectacular-sidecar's static files: no page loads anything
    # from another host (the Content-Security-Policy below says so). No validator badge either:
    # Swagger UI would fetch it from validator.swagger.io.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "POSTPROCESSING_HOOKS": [
        "drf_standardized_errors.openapi_hooks.postprocess_schema_enums",
        "core.api.schema.relax_validation_error_items",
        "core.api.schema.document_every_error_status",
    ],
}

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="platform@localhost")
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
# Or the SMTP server in one URL, which then wins: smtp+tls://user:password@smtp.example.com:587
# (django-environ's EMAIL_BACKEND, EMAIL_HOST, EMAIL_PORT, user, password and TLS from it).
if env("EMAIL_URL", default=""):
    globals().update(env.email_url("EMAIL_URL"))

# Accounts (core): login tokens (django-rest-knox, hashed, sliding expiry), links sent by e-mail
# (where the client's pages for them live), brute-force lock-out, operators' second factor.
AUTH_TOKEN_TTL = timedelta(days=env.int("AUTH_TOKEN_TTL_DAYS", default=30))
KNOX_TOKEN_MODEL = "core.AuthToken"  # noqa: S105 - a model name, not a secret
# knox's own migrations would create its unused knox_authtoken table (its model is swapped for
# core.AuthToken), which references users and blocks flushing them.
MIGRATION_MODULES = {"knox": None}
REST_KNOX = {
    "TOKEN_TTL": AUTH_TOKEN_TTL,
    "AUTO_REFRESH": True,  # sliding: each use pushes the expiry out (written at most once a minute)
    "MIN_REFRESH_INTERVAL": 60,
    "AUTH_HEADER_PREFIX": "Bearer",
}
# {token} and {uid} are filled in; the client's page posts them back to the API.
EMAIL_VERIFY_URL = env("EMAIL_VERIFY_URL", default="http://127.0.0.1:8000/verify-email?token={token}")
EMAIL_VERIFY_MAX_AGE = timedelta(days=env.int("EMAIL_VERIFY_DAYS", default=3))
EMAIL_VERIFY_RESEND_SECONDS = env.int("EMAIL_VERIFY_RESEND_SECONDS", default=120)
PASSWORD_RESET_URL = env("PASSWORD_RESET_URL", default="http://127.0.0.1:8000/reset-password?uid={uid}&token={token}")
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=60 * 60)  # Django's token, seconds
# Reset requests per address and per client IP within an hour.
PASSWORD_RESET_LIMIT = env.int("PASSWORD_RESET_LIMIT", default=3)
PASSWORD_RESET_IP_LIMIT = env.int("PASSWORD_RESET_IP_LIMIT", default=20)
STAFF_INVITATION_URL = env("STAFF_INVITATION_URL", default="http://127.0.0.1:8000/invitations?token={token}")
STAFF_INVITATION_DAYS = env.int("STAFF_INVITATION_DAYS", default=7)
# The buyer's page to pay an order again or confirm it with their bank; {number} is the order number.
ORDER_PAYMENT_URL = env("ORDER_PAYMENT_URL", default="http://127.0.0.1:8000/orders/{number}/pay")
# Failed logins: after LOGIN_FAILURES_FREE failures (per e-mail, and 4x that per IP) each further
# one locks for LOGIN_LOCKOUT_SECONDS doubled per failure, up to LOGIN_LOCKOUT_MAX_SECONDS.
LOGIN_FAILURES_FREE = env.int("LOGIN_FAILURES_FREE", default=5)
LOGIN_LOCKOUT_SECONDS = env.int("LOGIN_LOCKOUT_SECONDS", default=60)
LOGIN_LOCKOUT_MAX_SECONDS = env.int("LOGIN_LOCKOUT_MAX_SECONDS", default=24 * 60 * 60)
# Operators need a TOTP code in the admin and to get an API token. Off by default only under
# DEBUG (make run); `check --deploy` refuses it off in production (core/checks.py).
OPERATOR_OTP_REQUIRED = env.bool("OPERATOR_OTP_REQUIRED", default=not DEBUG)
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", default="Common-brand platform")

# Production hardening, on whenever DEBUG is off and TLS terminates in front of us.
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=False)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers probe over plain HTTP
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=SECURE_HSTS_SECONDS > 0)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=SECURE_HSTS_SECONDS > 0)
SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=False)
# Every page loads scripts, styles, fonts and data from this site only (the admin, its charts,
# Swagger UI and ReDoc are our own static files); images may also be data: URIs (Swagger UI's
# icons). Off with DEBUG, whose error pages are inline HTML.
CONTENT_SECURITY_POLICY = env(
    "DJANGO_CONTENT_SECURITY_POLICY",
    default=""
    if DEBUG
    else "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; "
    "frame-ancestors 'none'; form-action 'self'",
)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

LOG_FORMAT = env("LOG_FORMAT", default="text" if DEBUG else "json")
LOG_LEVEL = env("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "core.logging.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"},
    },
    "filters": {"outages": {"()": "core.logging.OutageFilter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "django.request": {"filters": ["outages"]}},
}

# Syndication channels (integrations/): the simulator's URL, shared client state, limits, credentials.
# Credentials come only from the environment (CHANNEL_<CODE>_<NAME>); the defaults suit the simulator.
CHANNEL_SIMULATOR_URL = env("CHANNEL_SIMULATOR_URL", default="http://127.0.0.1:8765")
CHANNEL_ALLOW_PRIVATE_URLS = env.bool("CHANNEL_ALLOW_PRIVATE_URLS", default=False)
# Redis for the breaker, "not before" times and rate buckets shared by all workers; empty: per process.
CHANNEL_STATE_URL = env("CHANNEL_STATE_URL", default="")
CHANNEL_STATE_PREFIX = env("CHANNEL_STATE_PREFIX", default="channel")
CHANNEL_LIMITS = {
    "default": {
        "rate_per_second": env.float("CHANNEL_RATE_PER_SECOND", default=20.0),
        "burst": env.int("CHANNEL_BURST", default=20),
        "connect_timeout": env.float("CHANNEL_CONNECT_TIMEOUT", default=3.0),
        "read_timeout": env.float("CHANNEL_READ_TIMEOUT", default=10.0),
        "max_attempts": env.int("CHANNEL_MAX_ATTEMPTS", default=5),
        "breaker_threshold": env.int("CHANNEL_BREAKER_THRESHOLD", default=5),
        "breaker_reset_seconds": env.float("CHANNEL_BREAKER_RESET_SECONDS", default=30.0),
        # Calls in flight at once for a channel that takes one listing per call (Kmall24, buyKOREA).
        "concurrency": env.int("CHANNEL_CONCURRENCY", default=4),
    },
}
CHANNEL_CREDENTIALS = {
    "kmall24": {"api_key": env("CHANNEL_KMALL24_API_KEY", default="sim-kmall24-key")},
    "buykorea": {"token": env("CHANNEL_BUYKOREA_TOKEN", default="sim-buykorea-token")},
    "amazon": {
        "token": env("CHANNEL_AMAZON_TOKEN", default="sim-amazon-token"),
        "seller_id": env("CHANNEL_AMAZON_SELLER_ID", default="A1SIMSELLER"),
        "marketplace_id": env("CHANNEL_AMAZON_MARKETPLACE_ID", default="ATVPDKIKX0DER"),
    },
    "ebay": {
        "token": env("CHANNEL_EBAY_TOKEN", default="sim-ebay-token"),
        "fulfillment_policy_id": env("CHANNEL_EBAY_FULFILLMENT_POLICY", default="FP-1"),
        "payment_policy_id": env("CHANNEL_EBAY_PAYMENT_POLICY", default="PP-1"),
        "return_policy_id": env("CHANNEL_EBAY_RETURN_POLICY", default="RP-1"),
    },
    "tmall": {
        "app_key": env("CHANNEL_TMALL_APP_KEY", default="sim-tmall-app"),
        "app_secret": env("CHANNEL_TMALL_APP_SECRET", default="sim-tmall-secret"),
    },
    # Channels of one connector with their own accounts (e.g. "ebay-de"), merged over the connector's.
    **env.json("CHANNEL_CREDENTIALS_JSON", default={}),
}

# Syndication jobs (integrations; channel URLs, limits and credentials are set beside the client).
# Where image URLs handed to outside channels start when storage gives a relative URL.
PUBLIC_BASE_URL = env("PUBLIC_BASE_URL", default="http://127.0.0.1:8000")
# Countdown of a batch put off while a channel's circuit breaker is open, and of retries; both
# stay well below the broker's visibility timeout.
SYNDICATION_DEFER_SECONDS = env.int("SYNDICATION_DEFER_SECONDS", default=30)
SYNDICATION_RETRY_SECONDS = env.int("SYNDICATION_RETRY_SECONDS", default=5)
# A batch claimed this long ago without a result is taken as its worker's death and run again.
SYNDICATION_BATCH_STALE_SECONDS = env.int("SYNDICATION_BATCH_STALE_SECONDS", default=120)
# An incremental run trusts a listing's last readiness verdict while its content hash is the one
# the channel answered for and the verdict is younger than this; older verdicts get the dry run
# again (a restricted good, a changed category mapping), and a full run re-checks everything.
SYNDICATION_RECHECK_HOURS = env.int("SYNDICATION_RECHECK_HOURS", default=24)
# Inventory changes are gathered this long before one push per channel.
SYNDICATION_INVENTORY_DEBOUNCE_SECONDS = env.int("SYNDICATION_INVENTORY_DEBOUNCE_SECONDS", default=10)

# Outbound webhooks (core/webhooks.py, docs/events.md). Endpoints must be public https URLs;
# CHANNEL_ALLOW_PRIVATE_URLS (above) lets them be on loopback too, for local set-ups and tests.
WEBHOOK_CONNECT_TIMEOUT = env.float("WEBHOOK_CONNECT_TIMEOUT", default=2.0)
WEBHOOK_READ_TIMEOUT = env.float("WEBHOOK_READ_TIMEOUT", default=10.0)
WEBHOOK_RETRY_BASE_SECONDS = env.int("WEBHOOK_RETRY_BASE_SECONDS", default=30)
WEBHOOK_RETRY_WINDOW = timedelta(hours=env.int("WEBHOOK_RETRY_HOURS", default=24))
# An endpoint failing this many deliveries in a row, over at least this long, is disabled.
WEBHOOK_DISABLE_FAILURES = env.int("WEBHOOK_DISABLE_FAILURES", default=20)
WEBHOOK_DISABLE_AFTER = timedelta(hours=env.int("WEBHOOK_DISABLE_HOURS", default=24))
# stock.low (docs/events.md): sent when a stock row's units on hand fall below this.
STOCK_LOW_THRESHOLD = env.int("STOCK_LOW_THRESHOLD", default=5)
