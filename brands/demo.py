"""Demo data, brands part: Korean SMEs banding together under three common brands. Loaded by
`python manage.py load_demo` (config/management/commands) with the other apps' demo parts.

Everything goes through brands.services, so the demo has the same events and checks as real use.
Idempotent: rows are found by their natural keys (user email, company registration number,
brand name, live membership) and only what is missing is created; existing rows are left as
they are, so a second run changes nothing.
"""

from collections import Counter
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django.utils.functional import cached_property
from django_otp.plugins.otp_totp.models import TOTPDevice

from brands import services
from brands.models import Brand, Company, CompanyStaff, Membership, SellerApplication
from brands.services.onboarding import ONBOARDING_CHECKLIST, TRAINING_MODULES
from core.accounts import operator_otp_enrol
from core.models import User
from core.money import Money
from core.permissions import OPERATORS_GROUP

# A one-page PDF standing in for the registration certificate and the audited accounts.
DEMO_PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
PASSWORD = "demo-pass-2026"  # noqa: S105 - the documented password of the demo accounts
BILLION = Decimal(1_000_000_000)

OPERATOR = {"email": "operator@demo.example", "full_name": "Platform Operator"}
# The demo operator's TOTP secret, published like the password (RFC 6238's test key; base32
# GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ), for trying the second factor with OPERATOR_OTP_REQUIRED=true.
DEMO_OTP_KEY = "3132333435363738393031323334353637383930"
BUYERS = [
    {"email": "buyer@demo.example", "full_name": "Emma Schneider"},
    {"email": "buyer2@demo.example", "full_name": "Lucas Martin"},
]

