"""The demo catalogue as data: categories, the kinds of product (what products of one craft share:
category, HS code, title and description templates per locale, picture) and about sixty products
that fill a kind with their own name, sentence, prices, variants and terms."""

from dataclasses import dataclass, field

from stdnum import ean

LOCALES = ("ko", "en", "zh-hans", "ja", "es")
# Sentences follow one another without a space in Chinese and Japanese.
SENTENCE_JOIN = {"zh-hans": "", "ja": ""}


def tr(ko: str, en: str, zh: str, ja: str, es: str) -> dict[str, str]:
    """A text in every content locale, in the order of LOCALES."""
    return dict(zip(LOCALES, (ko, en, zh, ja, es), strict=True))


# --- categories ---------------------------------------------------------------------------

SKIN_TYPES = ["all", "dry", "oily", "combination", "sensitive"]

CATEGORIES = [
    # path, names, HS chapter, attribute schema
    ("home", tr("리빙", "Home & Living", "家居生活", "暮らし・インテリア", "Hogar"), "", []),
    (
        "home/lighting",
        tr("조명", "Lighting", "灯具照明", "照明", "Iluminación"),
        "94",
        [
            {"code": "wattage", "type": "integer", "required": True, "unit": "W"},
            {
                "code": "plug_type",
                "type": "choice",
                "required": False,
                "choices": ["type_a", "type_c", "type_g", "usb"],
            },
        ],
    ),
    (
        "home/tableware",
        tr("식기", "Tableware", "餐具", "食器", "Vajilla"),
        "69",
        [
            {"code": "dishwasher_safe", "type": "boolean", "required": True},
            {"code": "microwave_safe", "type": "boolean", "required": False},
        ],
    ),
    (
        "home/textiles",
        tr("홈 패브릭", "Home Textiles", "家纺", "ホームテキスタイル", "Textiles para el hogar"),
        "63",
        [
            {
                "code": "care",
                "type": "choice",
                "required": False,
                "choices": ["hand_wash", "machine_wash_30", "dry_clean"],
            }
        ],
    ),
    ("home/storage", tr("수납·바구니", "Storage & Baskets", "收纳篮筐", "収納・かご", "Cestas y almacenaje"), "46", []),
    (
        "home/decor",
        tr("공예 소품", "Decorative Crafts", "工艺摆件", "工芸・インテリア小物", "Artesanía decorativa"),
        "44",
        [],
    ),
    ("beauty", tr("뷰티", "Beauty", "美妆个护", "ビューティー", "Belleza"), "33", []),
    (
        "beauty/skincare",
        tr("스킨케어", "Skincare", "护肤", "スキンケア", "Cuidado facial"),
        "33",
        [
            {"code": "volume_ml", "type": "integer", "required": True, "unit": "ml"},
            {"code": "skin_type", "type": "choice", "required": False, "choices": SKIN_TYPES},
        ],
    ),
    (
        "beauty/masks",
        tr("마스크팩", "Face Masks", "面膜", "フェイスマスク・パック", "Mascarillas faciales"),
        "33",
        [
            {"code": "sheets_per_pack", "type": "integer", "required": True},
            {"code": "skin_type", "type": "choice", "required": False, "choices": SKIN_TYPES},
        ],
    ),
    (
        "beauty/haircare",
        tr("헤어케어", "Hair Care", "洗护发", "ヘアケア", "Cuidado del cabello"),
        "33",
        [
            {"code": "volume_ml", "type": "integer", "required": True, "unit": "ml"},
            {
                "code": "hair_type",
                "type": "choice",
                "required": False,
                "choices": ["all", "oily", "dry", "damaged", "thinning"],
            },
        ],
    ),
    ("food", tr("식품", "Food & Drink", "食品饮料", "食品・飲料", "Alimentación"), "", []),
    (
        "food/tea",
        tr("차", "Tea", "茶叶", "お茶", "Té"),
        "09",
        [
            {"code": "net_weight_g", "type": "integer", "required": True, "unit": "g"},
            {"code": "grade", "type": "choice", "required": False, "choices": ["ujeon", "sejak", "jungjak", "daejak"]},
        ],
    ),
    (
        "food/preserves",
        tr("잼·청", "Jams & Preserves", "果酱蜜饯", "ジャム・果実の保存食", "Mermeladas y conservas"),
        "20",
        [
            {"code": "net_weight_g", "type": "integer", "required": True, "unit": "g"},
            {"code": "sugar_free", "type": "boolean", "required": False},
        ],
    ),
]


# --- kinds: what the products of one craft share -------------------------------------------


@dataclass(frozen=True)
class Kind:
    category: str
    hs_code: str
    material: str
    title: dict[str, str]  # templates: {name} and the product's attributes
    about: dict[str, str]  # follows the product's own sentence in the description
    colour: tuple[int, int, int]
    shape: str
    # Brand standard items that concern this kind; the others are recorded as not applicable.
    checks: tuple[str, ...] = ()


LAMP_ABOUT = tr(
    "전주에서 손으로 뜬 닥나무 한지를 한 장씩 붙여 만들어, 불을 켜면 종이 결을 따라 빛이 부드럽게 번집니다. "
    "열이 거의 나지 않는 LED 광원을 써서 한지가 쉽게 변색되지 않습니다.",
    "Made sheet by sheet from mulberry hanji formed by hand in Jeonju, so the light spreads softly along the "
    "paper's fibres. A cool-running LED source keeps the paper from yellowing.",
    "以全州手工抄制的楮树韩纸逐张裱糊而成，点亮后光线沿着纸张纤维柔和散开。采用几乎不发热的LED光源，韩纸不易变色。",
    "全州で手漉きされた楮（こうぞ）の韓紙を一枚ずつ貼って仕上げ、灯すと紙の繊維に沿ってやわらかな光が広がります。"
    "発熱の少ないLED光源なので、紙が変色しにくくなっています。",
    "Hecha hoja a hoja con hanji de morera formado a mano en Jeonju, de modo que la luz se difunde suavemente a lo "
    "largo de las fibras del papel. La fuente LED apenas se calienta y evita que el papel amarillee.",
)
HANJI_CHECKS = ("hanji-fibre", "brand-gift-box")
CERAMIC_CHECKS = ("ceramic-food-contact", "brand-gift-box")
BEAUTY_CHECKS = ("inci-ingredients", "iso-22716-gmp", "shelf-life")

BEAUTY_ABOUT = tr(
    "서울뷰티랩 공통 성분 기준에 따라 파라벤, 합성 향료, 광물성 오일 없이 ISO 22716 인증 시설에서 만들었습니다. "
    "전 성분은 외부 포장에 한국어와 영어로 표기되어 있습니다.",
    "Made to the Seoul Beauty Lab ingredient standard, without parabens, synthetic fragrance or mineral oil, in an "
    "ISO 22716-certified facility. The full ingredient list is printed on the box in Korean and English.",
    "依照首尔美妆实验室统一成分标准，不含对羟基苯甲酸酯、合成香精和矿物油，在ISO 22716认证工厂生产。"
    "外包装以韩文和英文标注全成分。",
    "ソウル・ビューティー・ラボ共通の成分基準に沿って、パラベン・合成香料・鉱物油を使わず、"
    "ISO 22716認証の工場で製造しました。"
    "全成分は外箱に韓国語と英語で表示しています。",
    "Elaborado según el estándar de ingredientes de Seoul Beauty Lab, sin parabenos, fragancias sintéticas ni "
    "aceites minerales, en una planta con certificación ISO 22716. La lista completa de ingredientes figura en la "
    "caja en coreano e inglés.",
)
VOLUME_TITLE = tr(
    "{name} {volume_ml}ml",
    "{name}, {volume_ml} ml",
    "{name} {volume_ml}毫升",
    "{name} {volume_ml}mL",
    "{name}, {volume_ml} ml",
)
WEIGHT_TITLE = tr(
    "{name} {net_weight_g}g",
    "{name}, {net_weight_g} g",
    "{name} {net_weight_g}克",
    "{name} {net_weight_g}g",
    "{name}, {net_weight_g} g",
)

