"""Organization-name building blocks per locale: stems, industries, legal forms and branch words.

Templates use ``{stem}``, ``{industry}`` and ``{branch}`` so that word order follows the language
("Công ty TNHH Thương mại Hoàng Long" vs. "Hoang Long Trading Co., Ltd."). Sister companies share
stem and industry and differ in legal form or branch word — exactly what fools a name-only matcher.
"""

from __future__ import annotations

from typing import NamedTuple

from sources.generator import name_tails
from sources.generator.names import Name, table


class LegalForm(NamedTuple):
    native: str  # template, e.g. "บริษัท {stem}{industry}{branch} จำกัด"
    latin: str  # template in the locale's English/Latin rendering


class CompanyParts(NamedTuple):
    stems: tuple[Name, ...]
    industries: tuple[Name, ...]
    branches: tuple[Name, ...]
    forms: tuple[LegalForm, ...]
    tld: str
    #: Rarer stems drawn half of the time (see :mod:`.name_tails`): family names, recombined words.
    stem_tail: tuple[Name, ...] = ()


def forms(*pairs: tuple[str, str]) -> tuple[LegalForm, ...]:
    return tuple(LegalForm(*p) for p in pairs)


_SPACED = "{stem} {industry}{branch}"

DE = CompanyParts(
    stems=table("Nordwind\nRheintal\nAlpenblick\nHanse\nSonnenberg\nElbufer\nSchwarzwald\nKaiser"),
    industries=table("Logistik\nMaschinenbau\nElektrotechnik\nSoftware\nHandel\nImmobilien\nBau"),
    branches=table("Süd\nNord\nServices\nHolding\nOst"),
    forms=forms(
        (_SPACED + " GmbH", _SPACED + " GmbH"),
        (_SPACED + " AG", _SPACED + " AG"),
        (_SPACED + " GmbH & Co. KG", _SPACED + " GmbH & Co. KG"),
        (_SPACED + " UG (haftungsbeschränkt)", _SPACED + " UG (haftungsbeschraenkt)"),
    ),
    tld="de",
    stem_tail=name_tails.DE_FAMILY,
)
GB = CompanyParts(
    stems=table("Northbridge\nRedwood\nKingsley\nBlackfriars\nThames Valley\nPennine\nCastlegate"),
    industries=table("Consulting\nSystems\nFoods\nEngineering\nProperties\nLogistics\nTrading"),
    branches=table("Holdings\nServices\nNorth\nScotland"),
    forms=forms(
        (_SPACED + " Ltd", _SPACED + " Ltd"),
        (_SPACED + " Limited", _SPACED + " Limited"),
        (_SPACED + " PLC", _SPACED + " PLC"),
        (_SPACED + " LLP", _SPACED + " LLP"),
    ),
    tld="co.uk",
    stem_tail=name_tails.EN_FAMILY,
)
US = CompanyParts(
    stems=table("Blue Ridge\nSummit\nHarbor\nPinecrest\nGolden Gate\nLakeshore\nFrontier"),
    industries=table("Analytics\nFoods\nPartners\nSupply\nMedical\nSoftware\nFreight"),
    branches=table("Holdings\nWest\nInternational\nServices"),
    forms=forms(
        (_SPACED + ", Inc.", _SPACED + ", Inc."),
        (_SPACED + " Inc.", _SPACED + " Inc."),
        (_SPACED + " LLC", _SPACED + " LLC"),
        (_SPACED + " Corp.", _SPACED + " Corp."),
    ),
    tld="com",
    stem_tail=name_tails.EN_FAMILY,
)
TH = CompanyParts(
    stems=table(
        "สยาม|Siam\nกรุงเทพ|Bangkok\nไทยรุ่งเรือง|Thai Rungrueang\nเชียงใหม่|Chiang Mai\nอันดามัน|Andaman"
        "\nศรีอยุธยา|Si Ayutthaya\nเจ้าพระยา|Chao Phraya"
    ),
    industries=table("เทรดดิ้ง|Trading\nฟู้ด|Food\nสตีล|Steel\nโลจิสติกส์|Logistics\nทัวร์|Tour\nการช่าง|Engineering"),
    branches=table("โฮลดิ้ง|Holding\nเซอร์วิส|Service\nอินเตอร์|Inter"),
    forms=forms(
        ("บริษัท {stem}{industry}{branch} จำกัด", "{stem} {industry}{branch} Co., Ltd."),
        ("บริษัท {stem}{industry}{branch} จำกัด (มหาชน)", "{stem} {industry}{branch} Public Company Limited"),
        ("ห้างหุ้นส่วนจำกัด {stem}{industry}{branch}", "{stem} {industry}{branch} Limited Partnership"),
    ),
    tld="co.th",
    stem_tail=name_tails.TH_FAMILY,
)
VI = CompanyParts(
    stems=table("Hoàng Long\nMinh Phát\nSài Gòn Xanh\nPhương Nam\nThành Công\nĐại Việt\nAn Khang"),
    industries=table(
        "Thương mại|Trading\nXây dựng|Construction\nCông nghệ|Technology\nVận tải|Transport\nThực phẩm|Food"
    ),
    branches=table("Miền Nam|Southern\nHà Nội|Ha Noi\nQuốc tế|International"),
    forms=forms(
        ("Công ty TNHH {industry} {stem}{branch}", "{stem} {industry}{branch} Co., Ltd."),
        ("Công ty Cổ phần {industry} {stem}{branch}", "{stem} {industry}{branch} JSC"),
        ("Công ty TNHH MTV {industry} {stem}{branch}", "{stem} {industry}{branch} One Member Co., Ltd."),
    ),
    tld="com.vn",
    stem_tail=name_tails.VI_STEMS,
)
_TW_STEMS = table(
    "永盛|Yung Sheng\n長興|Chang Hsing\n東昇|Tung Sheng\n瑞豐|Jui Feng\n泰和|Tai Ho\n華美|Hua Mei"
    "\n新達|Hsin Ta"
)
TW = CompanyParts(
    stems=_TW_STEMS,
    industries=table(
        "貿易|Trading\n科技|Technology\n電子|Electronics\n建設|Construction\n食品|Foods\n物流|Logistics"
    ),
    branches=table("控股|Holdings\n國際|International\n精密|Precision"),
    forms=forms(
        ("{stem}{industry}{branch}有限公司", "{stem} {industry}{branch} Co., Ltd."),
        ("{stem}{industry}{branch}股份有限公司", "{stem} {industry}{branch} Corporation"),
    ),
    tld="com.tw",
    stem_tail=name_tails.chinese_stems(_TW_STEMS),
)
HK = CompanyParts(
    stems=TW.stems,
    industries=TW.industries,
    branches=TW.branches,
    forms=forms(
        ("{stem}{industry}{branch}有限公司", "{stem} {industry}{branch} Limited"),
        ("{stem}{industry}{branch}集團有限公司", "{stem} {industry}{branch} Group Limited"),
    ),
    tld="com.hk",
    stem_tail=TW.stem_tail,
)
FA = CompanyParts(
    stems=table("پارس|Pars\nآریا|Aria\nالبرز|Alborz\nسپاهان|Sepahan\nکاوه|Kaveh\nنوین|Novin\nزاگرس|Zagros"),
    industries=table("صنعت|Sanat\nتجارت|Tejarat\nفناوری|Fanavari\nساختمان|Sakhteman\nپخش|Pakhsh"),
    branches=table("بین‌الملل|International\nشرق|East\nخاورمیانه|Middle East"),
    forms=forms(
        ("شرکت {stem} {industry}{branch} (سهامی خاص)", "{stem} {industry}{branch} Co. (PJS)"),
        ("شرکت {stem} {industry}{branch} (با مسئولیت محدود)", "{stem} {industry}{branch} LLC"),
        ("شرکت {stem} {industry}{branch} (سهامی عام)", "{stem} {industry}{branch} Public JSC"),
    ),
    tld="ir",
    stem_tail=name_tails.FA_STEMS,
)
BG = CompanyParts(
    stems=table(
        "Балкан|Balkan\nВитоша|Vitosha\nТракия|Trakia\nРодопи|Rodopi\nЧерноморие|Chernomorie"
        "\nДунав|Dunav\nПирин|Pirin"
    ),
    industries=table("Трейд|Trade\nСтрой|Stroy\nАгро|Agro\nСофт|Soft\nЛогистик|Logistik\nИнвест|Invest"),
    branches=table("Холдинг|Holding\nСървис|Service\nЮг|Yug"),
    forms=forms(
        (_SPACED + " ООД", _SPACED + " OOD"),
        (_SPACED + " ЕООД", _SPACED + " EOOD"),
        (_SPACED + " АД", _SPACED + " AD"),
        ("„{stem} {industry}{branch}“ ЕАД", _SPACED + " EAD"),
    ),
    tld="bg",
    stem_tail=name_tails.BG_FAMILY,
)