# Each company's owner is owner@<slug>.example. Sales in billions of KRW, all below the
# sector's Table 1 ceiling; only the large-enterprise subsidiary at the end is not an SME.
COMPANIES = [
    # Hanji Living: home and living goods.
    {
        "slug": "hanji-living",
        "owner_name": "김서연",
        "legal_name": "주식회사 한지리빙",
        "name_translations": {"ko": "한지리빙", "en": "Hanji Living Co., Ltd.", "ja": "韓紙リビング株式会社"},
        "registration_number": "214-81-51878",
        "sector": "mfg_pulp_paper",
        "sales_billion": "12.4",
        "employees": 46,
        "export_stage": "global_expansion",
    },
    {
        "slug": "icheon-ceramics",
        "owner_name": "박도윤",
        "legal_name": "주식회사 이천도예공방",
        "name_translations": {"ko": "이천도예공방", "en": "Icheon Ceramic Studio Co., Ltd."},
        "registration_number": "126-81-59762",
        "sector": "mfg_nonmetallic_minerals",
        "sales_billion": "4.8",
        "employees": 22,
        "export_stage": "contract",
    },
    {
        "slug": "jeonju-hanji",
        "owner_name": "이하은",
        "legal_name": "전주한지공예 주식회사",
        "name_translations": {"ko": "전주한지공예", "en": "Jeonju Hanji Craft Co., Ltd."},
        "registration_number": "402-81-51738",
        "sector": "mfg_pulp_paper",
        "sales_billion": "2.1",
        "employees": 12,
        "export_stage": "beginning",
    },
    {
        "slug": "damyang-bamboo",
        "owner_name": "정민준",
        "legal_name": "주식회사 담양대나무공예",
        "name_translations": {"ko": "담양대나무공예", "en": "Damyang Bamboo Works Co., Ltd."},
        "registration_number": "412-81-84691",
        "sector": "mfg_lumber",
        "sales_billion": "1.6",
        "employees": 9,
        "export_stage": "preparation",
    },
    {
        "slug": "andong-hemp",
        "owner_name": "최지우",
        "legal_name": "주식회사 안동삼베",
        "name_translations": {"ko": "안동삼베", "en": "Andong Hemp Textile Co., Ltd."},
        "registration_number": "308-81-75758",
        "sector": "mfg_textiles",
        "sales_billion": "7.3",
        "employees": 38,
        "export_stage": "contract",
    },
    {
        "slug": "tongyeong-najeon",
        "owner_name": "강예준",
        "legal_name": "주식회사 통영나전칠기",
        "name_translations": {"ko": "통영나전칠기", "en": "Tongyeong Najeon Lacquerware Co., Ltd."},
        "registration_number": "609-81-26179",
        "sector": "mfg_furniture",
        "sales_billion": "3.2",
        "employees": 17,
        "export_stage": "beginning",
    },
    # Seoul Beauty Lab: cosmetics.
    {
        "slug": "seoul-beauty",
        "owner_name": "윤수아",
        "legal_name": "주식회사 서울뷰티랩",
        "name_translations": {
            "ko": "서울뷰티랩",
            "en": "Seoul Beauty Lab Co., Ltd.",
            "zh-hans": "首尔美妆实验室有限公司",
        },
        "registration_number": "105-81-33372",
        "sector": "mfg_chemicals",
        "sales_billion": "28.5",
        "employees": 112,
        "export_stage": "global_expansion",
    },
    {
        "slug": "green-cosmetic",
        "owner_name": "장서준",
        "legal_name": "주식회사 그린코스메틱",
        "name_translations": {"ko": "그린코스메틱", "en": "Green Cosmetic Co., Ltd."},
        "registration_number": "137-81-17291",
        "sector": "mfg_chemicals",
        "sales_billion": "9.8",
        "employees": 54,
        "export_stage": "contract",
    },
    {
        "slug": "maskpack-korea",
        "owner_name": "임지호",
        "legal_name": "주식회사 마스크팩코리아",
        "name_translations": {"ko": "마스크팩코리아", "en": "Mask Pack Korea Co., Ltd."},
        "registration_number": "124-86-29710",
        "sector": "mfg_chemicals",
        "sales_billion": "15.2",
        "employees": 73,
        "export_stage": "global_expansion",
    },
    {
        "slug": "cospack",
        "owner_name": "한유진",
        "legal_name": "주식회사 코스팩",
        "name_translations": {"ko": "코스팩", "en": "Cospack Co., Ltd."},
        "registration_number": "135-86-90869",
        "sector": "mfg_rubber_plastics",
        "sales_billion": "6.7",
        "employees": 41,
        "export_stage": "beginning",
    },
    {
        "slug": "hanbang-miin",
        "owner_name": "오채원",
        "legal_name": "주식회사 한방미인",
        "name_translations": {"ko": "한방미인", "en": "Hanbang Miin Co., Ltd."},
        "registration_number": "110-81-19315",
        "sector": "mfg_chemicals",
        "sales_billion": "2.9",
        "employees": 19,
        "export_stage": "preparation",
    },
    # Jeju Green Table: food.
    {
        "slug": "jeju-tangerine",
        "owner_name": "고은우",
        "legal_name": "농업회사법인 주식회사 제주감귤원",
        "name_translations": {"ko": "제주감귤원", "en": "Jeju Tangerine Orchard Agricultural Co., Ltd."},
        "registration_number": "616-81-39667",
        "sector": "mfg_food",
        "sales_billion": "5.4",
        "employees": 27,
        "export_stage": "beginning",
    },
    {
        "slug": "halla-tea",
        "owner_name": "부현우",
        "legal_name": "주식회사 한라티하우스",
        "name_translations": {"ko": "한라티하우스", "en": "Halla Tea House Co., Ltd."},
        "registration_number": "616-88-76623",
        "sector": "mfg_beverages",
        "sales_billion": "2.3",
        "employees": 15,
        "export_stage": "preparation",
    },
    {
        "slug": "oreum-foods",
        "owner_name": "양시우",
        "legal_name": "주식회사 오름식품",
        "name_translations": {"ko": "오름식품", "en": "Oreum Foods Co., Ltd."},
        "registration_number": "220-81-78417",
        "sector": "mfg_food",
        "sales_billion": "1.2",
        "employees": 8,
        "export_stage": "preparation",
    },
    # Not an SME: a large group's subsidiary, in no brand, to show an ineligible verdict.
    {
        "slug": "hanbit-electronics",
        "owner_name": "서지훈",
        "legal_name": "주식회사 한빛전자솔루션",
        "name_translations": {"ko": "한빛전자솔루션", "en": "Hanbit Electronics Solutions Co., Ltd."},
        "registration_number": "123-81-53551",
        "sector": "mfg_electronics",
        "sales_billion": "48",
        "employees": 180,
        "export_stage": "global_expansion",
        "is_large_enterprise_subsidiary": True,
    },
]