KINDS = {
    "table-lamp": Kind(
        "home/lighting",
        "940521",
        "Paper-mulberry hanji, oak frame, LED module",
        tr(
            "{name} 한지 스탠드",
            "{name} Hanji Table Lamp",
            "{name}韩纸台灯",
            "韓紙テーブルランプ「{name}」",
            "Lámpara de mesa de hanji «{name}»",
        ),
        LAMP_ABOUT,
        (233, 200, 140),
        "moon",
        HANJI_CHECKS,
    ),
    "pendant": Kind(
        "home/lighting",
        "940511",
        "Paper-mulberry hanji, steel wire frame, fabric cord, LED bulb",
        tr(
            "{name} 한지 펜던트 조명",
            "{name} Hanji Pendant Light",
            "{name}韩纸吊灯",
            "韓紙ペンダントライト「{name}」",
            "Lámpara colgante de hanji «{name}»",
        ),
        LAMP_ABOUT,
        (222, 186, 120),
        "dome",
        HANJI_CHECKS,
    ),
    "floor-lamp": Kind(
        "home/lighting",
        "940521",
        "Paper-mulberry hanji, oak frame, LED module",
        tr(
            "{name} 한지 플로어 스탠드",
            "{name} Hanji Floor Lamp",
            "{name}韩纸落地灯",
            "韓紙フロアランプ「{name}」",
            "Lámpara de pie de hanji «{name}»",
        ),
        LAMP_ABOUT,
        (210, 180, 130),
        "column",
        HANJI_CHECKS,
    ),
    "wall-lamp": Kind(
        "home/lighting",
        "940511",
        "Paper-mulberry hanji, oak frame, LED module",
        tr(
            "{name} 한지 벽등",
            "{name} Hanji Wall Light",
            "{name}韩纸壁灯",
            "韓紙ウォールライト「{name}」",
            "Aplique de hanji «{name}»",
        ),
        LAMP_ABOUT,
        (226, 196, 150),
        "wave",
        HANJI_CHECKS,
    ),
    "mood-light": Kind(
        "home/lighting",
        "940521",
        "Hanji paper, bamboo frame, USB LED module",
        tr(
            "{name} 한지 무드등",
            "{name} Hanji Mood Light",
            "{name}韩纸氛围灯",
            "韓紙ムードライト「{name}」",
            "Luz ambiental de hanji «{name}»",
        ),
        LAMP_ABOUT,
        (240, 170, 120),
        "lantern",
        HANJI_CHECKS,
    ),
    "hanji-box": Kind(
        "home/storage",
        "482390",
        "Hanji paper over paperboard",
        tr("한지 {name}", "Hanji {name}", "韩纸{name}", "韓紙の{name}", "{name} de hanji"),
        tr(
            "단단한 판지 위에 색색의 한지를 덧발라 만든 함으로, 가볍지만 튼튼하고 습기를 잘 조절합니다.",
            "Sturdy board covered in layers of coloured hanji: light but strong, and good at keeping humidity steady.",
            "在坚固的纸板上层层裱糊彩色韩纸制成，轻巧结实，调湿性好。",
            "丈夫な板紙に色とりどりの韓紙を重ね貼りした箱で、軽くて丈夫なうえ、湿気の調整にも優れています。",
            "Cartón resistente forrado con capas de hanji de colores: ligero pero sólido, y ayuda a mantener estable "
            "la humedad.",
        ),
        (200, 120, 110),
        "boxes",
        HANJI_CHECKS,
    ),
    "celadon": Kind(
        "home/tableware",
        "691200",
        "Stoneware, celadon glaze",
        tr("청자 {name}", "Celadon {name}", "青瓷{name}", "青磁{name}", "{name} de celadón"),
        tr(
            "이천 가마에서 1,250도로 환원 소성해 비췻빛 유약이 깊게 올라왔으며, "
            "유약 표면의 잔잔한 빙렬은 하나하나 다릅니다. "
            "식품 접촉 안전 시험(납·카드뮴 용출)을 통과했습니다.",
            "Reduction-fired at 1,250 °C in an Icheon kiln for a deep jade-green glaze; the fine crackle in the glaze "
            "is different on every piece. Tested safe for food contact (lead and cadmium release).",
            "在利川窑中以1250°C还原烧成，釉色呈深邃的翡翠绿，釉面细密的开片纹理件件不同。已通过食品接触安全检测（铅、镉溶出）。",
            "利川の窯で1,250℃の還元焼成を行い、翡翠色の釉が深く発色しました。釉面の細かな貫入は一点ごとに異なります。"
            "食品衛生試験（鉛・カドミウム溶出）に合格しています。",
            "Cocido en reducción a 1.250 °C en un horno de Icheon para lograr un esmalte verde jade profundo; el fino "
            "craquelado es distinto en cada pieza. Apto para uso alimentario (ensayos de liberación de plomo y cadmio "
            "superados).",
        ),
        (120, 170, 150),
        "bowl",
        CERAMIC_CHECKS,
    ),
    "buncheong": Kind(
        "home/tableware",
        "691200",
        "Stoneware, white slip, clear glaze",
        tr("분청 {name}", "Buncheong {name}", "粉青{name}", "粉青沙器 {name}", "{name} de gres buncheong"),
        tr(
            "회색 태토 위에 귀얄로 백토를 바르고 투명 유약을 입혀 구운 분청사기로, "
            "붓 자국이 그대로 남아 소박한 멋이 있습니다.",
            "Grey stoneware brushed with white slip and clear-glazed in the buncheong manner; every brushstroke stays "
            "visible and gives each piece an easy, rustic charm.",
            "在灰色胎土上用刷子涂抹白土，再施透明釉烧制而成的粉青沙器，保留了刷痕，质朴自然。",
            "灰色の胎土に刷毛で白化粧を施し、透明釉をかけて焼いた粉青沙器です。刷毛目がそのまま残る素朴な味わいがあります。",
            "Gres gris pincelado con engobe blanco y esmaltado en transparente al estilo buncheong; cada pincelada "
            "queda a la vista y da a la pieza un encanto sencillo y rústico.",
        ),
        (150, 140, 130),
        "plate",
        CERAMIC_CHECKS,
    ),
    "porcelain": Kind(
        "home/tableware",
        "691110",
        "Porcelain (kaolin), clear glaze",
        tr("백자 {name}", "White Porcelain {name}", "白瓷{name}", "白磁の{name}", "{name} de porcelana blanca"),
        tr(
            "고령토로 빚어 1,300도에서 구운 백자로, 얇고 단단하며 은은한 우윳빛이 돕니다. "
            "전자레인지와 식기세척기에 쓸 수 있습니다.",
            "Thrown from kaolin and fired at 1,300 °C: thin, hard and softly milk-white. Safe in the microwave and "
            "the dishwasher.",
            "以高岭土拉坯成型，经1300°C高温烧制，胎薄质坚，呈柔和的乳白色。可用于微波炉和洗碗机。",
            "カオリンで成形し1,300℃で焼き上げた白磁は、薄く硬く、ほのかな乳白色をしています。電子レンジ・食洗機に対応しています。",
            "Torneada en caolín y cocida a 1.300 °C: fina, resistente y de un blanco lechoso suave. Apta para "
            "microondas y lavavajillas.",
        ),
        (214, 214, 206),
        "bowl",
        CERAMIC_CHECKS,
    ),
    "hemp": Kind(
        "home/textiles",
        "630239",
        "100% hemp (Andong sambe)",
        tr("안동 삼베 {name}", "Andong Hemp {name}", "安东麻布{name}", "安東麻の{name}", "{name} de cáñamo de Andong"),
        tr(
            "안동에서 대대로 길쌈해 온 삼베로, 바람이 잘 통하고 빨수록 부드러워집니다. "
            "천연 염색 제품도 세탁 견뢰도 4급 이상을 확인했습니다.",
            "Woven from Andong hemp, a cloth local weavers have made for centuries: it breathes well and grows softer "
            "with every wash. Natural dyes are tested to grade 4 or better for colourfastness to washing.",
            "采用安东世代传承织造的麻布，透气性好，越洗越柔软。天然染色产品的耐洗色牢度达到4级以上。",
            "安東で代々織り継がれてきた麻布（サムベ）を使い、風通しがよく、洗うほどに柔らかくなります。"
            "天然染めの製品も洗濯堅ろう度4級以上を確認しています。",
            "Tejido con cáñamo de Andong, una tela que los tejedores de la zona elaboran desde hace siglos: transpira "
            "bien y se vuelve más suave con cada lavado. Los tintes naturales alcanzan al menos el grado 4 de solidez "
            "del color al lavado.",
        ),
        (196, 180, 150),
        "cloth",
        ("textile-colourfastness", "brand-gift-box"),
    ),
    "bamboo-basket": Kind(
        "home/storage",
        "460211",
        "Bamboo, unlacquered",
        tr(
            "담양 대나무 {name}",
            "Damyang Bamboo {name}",
            "潭阳竹编{name}",
            "潭陽竹細工の{name}",
            "{name} de bambú de Damyang",
        ),
        tr(
            "담양의 3년생 왕대를 쪼개고 다듬어 장인이 한 올씩 엮었습니다. 옻칠이나 화학 코팅 없이 마감해 대나무 본래의 "
            "빛깔과 향이 살아 있으며, 물에 젖으면 그늘에서 말려 주세요.",
            "Three-year-old Damyang bamboo is split, shaved and woven strand by strand by hand. Finished without "
            "lacquer or chemical coatings, it keeps the bamboo's own colour and scent; if it gets wet, dry it in the "
            "shade.",
            "选用潭阳三年生毛竹，劈篾、刮青后由匠人逐条手工编织。不上漆、无化学涂层，保留竹子天然的色泽与清香；沾水后请置于阴凉处晾干。",
            "潭陽の三年生の真竹を割って削り、職人が一本ずつ編み上げました。漆や化学塗装を使わずに仕上げているため、"
            "竹本来の色と香りが生きています。濡れたら日陰で乾かしてください。",
            "Bambú de Damyang de tres años, partido, pulido y trenzado tira a tira a mano. Sin laca ni recubrimientos "
            "químicos, conserva el color y el aroma propios del bambú; si se moja, déjelo secar a la sombra.",
        ),
        (170, 150, 80),
        "basket",
        ("brand-gift-box",),
    ),
    "bamboo-tableware": Kind(
        "home/tableware",
        "441912",
        "Bamboo, perilla oil finish",
        tr(
            "담양 대나무 {name}",
            "Damyang Bamboo {name}",
            "潭阳竹{name}",
            "潭陽竹の{name}",
            "{name} de bambú de Damyang",
        ),
        tr(
            "담양 대나무를 깎아 들기름으로 마감해 가볍고 손에 잘 붙습니다. 사용한 뒤에는 손으로 씻어 바로 말려 주세요.",
            "Carved from Damyang bamboo and finished with perilla oil: light and easy to grip. Wash by hand and dry "
            "straight after use.",
            "以潭阳竹削制，用紫苏籽油打磨收尾，轻巧顺手。使用后请手洗并及时晾干。",
            "潭陽の竹を削り、えごま油で仕上げているので軽く、手によくなじみます。使用後は手洗いし、すぐに乾かしてください。",
            "Tallado en bambú de Damyang y acabado con aceite de perilla: ligero y cómodo de sujetar. Lávelo a mano y "
            "séquelo justo después de usarlo.",
        ),
        (185, 160, 95),
        "sticks",
        ("brand-gift-box",),
    ),
    "najeon": Kind(
        "home/decor",
        "442090",
        "Wood, abalone shell inlay, natural lacquer",
        tr(
            "통영 나전칠기 {name}",
            "Tongyeong Najeon {name}",
            "统营螺钿漆器{name}",
            "統営の螺鈿{name}",
            "{name} de laca y nácar de Tongyeong",
        ),
        tr(
            "남해안 전복 껍데기를 얇게 갈아 한 조각씩 붙이고, 옻칠을 스무 번 넘게 덧칠하고 갈아 내어 완성했습니다. "
            "보는 각도에 따라 자개가 무지갯빛으로 반짝입니다.",
            "Slivers of abalone shell from Korea's south coast are set piece by piece, then coated and polished with "
            "more than twenty layers of natural lacquer. The mother-of-pearl shimmers in rainbow colours as the light "
            "moves.",
            "将韩国南海岸的鲍鱼壳磨成薄片逐片镶嵌，再反复髹涂、打磨天然大漆二十余遍而成。螺钿随观看角度闪烁出彩虹般的光泽。",
            "南海岸のアワビの貝殻を薄く削って一片ずつ貼り、漆を二十回以上塗り重ねては研いで仕上げました。"
            "見る角度によって螺鈿が虹色に輝きます。",
            "Finas láminas de concha de abulón de la costa sur de Corea se incrustan pieza a pieza y se cubren y pulen "
            "con más de veinte capas de laca natural. El nácar brilla con tonos de arcoíris según incide la luz.",
        ),
        (52, 44, 56),
        "inlay",
        ("brand-gift-box",),
    ),
    "skincare": Kind(
        "beauty/skincare",
        "330499",
        "Cosmetic preparation (see INCI list)",
        VOLUME_TITLE,
        BEAUTY_ABOUT,
        (230, 190, 200),
        "bottle",
        BEAUTY_CHECKS,
    ),
    "sheet-mask": Kind(
        "beauty/masks",
        "330499",
        "Lyocell sheet soaked in cosmetic essence",
        tr(
            "{name} {sheets_per_pack}매입",
            "{name}, Pack of {sheets_per_pack}",
            "{name} {sheets_per_pack}片装",
            "{name} {sheets_per_pack}枚入り",
            "{name}, caja de {sheets_per_pack}",
        ),
        tr(
            "얇은 텐셀 시트가 얼굴 굴곡에 밀착되어 에센스가 고르게 전달됩니다. 세안 후 15~20분 붙였다가 떼어 내고, "
            "남은 에센스는 가볍게 두드려 흡수시켜 주세요.",
            "A fine Tencel sheet clings to every contour so the essence reaches the skin evenly. Leave on for 15 to "
            "20 minutes after cleansing, then pat in the remaining essence.",
            "轻薄的天丝面膜布紧密贴合面部轮廓，让精华均匀渗透。洁面后敷15至20分钟，取下后轻拍剩余精华至吸收。",
            "薄いテンセルシートが顔の凹凸にぴたりと密着し、美容液をむらなく届けます。洗顔後15〜20分おいてからはがし、"
            "残った美容液は軽くたたいてなじませてください。",
            "Una fina lámina de Tencel se adapta a cada contorno para que la esencia llegue a la piel de forma "
            "uniforme. Déjela actuar de 15 a 20 minutos tras la limpieza y extienda después con toquecitos la esencia "
            "sobrante.",
        ),
        (180, 210, 230),
        "mask",
        BEAUTY_CHECKS,
    ),
    "haircare": Kind(
        "beauty/haircare",
        "330590",
        "Hair preparation (see INCI list)",
        VOLUME_TITLE,
        tr(
            "리필 파우치로 다시 채워 쓸 수 있는 재활용 PET 용기에 담았습니다. 실리콘 없이 만들어 두피와 모발에 "
            "무게감을 남기지 않습니다.",
            "Comes in a recycled-PET bottle that refills from our pouches. Silicone-free, so nothing weighs down the "
            "scalp or hair.",
            "采用可用补充装重复灌装的再生PET瓶。不含硅油，头皮和发丝毫无负担。",
            "詰め替えパウチで繰り返し使える再生PETボトル入りです。シリコーン不使用なので、頭皮や髪に重さを残しません。",
            "Se presenta en una botella de PET reciclado que puede rellenarse con nuestras bolsas de recambio. Sin "
            "siliconas, para que nada apelmace el cuero cabelludo ni el cabello.",
        ),
        (160, 200, 190),
        "pump",
        BEAUTY_CHECKS,
    ),
    "tea": Kind(
        "food/tea",
        "090210",
        "Green tea leaves (Camellia sinensis)",
        WEIGHT_TITLE,
        tr(
            "제주 화산토에서 자란 찻잎을 봄에 손으로 따서 덖었습니다. 80도 정도의 물에 2~3분 우려 드시고, "
            "같은 잎으로 서너 번 더 우릴 수 있습니다.",
            "Leaves grown in Jeju's volcanic soil, picked by hand in spring and pan-fired. Steep in water at about "
            "80 °C for two to three minutes; the same leaves give three or four more infusions.",
            "生长于济州火山土壤的茶叶，春季手工采摘并炒制。用约80°C的水冲泡2至3分钟，同一份茶叶还可续泡三四次。",
            "済州の火山土壌で育った茶葉を春に手摘みし、釜炒りしました。80℃ほどのお湯で2〜3分蒸らしてください。"
            "同じ茶葉で3〜4煎目までお楽しみいただけます。",
            "Hojas cultivadas en el suelo volcánico de Jeju, recogidas a mano en primavera y tostadas en sartén. "
            "Infusione en agua a unos 80 °C durante dos o tres minutos; las mismas hojas dan para tres o cuatro "
            "infusiones más.",
        ),
        (110, 150, 80),
        "leaf",
    ),
    "preserve": Kind(
        "food/preserves",
        "200791",
        "Fruit, sugar",
        WEIGHT_TITLE,
        tr(
            "국산 과일만 쓰고 보존료와 색소를 넣지 않았습니다. 개봉한 뒤에는 냉장 보관하고 한 달 안에 드세요.",
            "Made only from Korean-grown fruit, with no preservatives or colourings. Once opened, keep refrigerated "
            "and use within a month.",
            "只选用韩国本土种植的水果，不添加防腐剂和色素。开封后请冷藏，并在一个月内食用。",
            "韓国産の果物だけを使い、保存料や着色料は加えていません。開封後は冷蔵庫で保存し、1か月以内にお召し上がりください。",
            "Elaborado solo con fruta cultivada en Corea, sin conservantes ni colorantes. Una vez abierto, consérvese "
            "en el frigorífico y consúmase antes de un mes.",
        ),
        (245, 160, 60),
        "jar",
    ),
}


# --- products -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Terms:
    """B2B terms: the first tier starts at the MOQ, unit prices fall with quantity (KRW)."""

    moq: int
    multiple: int
    lead_days: int
    samples: str
    incoterms: tuple[str, ...]
    tiers: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class Failure:
    """An inspection that fails one required item of the brand's standard."""

    item: str
    note: str
    defect: str
    quantity: int
    fixed: str = ""  # when set, a second inspection passes and the product goes on


@dataclass(frozen=True)
class Item:
    company: str
    sku: str  # the first variant's SKU is the product's natural key
    kind: str
    name: dict[str, str]
    detail: dict[str, str]
    size: tuple[str, str, str, str]  # kg, cm x cm x cm (packed)
    price: int | None = None  # KRW retail; None for B2B only
    usd: str | None = None
    jpy: int | None = None
    terms: Terms | None = None
    attributes: dict = field(default_factory=dict)
    variants: tuple[tuple[str, dict], ...] = ()  # (SKU, options), the first SKU being `sku`; none: one plain variant
    gtin: bool = False
    hs_code: str | None = None  # else the kind's
    material: str | None = None
    about: dict[str, str] | None = None  # else the kind's
    locales: tuple[str, ...] = LOCALES
    # published | approved | review (submitted, waiting) | failed (in review after a failed
    # inspection) | draft (left unfinished: `gap` says what is missing)
    plan: str = "published"
    failure: Failure | None = None
    gap: str = ""