BRANDS = [
    {
        "name": "Hanji Living",
        "name_translations": {
            "ko": "한지리빙",
            "en": "Hanji Living",
            "zh-hans": "韩纸生活",
            "ja": "韓紙リビング",
            "es": "Hanji Living, hogar coreano",
        },
        "story": {
            "ko": "한지리빙은 전주와 이천, 안동, 담양, 통영의 공방들이 함께 만든 생활 브랜드입니다. "
            "닥나무 한지 조명과 손으로 빚은 도자기, 삼베 직물과 대나무 소품을 하나의 품질 기준으로 "
            "세계의 집에 전합니다.",
            "en": "Hanji Living brings together workshops from Jeonju, Icheon, Andong, Damyang and Tongyeong. "
            "Mulberry-paper lamps, hand-thrown ceramics, hemp textiles and bamboo ware are made to one "
            "quality standard and shipped to homes around the world.",
            "ja": "韓紙リビングは、全州・利川・安東などの工房が集まった暮らしのブランドです。",
        },
        "lead": "hanji-living",
        "members": ["icheon-ceramics", "jeonju-hanji", "damyang-bamboo", "andong-hemp", "tongyeong-najeon"],
        "applicants": [],
        "standard": [
            {
                "code": "hanji-fibre",
                "text": "Lamp shades and paper goods use at least 70% paper-mulberry (dak) fibre, "
                "with the mill's certificate for each batch.",
                "required": True,
            },
            {
                "code": "ceramic-food-contact",
                "text": "Glazed tableware passes lead and cadmium release tests for food contact "
                "(EU Directive 84/500/EEC and US FDA limits).",
                "required": True,
            },
            {
                "code": "textile-colourfastness",
                "text": "Textiles reach grade 4 or better in colourfastness to washing (ISO 105-C06).",
                "required": True,
            },
            {
                "code": "brand-gift-box",
                "text": "Shipped in the brand's recycled-hanji gift box with the bilingual story card.",
                "required": False,
            },
        ],
        "activate": True,
    },
    {
        "name": "Seoul Beauty Lab",
        "name_translations": {
            "ko": "서울뷰티랩",
            "en": "Seoul Beauty Lab",
            "zh-hans": "首尔美妆实验室",
            "ja": "ソウル・ビューティー・ラボ",
            "es": "Laboratorio de Belleza de Seúl",
        },
        "story": {
            "ko": "서울뷰티랩은 수도권의 화장품 중소기업들이 연구와 포장, 물류를 함께 나누는 공동 브랜드입니다. "
            "순한 스킨케어와 시트 마스크를 한 가지 성분 기준으로 만들어 해외 고객에게 선보입니다.",
            "en": "Seoul Beauty Lab is a shared brand of small cosmetics makers around Seoul who pool their "
            "research, packaging and logistics. Gentle skincare and sheet masks follow one ingredient "
            "standard, so buyers abroad know what they get.",
            "zh-hans": "首尔美妆实验室是首尔周边中小化妆品企业共同打造的品牌。",
        },
        "lead": "seoul-beauty",
        "members": ["green-cosmetic", "maskpack-korea", "cospack", "hanbang-miin"],
        "applicants": [],
        "standard": [
            {
                "code": "inci-ingredients",
                "text": "The full ingredient list in INCI names, in Korean and English, is printed on the outer box.",
                "required": True,
            },
            {
                "code": "iso-22716-gmp",
                "text": "Made in a facility certified to ISO 22716 cosmetic good manufacturing practice.",
                "required": True,
            },
            {
                "code": "shelf-life",
                "text": "At least 18 months of shelf life left on arrival at the warehouse, "
                "with the period-after-opening symbol on the pack.",
                "required": False,
            },
        ],
        "activate": True,
    },
    {
        "name": "Jeju Green Table",
        "name_translations": {
            "ko": "제주그린테이블",
            "en": "Jeju Green Table",
            "zh-hans": "济州绿色餐桌",
            "ja": "済州グリーンテーブル",
            "es": "Mesa Verde de Jeju",
        },
        "story": {
            "ko": "제주그린테이블은 제주의 감귤 농가와 차 농원이 함께 준비하고 있는 식품 브랜드입니다. "
            "화산섬의 햇볕과 바람으로 기른 감귤 가공품과 녹차를 세계의 식탁에 올리려 합니다.",
            "en": "Jeju Green Table is a food brand being formed by tangerine growers and tea gardens on "
            "Jeju Island. It wants to bring tangerine products and green tea, grown in the volcanic "
            "island's sun and wind, to tables around the world.",
        },
        "lead": "jeju-tangerine",
        "members": ["halla-tea"],
        "applicants": ["oreum-foods"],
        "standard": [],
        "activate": False,
    },
]


def owner_email(company: dict) -> str:
    return f"owner@{company['slug']}.example"