ITEMS = [
    # Hanji Living (lead): hanji lamps and boxes.
    Item(
        "hanji-living",
        "HL-LAMP-MOON-NAT",
        "table-lamp",
        tr("달항아리", "Moon Jar", "月亮罐", "月壺", "Vasija Luna"),
        tr(
            "조선 백자 달항아리의 둥근 선을 닮은 스탠드로, 침실이나 거실 한쪽에 은은한 빛을 더합니다.",
            "Its full, round silhouette follows the Joseon-era white porcelain moon jar and brings a quiet glow to a "
            "bedroom or a corner of the living room.",
            "圆润的造型取自朝鲜王朝的白瓷月亮罐，为卧室或客厅一角增添温柔的光晕。",
            "朝鮮白磁の月壺を思わせるふっくらとした丸みで、寝室やリビングの一角にやさしい灯りを添えます。",
            "Su silueta redonda se inspira en la vasija luna de porcelana blanca de la dinastía Joseon y aporta un "
            "brillo sereno a un dormitorio o a un rincón del salón.",
        ),
        ("1.200", "32", "32", "40"),
        price=89000,
        usd="68.00",
        jpy=9800,
        attributes={"wattage": 8, "plug_type": "type_c"},
        variants=(("HL-LAMP-MOON-NAT", {"shade": "natural"}), ("HL-LAMP-MOON-IND", {"shade": "indigo"})),
        gtin=True,
    ),
    Item(
        "hanji-living",
        "HL-PEND-LOTUS",
        "pendant",
        tr("연꽃", "Lotus", "莲花", "蓮", "Loto"),
        tr(
            "연잎처럼 겹겹이 접은 한지 갓이 식탁 위를 넓고 고르게 밝힙니다.",
            "Layered folds of hanji open like lotus petals and light a dining table broadly and evenly.",
            "层层折叠的韩纸灯罩如莲瓣般舒展，均匀照亮整张餐桌。",
            "蓮の花びらのように重ねて折った韓紙のシェードが、ダイニングテーブルを広くむらなく照らします。",
            "Los pliegues superpuestos de hanji se abren como pétalos de loto e iluminan la mesa del comedor de forma "
            "amplia y uniforme.",
        ),
        ("0.900", "48", "48", "30"),
        price=129000,
        usd="98.00",
        terms=Terms(20, 10, 30, "paid", ("FOB", "CIF"), ((20, 98000), (100, 89000), (300, 82000))),
        attributes={"wattage": 12},
        variants=(("HL-PEND-LOTUS", {"diameter_cm": 45}),),
    ),
    Item(
        "hanji-living",
        "HL-FLOOR-PINE-EU",
        "floor-lamp",
        tr("소나무", "Pine", "青松", "松", "Pino"),
        tr(
            "곧게 뻗은 소나무 줄기처럼 가늘고 높은 원통형 갓이 방 전체에 간접 조명을 드리웁니다.",
            "A tall, slender cylinder of hanji, straight as a pine trunk, casts indirect light across the whole room.",
            "修长的圆筒形韩纸灯罩如挺拔的青松，为整个房间带来柔和的间接照明。",
            "まっすぐに伸びる松の幹のような細長い円筒形のシェードが、部屋全体に間接光を広げます。",
            "Un cilindro alto y esbelto de hanji, recto como el tronco de un pino, proyecta luz indirecta por toda la "
            "habitación.",
        ),
        ("4.800", "38", "38", "152"),
        price=219000,
        usd="165.00",
        jpy=23800,
        attributes={"wattage": 15},
        variants=(("HL-FLOOR-PINE-EU", {"plug": "type_c"}), ("HL-FLOOR-PINE-US", {"plug": "type_a"})),
        gtin=True,
    ),
    Item(
        "hanji-living",
        "HL-WALL-WAVE",
        "wall-lamp",
        tr("물결", "Wave", "水波", "さざなみ", "Ola"),
        tr(
            "물결무늬로 주름 잡은 한지가 벽면에 잔잔한 빛의 결을 남겨, 복도와 현관에 잘 어울립니다.",
            "Hanji pleated in a wave pattern leaves gentle ripples of light on the wall; made for hallways and "
            "entrances.",
            "以水波纹褶皱的韩纸在墙面留下细腻的光影纹理，适合走廊和玄关。",
            "さざなみ模様にひだを寄せた韓紙が壁に穏やかな光の揺らぎを映し、廊下や玄関によく合います。",
            "El hanji plisado en forma de olas deja suaves ondas de luz en la pared; ideal para pasillos y "
            "recibidores.",
        ),
        ("0.700", "30", "14", "40"),
        price=76000,
        attributes={"plug_type": "type_c"},  # the wattage is still to be measured
        plan="draft",
        gap="attribute",
    ),
    Item(
        "hanji-living",
        "HL-BOX-JOGAK",
        "hanji-box",
        tr(
            "조각보 수납함 3종 세트",
            "Patchwork Nesting Boxes, Set of 3",
            "拼色收纳盒三件套",
            "パッチワーク収納箱 3点セット",
            "Juego de 3 cajas nido con patchwork",
        ),
        tr(
            "크기가 다른 세 개의 함이 차곡차곡 포개져, 쓰지 않을 때는 한 개 자리만 차지합니다.",
            "Three boxes of different sizes nest inside one another and take up the space of one when not in use.",
            "大中小三只盒子可层层套叠，不用时只占一只的空间。",
            "大きさの異なる三つの箱が入れ子になり、使わないときは一つ分の場所しかとりません。",
            "Tres cajas de distintos tamaños encajan unas dentro de otras y, cuando no se usan, ocupan el espacio de "
            "una sola.",
        ),
        ("1.100", "36", "28", "20"),
        price=72000,
        usd="54.00",
    ),
    # Jeonju Hanji Craft: small hanji lamps.
    Item(
        "jeonju-hanji",
        "JH-MOOD-CHOR",
        "mood-light",
        tr("청사초롱", "Cheongsachorong", "青纱灯笼", "青紗灯籠", "Cheongsachorong"),
        tr(
            "혼례 때 길을 밝히던 청사초롱을 작게 옮긴 무드등으로, 붉은 띠와 푸른 몸체를 천연 염색 한지로 표현했습니다.",
            "A small mood light after the red-and-blue lanterns that once lit wedding processions, made of naturally "
            "dyed hanji.",
            "灵感来自昔日照亮婚礼队伍的红蓝灯笼，以天然染色韩纸制成的小巧氛围灯。",
            "かつて婚礼の行列を照らした紅と青の灯籠を小さく写したムードライトで、天然染めの韓紙で仕上げています。",
            "Una pequeña luz ambiental inspirada en los faroles rojos y azules que alumbraban los cortejos nupciales, "
            "hecha con hanji teñido con tintes naturales.",
        ),
        ("0.350", "16", "16", "22"),
        price=39000,
        usd="29.00",
        jpy=4300,
        attributes={"wattage": 3, "plug_type": "usb"},
        gtin=True,
    ),
    Item(
        "jeonju-hanji",
        "JH-MOOD-CLOUD-WHT",
        "mood-light",
        tr("구름", "Cloud", "云朵", "くも", "Nube"),
        tr(
            "구김을 살린 한지가 구름처럼 부풀어 올라, 아이 방 수면등으로 쓰기 좋습니다.",
            "Crumpled hanji billows like a cloud: a gentle night light for a child's room.",
            "保留褶皱的韩纸如云朵般蓬松，适合作为儿童房的睡眠灯。",
            "しわを生かした韓紙が雲のようにふくらみ、子ども部屋の常夜灯にぴったりです。",
            "El hanji arrugado se hincha como una nube: una luz nocturna suave para la habitación de los niños.",
        ),
        ("0.300", "18", "18", "16"),
        price=42000,
        usd="32.00",
        terms=Terms(30, 6, 21, "free", ("FOB", "EXW"), ((30, 31000), (120, 28000), (480, 25500))),
        attributes={"wattage": 3, "plug_type": "usb"},
        variants=(
            ("JH-MOOD-CLOUD-WHT", {"colour": "white"}),
            ("JH-MOOD-CLOUD-PNK", {"colour": "pink"}),
            ("JH-MOOD-CLOUD-SKY", {"colour": "sky blue"}),
        ),
        gtin=True,
    ),
    Item(
        "jeonju-hanji",
        "JH-LAMP-PLUM",
        "table-lamp",
        tr("매화", "Plum Blossom", "梅花", "梅", "Flor de Ciruelo"),
        tr(
            "갓 사이사이에 한 장씩 떠 넣은 매화 꽃잎이 불을 켜면 그림자로 드러납니다.",
            "Real plum petals laid between the sheets of the shade appear as silhouettes when the lamp is on.",
            "灯罩夹层中抄入的梅花花瓣，在灯亮时化作剪影浮现。",
            "シェードの紙の間に一枚ずつ漉き込んだ梅の花びらが、灯りをともすと影となって浮かび上がります。",
            "Pétalos de ciruelo colocados entre las hojas de la pantalla aparecen como siluetas al encender la "
            "lámpara.",
        ),
        ("1.100", "28", "28", "42"),
        price=98000,
        usd="74.00",
        attributes={"wattage": 8, "plug_type": "type_c"},
        plan="review",
    ),
    Item(
        "jeonju-hanji",
        "JH-PEND-CRANE",
        "pendant",
        tr("학", "Crane", "仙鹤", "鶴", "Grulla"),
        tr(
            "학이 날개를 편 모양으로 접은 한지 갓에서 빛이 사방으로 부드럽게 퍼집니다.",
            "A hanji shade folded like a crane spreading its wings lets the light fan out softly in every direction.",
            "韩纸灯罩折成仙鹤展翅的形状，光线柔和地洒向四周。",
            "鶴が翼を広げた形に折った韓紙のシェードから、光が四方へやわらかく広がります。",
            "Una pantalla de hanji plegada como una grulla con las alas abiertas deja que la luz se expanda "
            "suavemente en todas direcciones.",
        ),
        ("1.000", "60", "60", "25"),
        # Made for hotels and restaurants: sold B2B only.
        terms=Terms(10, 5, 40, "paid", ("FOB", "CIF", "EXW"), ((10, 115000), (50, 104000), (200, 96000))),
        attributes={"wattage": 10, "plug_type": "type_c"},
    ),
    # Icheon Ceramic Studio: celadon, buncheong, white porcelain.
    Item(
        "icheon-ceramics",
        "IC-CEL-TEACUP",
        "celadon",
        tr("찻잔 2인 세트", "Teacup Set for Two", "双人茶杯套装", "ペア湯呑み", "Juego de dos tazas de té"),
        tr(
            "손에 쥐기 좋은 크기의 찻잔 두 개와 받침 두 개로 구성되어 있습니다.",
            "Two teacups sized to sit comfortably in the hand, with two saucers.",
            "两只大小适中、便于握持的茶杯，配两只杯托。",
            "手になじむ大きさの湯呑み二客と茶托二枚のセットです。",
            "Dos tazas de té de un tamaño cómodo para la mano, con dos platillos.",
        ),
        ("0.900", "26", "18", "10"),
        price=68000,
        usd="52.00",
        jpy=7200,
        attributes={"dishwasher_safe": False, "microwave_safe": False},
        gtin=True,
    ),
    Item(
        "icheon-ceramics",
        "IC-CEL-TEAPOT",
        "celadon",
        tr("다관", "Teapot", "茶壶", "急須", "Tetera"),
        tr(
            "거름망이 몸체와 함께 빚어져 있어 잎차를 바로 우릴 수 있으며, 용량은 350ml입니다.",
            "The strainer is formed with the body, so loose-leaf tea brews straight in the pot; holds 350 ml.",
            "壶身内置滤孔，可直接冲泡散茶，容量350毫升。",
            "茶こしが本体と一体に作られているので、茶葉をそのまま淹れられます。容量は350mLです。",
            "El colador está integrado en el cuerpo, así que el té en hoja se infusiona directamente en la tetera; "
            "capacidad de 350 ml.",
        ),
        ("0.800", "20", "16", "14"),
        price=85000,
        usd="65.00",
        attributes={"dishwasher_safe": False},
        plan="failed",
        failure=Failure(
            "ceramic-food-contact",
            "Lead release above the hollowware limit in the 4% acetic acid test (Directive 84/500/EEC); "
            "the glaze batch is being reformulated.",
            "lead-release",
            2,
        ),
    ),
    Item(
        "icheon-ceramics",
        "IC-CEL-SOJU",
        "celadon",
        tr("술잔 세트", "Soju Cup Set", "烧酒杯套装", "盃セット", "Juego de vasitos para soju"),
        tr(
            "술병 하나와 술잔 네 개로, 전통주나 소주를 곁들이는 자리에 품격을 더합니다.",
            "One bottle and four cups that lend a touch of ceremony to soju or traditional rice wine.",
            "一只酒瓶配四只酒杯，为品尝烧酒或传统米酒增添仪式感。",
            "徳利一本と盃四つの組で、焼酎や伝統酒の席に品格を添えます。",
            "Una botella y cuatro vasitos que dan un toque ceremonial al soju o al vino de arroz tradicional.",
        ),
        ("1.300", "30", "22", "18"),
        price=79000,
        usd="60.00",
        jpy=8500,
        attributes={"dishwasher_safe": False},
    ),
    Item(
        "icheon-ceramics",
        "IC-BUN-PLATE",
        "buncheong",
        tr("귀얄 접시", "Brushstroke Plate", "刷纹餐盘", "刷毛目皿", "Plato llano"),
        tr(
            "지름 27cm의 넉넉한 접시로, 한식 상차림과 양식 모두에 어울립니다.",
            "A generous 27 cm plate that suits Korean and Western meals alike.",
            "直径27厘米的大尺寸餐盘，中西餐皆宜。",
            "直径27cmのゆったりとした皿で、和洋韓どんな料理にも合います。",
            "Un plato generoso de 27 cm que sirve tanto para comida coreana como occidental.",
        ),
        ("1.000", "29", "29", "5"),
        price=42000,
        usd="32.00",
        terms=Terms(48, 12, 45, "paid", ("FOB", "EXW"), ((48, 30000), (240, 27000), (960, 24500))),
        attributes={"dishwasher_safe": True, "microwave_safe": True},
    ),
    Item(
        "icheon-ceramics",
        "IC-BUN-BOWL",
        "buncheong",
        tr("면기", "Noodle Bowl", "面碗", "麺鉢", "Cuenco para fideos"),
        tr(
            "냉면과 국수를 담기 좋은 1,000ml 대접으로, 뜨거운 국물을 담아도 손이 덜 뜨겁도록 두께를 두었습니다.",
            "A 1,000 ml bowl for naengmyeon and noodle soups, thick-walled so it stays comfortable to hold with hot "
            "broth.",
            "1000毫升大碗，适合盛冷面和汤面，碗壁较厚，盛热汤也不烫手。",
            "冷麺や汁麺にちょうどよい1,000mLの鉢で、熱いスープでも持ちやすいよう厚みをもたせています。",
            "Un cuenco de 1.000 ml para naengmyeon y sopas de fideos, de paredes gruesas para poder sostenerlo con "
            "caldo caliente.",
        ),
        ("0.750", "22", "22", "11"),
        terms=Terms(60, 12, 40, "free", ("FOB", "CIF", "EXW"), ((60, 19000), (240, 17000), (1200, 15000))),
        attributes={"dishwasher_safe": True, "microwave_safe": True},
        gtin=True,
    ),
    Item(
        "icheon-ceramics",
        "IC-WP-BOWLSET",
        "porcelain",
        tr(
            "밥·국그릇 세트",
            "Rice and Soup Bowl Set",
            "饭碗汤碗套装",
            "飯碗・汁椀セット",
            "Juego de cuencos para arroz y sopa",
        ),
        tr(
            "밥그릇과 국그릇 한 벌로, 뚜껑이 있어 음식을 따뜻하게 지켜 줍니다.",
            "One rice bowl and one soup bowl, each with a lid that keeps food warm.",
            "饭碗、汤碗各一只，均配碗盖，可为食物保温。",
            "飯碗と汁椀のひと揃いで、蓋つきなので料理が冷めにくくなっています。",
            "Un cuenco para arroz y otro para sopa, cada uno con tapa para mantener la comida caliente.",
        ),
        ("1.100", "24", "14", "14"),
        price=58000,
        usd="44.00",
        jpy=6200,
        attributes={"dishwasher_safe": True, "microwave_safe": True},
        gtin=True,
    ),
    # Andong Hemp Textile.
    Item(
        "andong-hemp",
        "AH-PILLOW-NAT",
        "hemp",
        tr("베개 커버", "Pillowcase", "枕套", "枕カバー", "Funda de almohada"),
        tr(
            "50×70cm 베개에 맞는 봉투형 커버로, 여름밤에도 얼굴에 닿는 감촉이 시원합니다.",
            "An envelope-style cover for 50 × 70 cm pillows that stays cool against the face on summer nights.",
            "信封式枕套，适用于50×70厘米的枕头，夏夜贴肤依然清凉。",
            "50×70cmの枕に合う封筒型のカバーで、夏の夜も肌ざわりがひんやりとしています。",
            "Funda tipo sobre para almohadas de 50 × 70 cm que se mantiene fresca al contacto con la cara en las "
            "noches de verano.",
        ),
        ("0.250", "30", "22", "3"),
        price=48000,
        usd="36.00",
        attributes={"care": "machine_wash_30"},
        variants=(
            ("AH-PILLOW-NAT", {"colour": "natural"}),
            ("AH-PILLOW-IND", {"colour": "indigo"}),
            ("AH-PILLOW-PER", {"colour": "persimmon"}),
        ),
        gtin=True,
    ),
    Item(
        "andong-hemp",
        "AH-BLANKET",
        "hemp",
        tr("여름 이불", "Summer Blanket", "夏被", "夏掛け", "Manta de verano"),
        tr(
            "두 겹의 삼베 사이에 공기층이 있어 열대야에도 몸에 달라붙지 않습니다.",
            "Two layers of hemp trap a thin layer of air, so it never clings, even on the hottest nights.",
            "两层麻布之间留有空气层，即使在闷热的夜晚也不黏身。",
            "二重の麻布の間に空気の層があり、熱帯夜でも肌にまとわりつきません。",
            "Dos capas de cáñamo retienen una fina cámara de aire, de modo que no se pega al cuerpo ni en las noches "
            "más calurosas.",
        ),
        ("1.200", "40", "30", "10"),
        price=189000,
        usd="142.00",
        jpy=19800,
        attributes={"care": "hand_wash"},
        variants=(("AH-BLANKET", {"size": "150 x 200 cm"}),),
    ),
    Item(
        "andong-hemp",
        "AH-RUNNER-NAT",
        "hemp",
        tr("테이블 러너", "Table Runner", "桌旗", "テーブルランナー", "Camino de mesa"),
        tr(
            "끝단을 손바느질로 감친 40×180cm 러너로, 차림상에 단정한 선을 더합니다.",
            "A 40 × 180 cm runner with hand-stitched hems that gives a laid table a clean line.",
            "40×180厘米的桌旗，边缘手工锁缝，为餐桌增添简洁的线条。",
            "端を手縫いでかがった40×180cmのランナーで、食卓にすっきりとした線を添えます。",
            "Un camino de 40 × 180 cm con dobladillos cosidos a mano que aporta una línea limpia a la mesa puesta.",
        ),
        ("0.300", "30", "20", "4"),
        price=52000,
        usd="39.00",
        terms=Terms(50, 10, 35, "paid", ("FOB", "CIF"), ((50, 38000), (200, 34000), (1000, 30000))),
        hs_code="630259",
        attributes={"care": "hand_wash"},
        variants=(("AH-RUNNER-NAT", {"colour": "natural"}), ("AH-RUNNER-PER", {"colour": "persimmon"})),
    ),
    Item(
        "andong-hemp",
        "AH-TOWEL-3",
        "hemp",
        tr("행주 3매 세트", "Tea Towel Set of 3", "茶巾三件套", "ふきん3枚セット", "Juego de 3 paños de cocina"),
        tr(
            "물기를 빨리 흡수하고 금방 말라, 그릇을 닦거나 채반을 덮는 데 두루 씁니다.",
            "Absorbs quickly and dries fast: for drying dishes or covering a bowl of dough.",
            "吸水快、干得快，可擦拭餐具，也可用来覆盖面团。",
            "水をすばやく吸ってすぐに乾くので、食器ふきにも、ざるのおおいにも使えます。",
            "Absorbe rápido y se seca enseguida: sirve para secar la vajilla o cubrir un bol de masa.",
        ),
        ("0.200", "25", "20", "3"),
        price=24000,
        usd="18.00",
        jpy=2600,
        hs_code="630299",
        attributes={"care": "machine_wash_30"},
        gtin=True,
    ),
    Item(
        "andong-hemp",
        "AH-JOGAK-PANEL",
        "hemp",
        tr("조각보 가리개", "Jogakbo Window Panel", "拼布窗帘", "ポジャギの間仕切り", "Panel de ventana jogakbo"),
        tr(
            "자투리 삼베를 이어 붙인 조각보 가리개로, 햇빛이 비치면 이음선이 스테인드글라스처럼 드러납니다.",
            "Offcuts of hemp pieced together in the jogakbo tradition; with the sun behind it, the seams glow like "
            "stained glass.",
            "以麻布边角料拼接而成的传统拼布窗帘，阳光透过时，接缝如彩色玻璃般显现。",
            "麻の端切れをつなぎ合わせたポジャギの間仕切りで、日が差すと縫い目がステンドグラスのように浮かび上がります。",
            "Retales de cáñamo unidos según la tradición jogakbo; con el sol detrás, las costuras brillan como una "
            "vidriera.",
        ),
        ("0.600", "40", "30", "5"),
        price=135000,
        usd="99.00",
        hs_code="630399",
        attributes={"care": "hand_wash"},
        plan="failed",
        failure=Failure(
            "textile-colourfastness",
            "Colourfastness to washing grade 3 on the persimmon-dyed pieces (ISO 105-C06 A2S); grade 4 is required.",
            "colour-bleed",
            3,
        ),
    ),
    # Damyang Bamboo Works.
    Item(
        "damyang-bamboo",
        "DB-BASKET-PICNIC",
        "bamboo-basket",
        tr("피크닉 바구니", "Picnic Basket", "野餐篮", "ピクニックバスケット", "Cesta de pícnic"),
        tr(
            "뚜껑과 가죽 손잡이가 달려 있고, 도시락과 보온병이 넉넉히 들어갑니다.",
            "Lidded, with a leather handle, and roomy enough for lunch boxes and a flask.",
            "带盖，配皮革提手，可轻松放入便当盒和保温瓶。",
            "ふたと革の持ち手つきで、お弁当箱と水筒がゆったり入ります。",
            "Con tapa y asa de cuero, y con espacio de sobra para fiambreras y un termo.",
        ),
        ("1.300", "44", "32", "26"),
        price=89000,
        usd="66.00",
        jpy=9500,
        material="Bamboo, leather handle",
    ),
    Item(
        "damyang-bamboo",
        "DB-BASKET-BREAD-RND",
        "bamboo-basket",
        tr("빵 바구니", "Bread Basket", "面包篮", "パンかご", "Panera"),
        tr(
            "성글게 엮어 빵이 눅눅해지지 않으며, 식탁에 그대로 올려 쓰기 좋습니다.",
            "An open weave keeps bread from going soggy, and it goes straight to the table.",
            "编织疏朗透气，面包不易受潮，可直接端上餐桌。",
            "目を粗く編んでいるのでパンがしけにくく、そのまま食卓に出せます。",
            "El trenzado abierto evita que el pan se ablande y puede ir directamente a la mesa.",
        ),
        ("0.300", "28", "28", "10"),
        terms=Terms(100, 20, 30, "free", ("FOB", "EXW"), ((100, 14000), (500, 12500), (2000, 11000))),
        variants=(("DB-BASKET-BREAD-RND", {"shape": "round"}), ("DB-BASKET-BREAD-OVL", {"shape": "oval"})),
    ),
    Item(
        "damyang-bamboo",
        "DB-BOX-LID",
        "bamboo-basket",
        tr("뚜껑 수납함", "Lidded Storage Box", "带盖收纳盒", "ふたつき収納箱", "Caja con tapa"),
        tr(
            "촘촘하게 엮은 상자에 뚜껑이 꼭 맞게 닫혀, 차 도구나 바느질 도구를 정리하기 좋습니다.",
            "A tightly woven box with a snug lid, for keeping tea things or a sewing kit in order.",
            "编织细密，盒盖严实，适合收纳茶具或针线用品。",
            "目を詰めて編んだ箱でふたがぴたりと閉まり、茶道具や裁縫道具の整理に向いています。",
            "Una caja de trenzado apretado con tapa ajustada, para guardar en orden los utensilios de té o de costura.",
        ),
        ("0.600", "30", "22", "15"),
        price=56000,
        locales=("ko", "en"),
        plan="draft",
        gap="image",
    ),
    Item(
        "damyang-bamboo",
        "DB-CHOPSTICKS-5",
        "bamboo-tableware",
        tr("젓가락 5벌", "Chopsticks, Set of 5", "筷子五双装", "箸 5膳セット", "Juego de 5 pares de palillos"),
        tr(
            "끝을 가늘게 다듬어 면이나 작은 반찬도 쉽게 집힙니다.",
            "Finely tapered tips pick up noodles and small side dishes with ease.",
            "筷头削得纤细，夹面条和小菜都很轻松。",
            "先を細く削ってあるので、麺や小さなおかずもつまみやすくなっています。",
            "Las puntas finamente afiladas permiten coger fideos y pequeños acompañamientos con facilidad.",
        ),
        ("0.150", "26", "8", "3"),
        price=18000,
        usd="14.00",
        jpy=1900,
        terms=Terms(200, 50, 25, "free", ("FOB", "CIF", "EXW"), ((200, 11000), (1000, 9500), (5000, 8200))),
        attributes={"dishwasher_safe": False},
        gtin=True,
    ),
    Item(
        "damyang-bamboo",
        "DB-BOARD",
        "bamboo-tableware",
        tr("도마", "Cutting Board", "砧板", "まな板", "Tabla de cortar"),
        tr(
            "대나무 조각을 세로로 압착해 칼자국이 덜 남고 잘 휘지 않습니다.",
            "Vertically laminated bamboo strips resist knife marks and will not warp.",
            "竹条竖向压合，不易留刀痕，也不易变形。",
            "竹材を縦に圧着しているので、刃あとが残りにくく反りにくい作りです。",
            "Las tiras de bambú laminadas en vertical resisten las marcas del cuchillo y no se comban.",
        ),
        ("1.100", "40", "28", "3"),
        price=45000,
        usd="34.00",
        hs_code="441911",
        attributes={"dishwasher_safe": False},
        plan="approved",
    ),
    # Tongyeong Najeon Lacquerware.
    Item(
        "tongyeong-najeon",
        "TN-JEWEL-BOX",
        "najeon",
        tr("보석함", "Jewellery Box", "首饰盒", "宝石箱", "Joyero"),
        tr(
            "십장생 문양을 놓은 보석함으로, 안쪽은 벨벳으로 마감하고 작은 칸막이를 두었습니다.",
            "Decorated with the ten symbols of longevity, and lined with velvet, with small compartments inside.",
            "饰有十长生纹样，内衬天鹅绒并设有小隔层。",
            "十長生の文様をあしらった宝石箱で、内側はベルベット張りで小さな仕切りがあります。",
            "Decorado con los diez símbolos de la longevidad y forrado de terciopelo, con pequeños compartimentos.",
        ),
        ("1.500", "28", "20", "14"),
        price=280000,
        usd="210.00",
        jpy=29800,
    ),
    Item(
        "tongyeong-najeon",
        "TN-CARD-CASE",
        "najeon",
        tr("명함 지갑", "Business Card Case", "名片盒", "名刺入れ", "Tarjetero"),
        tr(
            "자개로 매화 가지를 놓은 명함 지갑으로, 명함 20장이 들어갑니다.",
            "A slim case inlaid with a branch of plum blossom that holds twenty business cards.",
            "以螺钿镶出梅枝图案的名片盒，可放20张名片。",
            "螺鈿で梅の枝を描いた名刺入れで、名刺が20枚入ります。",
            "Un tarjetero delgado con una rama de ciruelo en flor incrustada que guarda veinte tarjetas.",
        ),
        ("0.120", "12", "8", "2"),
        price=65000,
        usd="49.00",
        jpy=6900,
        terms=Terms(30, 10, 45, "paid", ("FOB", "CIF"), ((30, 52000), (100, 47000), (300, 43000))),
        material="Wood, abalone shell inlay, natural lacquer",
        gtin=True,
    ),
    Item(
        "tongyeong-najeon",
        "TN-TEA-TRAY",
        "najeon",
        tr("찻상", "Tea Tray", "茶盘", "茶盆", "Bandeja de té"),
        tr(
            "모란 문양이 들어간 사각 찻상으로, 다구 한 벌을 올리기 알맞은 크기입니다.",
            "A square tray with a peony motif, just the size for a full tea set.",
            "饰有牡丹纹样的方形茶盘，大小正好放下一整套茶具。",
            "牡丹の文様が入った角盆で、茶器ひと揃いをのせるのにちょうどよい大きさです。",
            "Una bandeja cuadrada con motivo de peonía, del tamaño justo para un juego de té completo.",
        ),
        ("1.400", "36", "36", "6"),
        price=160000,
        usd="120.00",
        hs_code="441990",
    ),
    # Seoul Beauty Lab (lead): skincare.
    Item(
        "seoul-beauty",
        "SB-TONER-HYA-200",
        "skincare",
        tr(
            "히알루론 수분 토너",
            "Hyaluronic Hydrating Toner",
            "玻尿酸补水爽肤水",
            "ヒアルロン酸 うるおいトナー",
            "Tónico hidratante con ácido hialurónico",
        ),
        tr(
            "세 가지 분자량의 히알루론산이 피부 겉과 속을 채워 세안 직후의 당김을 빠르게 잠재웁니다.",
            "Three sizes of hyaluronic acid hydrate both the surface and the deeper layers, quickly easing tightness "
            "after cleansing.",
            "三种分子量的玻尿酸由表及里补水，迅速缓解洁面后的紧绷感。",
            "3種類の分子量のヒアルロン酸が肌の表面と内側をうるおし、洗顔後のつっぱりをすばやく和らげます。",
            "Tres tamaños de ácido hialurónico hidratan tanto la superficie como las capas más profundas y alivian "
            "rápidamente la tirantez tras la limpieza.",
        ),
        ("0.300", "6", "6", "18"),
        price=22000,
        usd="17.00",
        jpy=2400,
        terms=Terms(200, 50, 21, "free", ("FOB", "CIF", "EXW"), ((200, 11000), (1000, 9800), (5000, 8600))),
        attributes={"volume_ml": 200, "skin_type": "all"},
        gtin=True,
    ),
    Item(
        "seoul-beauty",
        "SB-SERUM-NIA-30",
        "skincare",
        tr(
            "나이아신아마이드 10 브라이트닝 세럼",
            "Niacinamide 10 Brightening Serum",
            "10%烟酰胺亮肤精华",
            "ナイアシンアミド10 ブライトニングセラム",
            "Sérum iluminador con niacinamida al 10 %",
        ),
        tr(
            "나이아신아마이드 10%와 아연이 칙칙한 피부 톤과 넓어 보이는 모공을 함께 관리합니다.",
            "10 % niacinamide with zinc evens out a dull skin tone and refines the look of pores.",
            "10%烟酰胺搭配锌，改善暗沉肤色，细致毛孔外观。",
            "ナイアシンアミド10%と亜鉛が、くすんだ肌トーンと目立つ毛穴をまとめてケアします。",
            "La niacinamida al 10 % con zinc unifica el tono apagado y afina el aspecto de los poros.",
        ),
        ("0.120", "5", "5", "13"),
        price=28000,
        usd="21.00",
        jpy=3000,
        attributes={"volume_ml": 30, "skin_type": "combination"},
        gtin=True,
    ),
    Item(
        "seoul-beauty",
        "SB-CREAM-CER-50",
        "skincare",
        tr(
            "세라마이드 장벽 크림",
            "Ceramide Barrier Cream",
            "神经酰胺屏障修护霜",
            "セラミド バリアクリーム",
            "Crema barrera con ceramidas",
        ),
        tr(
            "세라마이드 NP와 콜레스테롤을 피부 장벽과 비슷한 비율로 담아 건조하고 예민한 피부를 감싸 줍니다.",
            "Ceramide NP and cholesterol, in a ratio close to the skin's own barrier, wrap dry, sensitive skin in "
            "comfort.",
            "神经酰胺NP与胆固醇以接近肌肤屏障的比例配合，舒缓呵护干燥敏感肌。",
            "セラミドNPとコレステロールを肌のバリアに近い比率で配合し、乾燥しがちな敏感肌をやさしく包みます。",
            "Ceramida NP y colesterol, en una proporción parecida a la de la propia barrera cutánea, envuelven la "
            "piel seca y sensible.",
        ),
        ("0.180", "7", "7", "8"),
        price=32000,
        usd="24.00",
        jpy=3500,
        attributes={"volume_ml": 50, "skin_type": "dry"},
    ),
    Item(
        "seoul-beauty",
        "SB-ESSENCE-RICE-150",
        "skincare",
        tr(
            "쌀 발효 에센스",
            "Fermented Rice Essence",
            "大米发酵精华水",
            "発酵米エッセンス",
            "Esencia de arroz fermentado",
        ),
        tr(
            "여주 쌀을 발효한 여과물이 70% 들어 있어 피부결을 매끄럽고 환하게 가꿉니다.",
            "70 % fermented Yeoju rice filtrate leaves skin smoother and brighter.",
            "含70%骊州大米发酵滤液，令肌肤细腻透亮。",
            "驪州（ヨジュ）産の米を発酵させたろ過液を70%配合し、なめらかで明るい肌に整えます。",
            "Un 70 % de filtrado de arroz fermentado de Yeoju deja la piel más lisa y luminosa.",
        ),
        ("0.250", "6", "6", "16"),
        price=26000,
        attributes={"volume_ml": 150, "skin_type": "all"},
        plan="review",
    ),
    Item(
        "seoul-beauty",
        "SB-SUN-50",
        "skincare",
        tr(
            "데일리 선 플루이드 SPF50+ PA++++",
            "Daily Sun Fluid SPF50+ PA++++",
            "日常防晒乳 SPF50+ PA++++",
            "デイリーサンフルイド SPF50+ PA++++",
            "Fluido solar diario SPF50+ PA++++",
        ),
        tr(
            "백탁 없이 가볍게 스며드는 묽은 제형으로, 메이크업 전에 발라도 밀리지 않습니다.",
            "A thin fluid that sinks in without a white cast and sits smoothly under make-up.",
            "质地轻薄如水，易于吸收且不泛白，上妆前使用也不搓泥。",
            "白浮きせずに軽くなじむ水のような質感で、メイク前に使ってもよれません。",
            "Un fluido ligero que se absorbe sin dejar rastro blanco y queda uniforme bajo el maquillaje.",
        ),
        ("0.120", "5", "5", "14"),
        price=24000,
        usd="18.00",
        jpy=2600,
        attributes={"volume_ml": 50, "skin_type": "all"},
        gtin=True,
    ),
    Item(
        "seoul-beauty",
        "SB-FOAM-150",
        "skincare",
        tr(
            "약산성 클렌징 폼",
            "Low-pH Cleansing Foam",
            "弱酸性洁面泡沫",
            "弱酸性クレンジングフォーム",
            "Espuma limpiadora de pH bajo",
        ),
        tr(
            "pH 5.5의 약산성 거품이 노폐물만 씻어 내고 피부의 유수분은 지켜 줍니다.",
            "A pH 5.5 lather that lifts away impurities while leaving the skin's own moisture in place.",
            "pH5.5的弱酸性泡沫只带走污垢，保留肌肤本身的水油平衡。",
            "pH5.5の弱酸性の泡が汚れだけを落とし、肌本来のうるおいは守ります。",
            "Una espuma de pH 5,5 que elimina las impurezas y respeta la hidratación natural de la piel.",
        ),
        ("0.200", "5", "4", "17"),
        terms=Terms(300, 60, 20, "free", ("FOB", "CIF"), ((300, 7800), (1200, 7000), (6000, 6200))),
        hs_code="340130",
        attributes={"volume_ml": 150, "skin_type": "all"},
        locales=("ko", "en", "zh-hans", "ja"),
    ),
    # Green Cosmetic.
    Item(
        "green-cosmetic",
        "GC-TONER-CICA-250",
        "skincare",
        tr(
            "시카 진정 토너",
            "Cica Calming Toner",
            "积雪草舒缓爽肤水",
            "シカ カーミングトナー",
            "Tónico calmante de centella asiática",
        ),
        tr(
            "제주산 병풀 추출물이 붉어지고 달아오른 피부를 빠르게 진정시킵니다.",
            "Centella asiatica extract from Jeju quickly calms redness and heat.",
            "济州积雪草提取物快速舒缓泛红与燥热。",
            "済州産ツボクサエキスが、赤みやほてりをすばやく鎮めます。",
            "El extracto de centella asiática de Jeju calma con rapidez las rojeces y la sensación de calor.",
        ),
        ("0.350", "7", "7", "19"),
        price=21000,
        usd="16.00",
        jpy=2300,
        terms=Terms(240, 48, 21, "free", ("FOB", "CIF", "EXW"), ((240, 10500), (960, 9400), (4800, 8300))),
        attributes={"volume_ml": 250, "skin_type": "sensitive"},
        gtin=True,
    ),
    Item(
        "green-cosmetic",
        "GC-SERUM-TEA-50",
        "skincare",
        tr(
            "녹차 수분 세럼",
            "Green Tea Moisture Serum",
            "绿茶保湿精华",
            "緑茶 モイスチャーセラム",
            "Sérum hidratante de té verde",
        ),
        tr(
            "정제수 대신 보성 녹차 잎을 우린 물을 써서 산뜻하게 수분을 채웁니다.",
            "Brewed Boseong green tea takes the place of water for light, fresh hydration.",
            "以宝城绿茶茶汤代替纯净水，带来清爽的水润感。",
            "精製水の代わりに宝城（ボソン）産緑茶の抽出水を使い、さっぱりとうるおいを与えます。",
            "Una infusión de té verde de Boseong sustituye al agua para una hidratación ligera y fresca.",
        ),
        ("0.160", "5", "5", "14"),
        price=27000,
        usd="20.00",
        attributes={"volume_ml": 50, "skin_type": "combination"},
    ),
    Item(
        "green-cosmetic",
        "GC-CREAM-MUG-60",
        "skincare",
        tr(
            "쑥 진정 크림",
            "Mugwort Soothing Cream",
            "艾草舒缓面霜",
            "ヨモギ スージングクリーム",
            "Crema calmante de artemisa",
        ),
        tr(
            "강화 약쑥 추출물 50%를 담은 젤 크림으로, 여드름 자국이 신경 쓰이는 피부에도 순하게 쓸 수 있습니다.",
            "",  # the English description is still being written
            "含50%江华艾草提取物的啫喱面霜，温和适用于易长痘的肌肤。",
            "江華（カンファ）産ヨモギエキスを50%配合したジェルクリームで、ニキビ跡が気になる肌にもやさしく使えます。",
            "Una crema en gel con un 50 % de extracto de artemisa de Ganghwa, lo bastante suave para pieles con "
            "tendencia a imperfecciones.",
        ),
        ("0.200", "7", "7", "8"),
        price=29000,
        attributes={"volume_ml": 60, "skin_type": "oily"},
        plan="draft",
        gap="description",
    ),
    Item(
        "green-cosmetic",
        "GC-OIL-MUNG-200",
        "skincare",
        tr(
            "녹두 클렌징 오일",
            "Mung Bean Cleansing Oil",
            "绿豆卸妆油",
            "緑豆クレンジングオイル",
            "Aceite limpiador de judía mungo",
        ),
        tr(
            "물과 만나면 우윳빛으로 변하며 선크림과 메이크업을 부드럽게 녹여 냅니다.",
            "Turns milky on contact with water and gently melts away sunscreen and make-up.",
            "遇水乳化成乳白色，温和溶解防晒与彩妆。",
            "水となじむと乳白色に変わり、日焼け止めやメイクをやさしく浮かせて落とします。",
            "Se vuelve lechoso al contacto con el agua y disuelve suavemente el protector solar y el maquillaje.",
        ),
        ("0.300", "6", "6", "18"),
        price=25000,
        usd="19.00",
        jpy=2700,
        attributes={"volume_ml": 200, "skin_type": "all"},
        gtin=True,
    ),
    # Mask Pack Korea: sheet masks.
    Item(
        "maskpack-korea",
        "MK-HYA-10",
        "sheet-mask",
        tr(
            "히알루론 수분 마스크",
            "Hyaluronic Hydrating Sheet Mask",
            "玻尿酸补水面膜",
            "ヒアルロン酸 保湿シートマスク",
            "Mascarilla de tela hidratante con ácido hialurónico",
        ),
        tr(
            "한 장에 에센스 27ml를 담아, 비행기 안처럼 건조한 곳에서도 피부가 촉촉하게 유지됩니다.",
            "Each sheet holds 27 ml of essence, enough to keep skin dewy even in a dry aircraft cabin.",
            "每片含27毫升精华，即使在机舱般干燥的环境中也能保持肌肤水润。",
            "1枚に美容液27mLを含み、機内のように乾燥した場所でも肌のうるおいが続きます。",
            "Cada lámina contiene 27 ml de esencia, suficiente para mantener la piel jugosa incluso en la cabina seca "
            "de un avión.",
        ),
        ("0.330", "20", "14", "4"),
        price=15000,
        usd="12.00",
        jpy=1600,
        terms=Terms(500, 100, 14, "free", ("FOB", "CIF", "EXW"), ((500, 6500), (2000, 5800), (10000, 5000))),
        attributes={"sheets_per_pack": 10, "skin_type": "dry"},
        gtin=True,
    ),
    Item(
        "maskpack-korea",
        "MK-VITC-10",
        "sheet-mask",
        tr(
            "비타민C 브라이트닝 마스크",
            "Vitamin C Brightening Sheet Mask",
            "维C亮肤面膜",
            "ビタミンC ブライトニングシートマスク",
            "Mascarilla de tela iluminadora con vitamina C",
        ),
        tr(
            "안정화 비타민C 유도체와 제주 감귤 껍질 추출물이 칙칙한 피부에 생기를 더합니다.",
            "A stabilised vitamin C derivative and Jeju tangerine peel extract bring life back to dull skin.",
            "稳定型维C衍生物搭配济州柑橘皮提取物，为暗沉肌肤注入活力。",
            "安定型ビタミンC誘導体と済州産みかんの果皮エキスが、くすんだ肌に明るさを与えます。",
            "Un derivado estabilizado de vitamina C y extracto de piel de mandarina de Jeju devuelven la vitalidad a "
            "la piel apagada.",
        ),
        ("0.330", "20", "14", "4"),
        price=15000,
        usd="12.00",
        attributes={"sheets_per_pack": 10, "skin_type": "all"},
    ),
    Item(
        "maskpack-korea",
        "MK-SNAIL-5",
        "sheet-mask",
        tr(
            "달팽이 리페어 마스크",
            "Snail Mucin Repair Sheet Mask",
            "蜗牛修护面膜",
            "スネイル リペアシートマスク",
            "Mascarilla de tela reparadora con mucina de caracol",
        ),
        tr(
            "달팽이 점액 여과물 80%가 거칠어진 피부를 매끈하게 가다듬습니다.",
            "80 % snail secretion filtrate smooths rough, tired skin.",
            "含80%蜗牛分泌物滤液，令粗糙疲惫的肌肤恢复光滑。",
            "カタツムリ分泌物ろ過液を80%配合し、荒れて疲れた肌をなめらかに整えます。",
            "Un 80 % de filtrado de secreción de caracol alisa la piel áspera y cansada.",
        ),
        ("0.180", "20", "14", "2"),
        price=12000,
        usd="9.50",
        jpy=1300,
        attributes={"sheets_per_pack": 5, "skin_type": "all"},
    ),
    Item(
        "maskpack-korea",
        "MK-TEATREE-10",
        "sheet-mask",
        tr(
            "티트리 진정 마스크",
            "Tea Tree Calming Sheet Mask",
            "茶树舒缓面膜",
            "ティーツリー カーミングシートマスク",
            "Mascarilla de tela calmante de árbol del té",
        ),
        tr(
            "티트리 잎 오일과 병풀 추출물이 피지와 트러블로 달아오른 피부를 식혀 줍니다.",
            "Tea tree leaf oil and centella extract cool skin flushed by excess oil and breakouts.",
            "茶树叶油与积雪草提取物为因油脂和痘痘而发热的肌肤降温。",
            "ティーツリー葉油とツボクサエキスが、皮脂や肌荒れでほてった肌をクールダウンします。",
            "El aceite de hoja de árbol del té y el extracto de centella refrescan la piel acalorada por el exceso "
            "de grasa y los brotes.",
        ),
        ("0.330", "20", "14", "4"),
        terms=Terms(1000, 200, 14, "free", ("FOB", "CIF"), ((1000, 5200), (5000, 4600), (20000, 4100))),
        attributes={"sheets_per_pack": 10, "skin_type": "oily"},
        gtin=True,
    ),
    Item(
        "maskpack-korea",
        "MK-VARIETY-30",
        "sheet-mask",
        tr(
            "데일리 마스크 버라이어티 세트",
            "Daily Sheet Mask Variety Set",
            "每日面膜组合装",
            "デイリーシートマスク バラエティセット",
            "Surtido de mascarillas de tela diarias",
        ),
        tr(
            "수분·브라이트닝·진정 마스크를 열 장씩 담아, 그날 피부 상태에 맞춰 고를 수 있습니다.",
            "Ten each of the hydrating, brightening and calming masks, so you can choose by how your skin feels that "
            "day.",
            "补水、亮肤、舒缓面膜各10片，可根据当天的肌肤状态选择。",
            "保湿・ブライトニング・カーミングのマスクを10枚ずつ詰め合わせ、その日の肌の調子に合わせて選べます。",
            "Diez mascarillas de cada tipo (hidratante, iluminadora y calmante) para elegir según cómo esté la piel "
            "ese día.",
        ),
        ("0.950", "24", "18", "10"),
        price=39000,
        usd="29.00",
        jpy=4200,
        attributes={"sheets_per_pack": 30, "skin_type": "all"},
        gtin=True,
        failure=Failure(
            "inci-ingredients",
            "The outer box lists the ingredients in Korean only; the English INCI list is missing.",
            "label-missing-english",
            13,
            fixed="Relabelled boxes now carry the full ingredient list in Korean and English.",
        ),
    ),
    # Cospack: hair care.
    Item(
        "cospack",
        "CP-SHAMPOO-COOL-500",
        "haircare",
        tr(
            "두피 쿨링 샴푸",
            "Scalp Cooling Shampoo",
            "头皮清凉洗发水",
            "スカルプクーリングシャンプー",
            "Champú refrescante para el cuero cabelludo",
        ),
        tr(
            "멘톨과 페퍼민트 잎 오일이 땀과 피지로 답답한 두피를 시원하게 씻어 냅니다.",
            "Menthol and peppermint leaf oil rinse away sweat and oil and leave the scalp cool.",
            "薄荷醇与薄荷叶油洗去汗水与油脂，令头皮清爽凉快。",
            "メントールとペパーミント葉油が、汗や皮脂でべたつく頭皮をすっきり洗い上げます。",
            "El mentol y el aceite de hoja de menta eliminan el sudor y la grasa y dejan el cuero cabelludo fresco.",
        ),
        ("0.620", "8", "8", "23"),
        price=18000,
        usd="14.00",
        jpy=1900,
        terms=Terms(240, 24, 20, "free", ("FOB", "CIF", "EXW"), ((240, 9000), (1200, 8100), (4800, 7300))),
        hs_code="330510",
        attributes={"volume_ml": 500, "hair_type": "oily"},
        gtin=True,
    ),
    Item(
        "cospack",
        "CP-TREATMENT-300",
        "haircare",
        tr(
            "단백질 리페어 트리트먼트",
            "Protein Repair Treatment",
            "蛋白修护发膜",
            "プロテインリペア トリートメント",
            "Tratamiento reparador con proteínas",
        ),
        tr(
            "가수분해 케라틴과 쌀 단백질이 염색과 열로 상한 모발 끝을 매끄럽게 정돈합니다.",
            "Hydrolysed keratin and rice protein smooth ends damaged by colouring and heat styling.",
            "水解角蛋白与大米蛋白抚平因染发和热造型受损的发梢。",
            "加水分解ケラチンと米たんぱくが、カラーや熱で傷んだ毛先をなめらかに整えます。",
            "La queratina hidrolizada y la proteína de arroz alisan las puntas dañadas por el tinte y el calor.",
        ),
        ("0.370", "7", "7", "19"),
        price=19000,
        usd="15.00",
        attributes={"volume_ml": 300, "hair_type": "damaged"},
    ),
    Item(
        "cospack",
        "CP-OIL-CAMELLIA-100",
        "haircare",
        tr("동백 헤어 오일", "Camellia Hair Oil", "山茶花护发油", "椿ヘアオイル", "Aceite capilar de camelia"),
        tr(
            "제주 동백 씨앗에서 짜낸 오일이 푸석한 머리에 윤기를 더하며, 끈적이지 않습니다.",
            "Oil pressed from Jeju camellia seeds brings shine to frizzy hair without feeling sticky.",
            "以济州山茶籽压榨的油为毛躁发丝增添光泽，清爽不黏腻。",
            "済州の椿の種から搾ったオイルが、ぱさつく髪にツヤを与えます。べたつきません。",
            "El aceite prensado de semillas de camelia de Jeju da brillo al cabello encrespado sin dejarlo pegajoso.",
        ),
        ("0.180", "5", "5", "14"),
        price=23000,
        usd="17.00",
        jpy=2500,
        attributes={"volume_ml": 100, "hair_type": "dry"},
        gtin=True,
    ),
    Item(
        "cospack",
        "CP-SCALER-150",
        "haircare",
        tr(
            "두피 스케일러",
            "Scalp Scaler",
            "头皮去角质啫喱",
            "スカルプスケーラー",
            "Exfoliante para el cuero cabelludo",
        ),
        tr(
            "샴푸 전에 바르는 젤로, 살리실산이 두피 각질과 묵은 피지를 부드럽게 풀어 줍니다.",
            "A pre-shampoo gel in which salicylic acid gently loosens flakes and built-up oil on the scalp.",
            "洗发前使用的啫喱，水杨酸温和软化头皮角质与陈旧油脂。",
            "シャンプー前に使うジェルで、サリチル酸が頭皮の角質と古い皮脂をやさしくゆるめます。",
            "Un gel para antes del champú con ácido salicílico, que afloja suavemente la descamación y la grasa "
            "acumulada del cuero cabelludo.",
        ),
        ("0.220", "6", "5", "15"),
        price=17000,
        attributes={"volume_ml": 150, "hair_type": "all"},
        locales=("ko", "en", "zh-hans", "ja"),
    ),
    # Hanbang Miin: herbal (hanbang) cosmetics.
    Item(
        "hanbang-miin",
        "HM-CREAM-GINSENG-50",
        "skincare",
        tr(
            "홍삼 탄력 크림",
            "Red Ginseng Firming Cream",
            "红参紧致面霜",
            "紅参 ハリクリーム",
            "Crema reafirmante de ginseng rojo",
        ),
        tr(
            "6년근 금산 홍삼 추출물이 탄력을 잃은 피부에 힘을 더합니다.",
            "Extract of six-year-old Geumsan red ginseng restores bounce to skin that has lost its firmness.",
            "锦山六年根红参提取物为失去弹性的肌肤注入活力。",
            "錦山（クムサン）産6年根紅参エキスが、ハリを失った肌を引き締めます。",
            "El extracto de ginseng rojo de Geumsan de seis años devuelve la firmeza a la piel que la ha perdido.",
        ),
        ("0.250", "8", "8", "8"),
        price=48000,
        usd="36.00",
        jpy=5200,
        terms=Terms(120, 24, 30, "paid", ("FOB", "CIF"), ((120, 26000), (480, 23500), (1440, 21000))),
        attributes={"volume_ml": 50, "skin_type": "dry"},
        gtin=True,
    ),
    Item(
        "hanbang-miin",
        "HM-SERUM-LICORICE-30",
        "skincare",
        tr(
            "감초 진정 세럼",
            "Licorice Root Calming Serum",
            "甘草舒缓精华",
            "甘草 カーミングセラム",
            "Sérum calmante de raíz de regaliz",
        ),
        tr(
            "동의보감에 실린 감초와 당귀 추출물을 배합해 예민해진 피부를 편안하게 합니다.",
            "Licorice root and angelica, both recorded in the classic Dongui Bogam, settle irritated skin.",
            "配合《东医宝鉴》中记载的甘草与当归提取物，安抚敏感不适的肌肤。",
            "『東医宝鑑』にも記された甘草と当帰のエキスを配合し、敏感に傾いた肌を落ち着かせます。",
            "El regaliz y la angélica, recogidos en el clásico Dongui Bogam, calman la piel irritada.",
        ),
        ("0.120", "5", "5", "13"),
        price=36000,
        usd="27.00",
        attributes={"volume_ml": 30, "skin_type": "sensitive"},
    ),
    Item(
        "hanbang-miin",
        "HM-SHAMPOO-HERB-400",
        "haircare",
        tr(
            "어성초 한방 샴푸",
            "Houttuynia Herbal Shampoo",
            "鱼腥草草本洗发水",
            "ドクダミ 韓方シャンプー",
            "Champú de hierbas con houttuynia",
        ),
        tr(
            "어성초, 측백엽, 하수오 추출물이 가늘어지는 모발과 두피를 건강하게 가꿉니다.",
            "Houttuynia, oriental arborvitae leaf and fo-ti root extracts care for thinning hair and the scalp.",
            "鱼腥草、侧柏叶与何首乌提取物，养护日渐稀疏的头发与头皮。",
            "ドクダミ、側柏葉、何首烏のエキスが、細くなりがちな髪と頭皮をすこやかに保ちます。",
            "Los extractos de houttuynia, hoja de tuya oriental y raíz de fo-ti cuidan el cabello que se debilita y "
            "el cuero cabelludo.",
        ),
        ("0.500", "7", "7", "21"),
        price=26000,
        usd="20.00",
        jpy=2800,
        hs_code="330510",
        attributes={"volume_ml": 400, "hair_type": "thinning"},
        gtin=True,
    ),
    Item(
        "hanbang-miin",
        "HM-MASK-HERB-10",
        "sheet-mask",
        tr(
            "한방 진정 마스크",
            "Hanbang Herbal Sheet Mask",
            "韩方草本面膜",
            "韓方 シートマスク",
            "Mascarilla de tela de hierbas hanbang",
        ),
        tr(
            "인삼, 당귀, 감초 세 가지 한방 추출물이 지친 피부에 생기를 불어넣습니다.",
            "Ginseng, angelica and licorice extracts wake up tired skin.",
            "人参、当归、甘草三种韩方提取物，唤醒疲惫肌肤的活力。",
            "高麗人参・当帰・甘草の3つの韓方エキスが、疲れた肌を生き生きと整えます。",
            "Los extractos de ginseng, angélica y regaliz despiertan la piel cansada.",
        ),
        ("0.330", "20", "14", "4"),
        # B2B terms without price tiers yet: the completeness report asks for them.
        terms=Terms(500, 100, 21, "paid", ("FOB",), ()),
        attributes={"sheets_per_pack": 10, "skin_type": "all"},
        plan="draft",
        gap="tiers",
    ),
    # Jeju Tangerine Orchard: outside any active brand (Jeju Green Table is still forming).
    Item(
        "jeju-tangerine",
        "JT-MARMALADE-280",
        "preserve",
        tr(
            "제주 감귤 마멀레이드",
            "Jeju Tangerine Marmalade",
            "济州柑橘果酱",
            "済州みかんマーマレード",
            "Mermelada de mandarina de Jeju",
        ),
        tr(
            "껍질을 가늘게 채 썰어 넣어 쌉쌀한 향과 새콤달콤한 맛이 어우러집니다.",
            "Finely shredded peel gives a bittersweet aroma to the sweet-sour fruit.",
            "加入细切的果皮丝，微苦的清香与酸甜果味相得益彰。",
            "細く刻んだ皮を加え、ほろ苦い香りと甘酸っぱさが調和しています。",
            "La piel cortada en tiras finas aporta un aroma amargo y dulce a la fruta agridulce.",
        ),
        ("0.500", "8", "8", "11"),
        price=12000,
        usd="9.50",
        jpy=1300,
        material="Jeju tangerine, cane sugar",
        attributes={"net_weight_g": 280, "sugar_free": False},
        gtin=True,
    ),
    Item(
        "jeju-tangerine",
        "JT-HALLABONG-300",
        "preserve",
        tr("한라봉 잼", "Hallabong Jam", "汉拿峰果酱", "ハルラボンジャム", "Mermelada de hallabong"),
        tr(
            "한라봉 과육을 큼직하게 남겨 빵이나 요거트에 곁들이기 좋습니다.",
            "Chunky pieces of hallabong fruit, lovely on toast or yoghurt.",
            "保留大块汉拿峰果肉，搭配面包或酸奶都很合适。",
            "ハルラボンの果肉を大きく残してあり、パンやヨーグルトによく合います。",
            "Con trozos grandes de hallabong, deliciosa sobre tostadas o yogur.",
        ),
        ("0.520", "8", "8", "11"),
        price=14000,
        terms=Terms(120, 12, 20, "free", ("FOB", "EXW"), ((120, 8500), (600, 7700), (2400, 7000))),
        material="Hallabong mandarin, cane sugar, pectin",
        attributes={"net_weight_g": 300},
        locales=("ko", "en", "zh-hans", "ja"),
    ),
    Item(
        "jeju-tangerine",
        "JT-CHIPS-40",
        "preserve",
        tr("감귤 칩", "Dried Tangerine Chips", "柑橘脆片", "みかんチップス", "Chips de mandarina deshidratada"),
        tr(
            "바삭한 식감 그대로 간식으로 먹거나 따뜻한 차에 띄워 드세요.",
            "Crisp enough to snack on, or float a slice in hot tea.",
            "口感酥脆，可直接当零食，也可放入热茶中。",
            "サクッとした食感をそのままおやつに、また温かいお茶に浮かべても。",
            "Crujientes para picar, o para dejar flotar una rodaja en un té caliente.",
        ),
        ("0.060", "15", "4", "22"),
        price=6500,
        usd="5.00",
        jpy=700,
        hs_code="200830",
        material="Jeju tangerine",
        about=tr(
            "제주 감귤을 얇게 썰어 낮은 온도에서 천천히 말렸으며, 설탕을 넣지 않았습니다. 개봉한 뒤에는 지퍼를 닫아 "
            "습기를 피해 보관하세요.",
            "Thin slices of Jeju tangerine, slowly dried at a low temperature with no added sugar. Reseal the pouch "
            "after opening and keep it dry.",
            "将济州柑橘切成薄片低温慢烘，不添加糖。开封后请封好拉链袋，防潮保存。",
            "済州みかんを薄く切って低温でじっくり乾燥させ、砂糖は加えていません。開封後はジッパーを閉め、湿気を避けて保存してください。",
            "Rodajas finas de mandarina de Jeju secadas lentamente a baja temperatura, sin azúcar añadido. Tras "
            "abrirla, cierre bien la bolsa y guárdela en un lugar seco.",
        ),
        attributes={"net_weight_g": 40, "sugar_free": True},
        gtin=True,
    ),
    Item(
        "jeju-tangerine",
        "JT-TEA-GREEN-50",
        "tea",
        tr("감귤 녹차", "Tangerine Green Tea", "柑橘绿茶", "みかん緑茶", "Té verde con mandarina"),
        tr(
            "덖은 녹차에 말린 감귤 껍질을 더해 상큼한 향이 은은하게 퍼집니다.",
            "Pan-fired green tea blended with dried tangerine peel for a bright, gentle citrus note.",
            "在炒青绿茶中加入干柑橘皮，散发清新柔和的柑橘香。",
            "釜炒り緑茶に乾燥みかんの皮を合わせ、さわやかな香りがふんわりと広がります。",
            "Té verde tostado mezclado con piel de mandarina seca para una nota cítrica viva y suave.",
        ),
        ("0.150", "8", "8", "12"),
        price=15000,
        usd="11.50",
        material="Green tea leaves, dried tangerine peel",
        attributes={"net_weight_g": 50},
    ),
    # Halla Tea House.
    Item(
        "halla-tea",
        "HT-SEJAK-80",
        "tea",
        tr(
            "제주 세작 녹차",
            "Jeju Sejak Green Tea",
            "济州细雀绿茶",
            "済州 細雀（セジャク）緑茶",
            "Té verde sejak de Jeju",
        ),
        tr(
            "입하 무렵 어린 잎만 골라 딴 세작으로, 고소한 향과 맑은 단맛이 납니다.",
            "Sejak is picked around early May from young leaves only, and brews nutty and clean-sweet.",
            "细雀茶于立夏前后只采嫩叶制成，香气带坚果味，回甘清甜。",
            "立夏のころに若葉だけを摘んだ細雀で、香ばしい香りと澄んだ甘みがあります。",
            "El sejak se recoge hacia principios de mayo, solo con hojas jóvenes, y da una infusión con aroma a fruto "
            "seco y un dulzor limpio.",
        ),
        ("0.200", "9", "9", "14"),
        price=28000,
        usd="21.00",
        jpy=3000,
        terms=Terms(100, 20, 15, "free", ("FOB", "CIF", "EXW"), ((100, 18000), (500, 16500), (2000, 15000))),
        attributes={"net_weight_g": 80, "grade": "sejak"},
        gtin=True,
    ),
    Item(
        "halla-tea",
        "HT-MATCHA-30",
        "tea",
        tr("제주 말차", "Jeju Matcha", "济州抹茶", "済州 抹茶", "Matcha de Jeju"),
        tr(
            "수확 전 3주간 햇빛을 가려 기른 잎을 돌절구로 곱게 갈아, 선명한 초록빛과 부드러운 감칠맛이 납니다.",
            "Leaves shaded for three weeks before harvest are stone-ground to a vivid green powder with a smooth, "
            "savoury depth.",
            "采摘前遮光三周培育的茶叶经石磨细细研磨，色泽鲜绿，滋味柔和鲜爽。",
            "摘採前に3週間覆いをかけて育てた茶葉を石臼で挽き、鮮やかな緑色とまろやかなうま味に仕上げました。",
            "Hojas cultivadas a la sombra durante tres semanas antes de la cosecha y molidas a la piedra hasta "
            "obtener un polvo verde intenso de sabor suave y profundo.",
        ),
        ("0.100", "8", "8", "9"),
        price=32000,
        usd="24.00",
        jpy=3400,
        material="Powdered green tea (Camellia sinensis)",
        about=tr(
            "제주 화산토에서 자란 찻잎으로 만들었습니다. "
            "70~80도의 물 70ml에 2g을 넣고 차선으로 거품이 일도록 저어 드세요.",
            "Grown in Jeju's volcanic soil. Whisk 2 g into 70 ml of water at 70 to 80 °C until frothy.",
            "茶叶生长于济州火山土壤。取2克加入70毫升70至80°C的热水，用茶筅搅打至起泡即可。",
            "済州の火山土壌で育った茶葉を使っています。70〜80℃のお湯70mLに2gを入れ、茶筅で泡立ててお召し上がりください。",
            "Cultivado en el suelo volcánico de Jeju. Bata 2 g en 70 ml de agua a 70-80 °C hasta que haga espuma.",
        ),
        attributes={"net_weight_g": 30},
        locales=("ko", "en", "zh-hans", "ja"),
    ),
    Item(
        "halla-tea",
        "HT-HWANGCHA-50",
        "tea",
        tr(
            "제주 황차",
            "Jeju Hwangcha Fermented Tea",
            "济州黄茶",
            "済州 黄茶（ファンチャ）",
            "Té fermentado hwangcha de Jeju",
        ),
        tr(
            "찻잎을 가볍게 발효시켜 호박빛 찻물과 꿀 같은 단향이 납니다.",
            "Lightly fermented leaves give an amber cup with a honeyed sweetness.",
            "茶叶经轻度发酵，汤色琥珀，带有蜂蜜般的甜香。",
            "茶葉を軽く発酵させており、琥珀色の水色と蜜のような甘い香りが楽しめます。",
            "Las hojas ligeramente fermentadas dan una infusión ambarina con un dulzor que recuerda a la miel.",
        ),
        ("0.150", "8", "8", "12"),
        price=26000,
        material="Partly fermented tea leaves (Camellia sinensis)",
        about=tr(
            "제주 화산토에서 자란 찻잎으로 만들었습니다. 90도 정도의 물에 2분 우려 드세요.",
            "Grown in Jeju's volcanic soil. Steep in water at about 90 °C for two minutes.",
            "茶叶生长于济州火山土壤。用约90°C的水冲泡2分钟。",
            "済州の火山土壌で育った茶葉を使っています。90℃ほどのお湯で2分蒸らしてください。",
            "Cultivado en el suelo volcánico de Jeju. Infusione en agua a unos 90 °C durante dos minutos.",
        ),
        attributes={"net_weight_g": 50},
        locales=("ko", "en", "ja"),
        plan="draft",
        gap="hs_code",  # partly fermented tea is 0902.30, not the kind's 0902.10: still to be checked
    ),
    # Oreum Foods (applying to Jeju Green Table).
    Item(
        "oreum-foods",
        "OF-YUJA-580",
        "preserve",
        tr("꿀 유자차", "Honey Yuja Citron Tea", "蜂蜜柚子茶", "はちみつゆず茶", "Té de cidra yuja con miel"),
        tr(
            "껍질째 채 썬 유자를 꿀에 재운 청으로, 뜨거운 물 한 잔에 두 숟가락을 타서 드세요.",
            "Shredded whole yuja steeped in honey: stir two spoonfuls into a cup of hot water.",
            "将整颗柚子连皮切丝用蜂蜜腌渍而成，取两勺用热水冲调即可。",
            "皮ごと刻んだゆずをはちみつに漬け込んでいます。お湯一杯にスプーン2杯を溶かしてお召し上がりください。",
            "Yuja entera cortada en tiras y macerada en miel: disuelva dos cucharadas en una taza de agua caliente.",
        ),
        ("0.950", "9", "9", "14"),
        price=16000,
        usd="12.50",
        jpy=1800,
        material="Yuja (citron), honey, sugar",
        attributes={"net_weight_g": 580},
        gtin=True,
    ),
    Item(
        "oreum-foods",
        "OF-OMIJA-500",
        "preserve",
        tr("오미자청", "Omija Berry Syrup", "五味子果浆", "五味子（オミジャ）シロップ", "Jarabe de bayas de omija"),
        tr(
            "단맛, 신맛, 쓴맛, 짠맛, 매운맛을 모두 지닌 오미자를 설탕에 숙성해, "
            "찬물이나 탄산수에 타면 여름 음료가 됩니다.",
            "Omija, the 'five-flavour berry' (sweet, sour, bitter, salty and pungent), matured in sugar: top up with "
            "cold or sparkling water for a summer drink.",
            "兼具甜、酸、苦、咸、辛五种滋味的五味子经糖渍熟成，兑冷水或苏打水即成夏日饮品。",
            "甘・酸・苦・塩・辛の五つの味をもつ五味子を砂糖で熟成させました。冷水や炭酸水で割れば夏の飲み物になります。",
            "La omija, la «baya de los cinco sabores» (dulce, ácida, amarga, salada y picante), madurada en azúcar: "
            "añada agua fría o con gas para una bebida de verano.",
        ),
        ("0.850", "8", "8", "20"),
        terms=Terms(60, 12, 25, "paid", ("EXW", "FOB"), ((60, 9800), (300, 8900), (1200, 8000))),
        hs_code="200899",
        material="Omija berries (Schisandra chinensis), sugar",
        attributes={"net_weight_g": 500},
    ),
]