class BrandsDemo:
    """Users, companies, brands; `load()` returns what the next demo parts build on."""

    def __init__(self, tally: Counter):
        self.tally = tally

    def load(self, context: dict) -> dict:
        operator = self.load_operator()
        buyers = [self.load_user(buyer["email"], buyer["full_name"]) for buyer in BUYERS]
        companies = {spec["slug"]: self.load_company(spec, operator) for spec in COMPANIES}
        for spec in BRANDS:
            self.load_brand(spec, companies, operator)
        return {"operator": operator, "buyers": buyers, "companies": companies}

    def count(self, kind: str, created: bool) -> None:
        self.tally[kind, "created" if created else "existing"] += 1

    # Users
    def load_user(self, email: str, full_name: str, **extra) -> User:
        user = User.objects.filter(email=email).first()
        self.count("users", user is None)
        if user is None:
            user = User.objects.create_user(email, None, full_name=full_name, email_verified_at=timezone.now(), **extra)
            user.password = self.password_hash
            user.save(update_fields=["password"])
        return user

    @cached_property
    def password_hash(self) -> str:
        # Every demo user has the published demo password, so it is hashed once (PBKDF2 takes
        # about a second each, most of a fresh `make run`).
        return make_password(PASSWORD)

    def load_operator(self) -> User:
        operator = self.load_user(OPERATOR["email"], OPERATOR["full_name"], is_staff=True)
        if not operator.is_staff:
            operator.is_staff = True
            operator.save(update_fields=["is_staff"])
        group = Group.objects.get(name=OPERATORS_GROUP)  # created by a core migration
        if not operator.groups.filter(pk=group.pk).exists():
            operator.groups.add(group)
        if not TOTPDevice.objects.filter(user=operator).exists():
            operator_otp_enrol(user=operator, key=DEMO_OTP_KEY)
        return operator

    # Companies
    def load_company(self, spec: dict, operator: User) -> tuple[Company, User]:
        owner = self.load_user(owner_email(spec), spec["owner_name"])
        company = Company.objects.filter(country="KR", registration_number=spec["registration_number"]).first()
        self.count("companies", company is None)
        if company is None:
            company = services.company_create(
                actor=owner,
                annual_sales=Money(Decimal(spec["sales_billion"]) * BILLION, "KRW"),
                legal_name=spec["legal_name"],
                name_translations=spec["name_translations"],
                registration_number=spec["registration_number"],
                country="KR",
                sector=spec["sector"],
                employees=spec["employees"],
                export_stage=spec["export_stage"],
                is_large_enterprise_subsidiary=spec.get("is_large_enterprise_subsidiary", False),
            )
        elif not CompanyStaff.objects.filter(company=company, user=owner, role=CompanyStaff.Role.OWNER).exists():
            services.company_staff_set(company=company, actor=operator, email=owner.email, role=CompanyStaff.Role.OWNER)
        self.load_onboarding(company, owner, operator)
        return company, owner

    def load_onboarding(self, company: Company, owner: User, operator: User) -> None:
        """Every demo company went through seller onboarding: documents, evaluation, approval,
        the training modules."""
        applied = SellerApplication.objects.filter(company=company).exists()
        self.count("seller applications", not applied)
        if applied:
            return
        documents = {
            name: SimpleUploadedFile(f"{name}.pdf", DEMO_PDF, content_type="application/pdf")
            for name in ("registration_certificate", "figures_document")
        }
        application = services.seller_application_create(actor=owner, company=company, **documents)
        application = services.seller_application_submit(actor=owner, application=application)
        application = services.seller_application_evaluate(
            actor=operator,
            application=application,
            checklist=dict.fromkeys(ONBOARDING_CHECKLIST, True),
            notes="Certificate and audited accounts match the registration and the figures.",
        )
        services.seller_application_decide(
            actor=operator, application=application, approve=True, reasons="Documents in order; approved to launch."
        )
        for module in TRAINING_MODULES:
            services.seller_training_mark_read(actor=owner, application=application, module=module)
        company.refresh_from_db(fields=["seller_approved_at", "figures_verified_at"])

    # Brands, memberships, standards, activation
    def load_brand(self, spec: dict, companies: dict, operator: User) -> None:
        lead, lead_owner = companies[spec["lead"]]
        brand = Brand.objects.filter(name__iexact=spec["name"]).first()
        self.count("brands", brand is None)
        if brand is None:
            brand = services.brand_create(
                actor=lead_owner,
                name=spec["name"],
                lead_company=lead,
                story=spec["story"],
                name_translations=spec["name_translations"],
            )
        for slug in spec["members"]:
            self.load_membership(brand, *companies[slug], lead_owner, approve=True)
        for slug in spec["applicants"]:
            self.load_membership(brand, *companies[slug], lead_owner, approve=False)
        if spec["standard"]:
            has_standard = brand.quality_standards.exists()
            self.count("quality standards", not has_standard)
            if not has_standard:
                services.quality_standard_publish(brand=brand, actor=lead_owner, items=spec["standard"])
        if spec["activate"]:
            brand.refresh_from_db(fields=["status"])
            self.count("activations", brand.status == Brand.Status.FORMING)
            if brand.status == Brand.Status.FORMING:
                # Operators approve brands on the platform.
                services.brand_activate(brand=brand, actor=operator)

    def load_membership(self, brand: Brand, company: Company, owner: User, lead_owner: User, *, approve: bool) -> None:
        membership = Membership.objects.filter(
            brand=brand, company=company, status__in=Membership.LIVE_STATUSES
        ).first()
        self.count("memberships", membership is None)
        if membership is None:
            membership = services.membership_apply(brand=brand, company=company, actor=owner)
        if approve and membership.status == Membership.Status.APPLIED:
            services.membership_approve(membership=membership, actor=lead_owner)