# GS1 Korea company prefixes (880 + four digits) for the demo GTINs.
GTIN_PREFIXES = {
    "hanji-living": "8801201",
    "icheon-ceramics": "8801202",
    "jeonju-hanji": "8801203",
    "damyang-bamboo": "8801204",
    "andong-hemp": "8801205",
    "tongyeong-najeon": "8801206",
    "seoul-beauty": "8802301",
    "green-cosmetic": "8802302",
    "maskpack-korea": "8802303",
    "cospack": "8802304",
    "hanbang-miin": "8802305",
    "jeju-tangerine": "8803401",
    "halla-tea": "8803402",
    "oreum-foods": "8803403",
}


def gtin_for(company: str, number: int, variant: int) -> str:
    body = f"{GTIN_PREFIXES[company]}{number:03d}{variant:02d}"
    return body + ean.calc_check_digit(body)


def variants_of(item: Item) -> tuple[tuple[str, dict], ...]:
    return item.variants or ((item.sku, {}),)


def translations(item: Item) -> dict[str, dict[str, str]]:
    kind = KINDS[item.kind]
    about = item.about or kind.about
    texts = {}
    for locale in item.locales:
        title = kind.title[locale].format(name=item.name[locale], **item.attributes)
        detail = item.detail[locale]
        description = SENTENCE_JOIN.get(locale, " ").join([detail, about[locale]]) if detail else ""
        texts[locale] = {"title": title, "description": description}
    return texts
