"""Per-locale streets, cities, postal codes and phone-number plans.

Phone plans are prefixes of the national significant number whose every completion is a *valid*
number for ``phonenumbers`` in that country (checked by the tests), so generated numbers look real
and parse, without calling ``phonenumbers`` a million times.
"""

from __future__ import annotations

from typing import NamedTuple


class Street(NamedTuple):
    native: str
    latin: str  # spelled out, ASCII where the locale allows it ("Hauptstrasse", "Sukhumvit Road")
    abbrev: str  # how abbreviating exports write it ("Hauptstr.", "Sukhumvit Rd.")


class PhonePlan(NamedTuple):
    prefix: str  # leading digits of the national significant number
    rest: int  # random digits that follow
    groups: tuple[int, ...]  # how people split the national significant number when writing it


class City(NamedTuple):
    native: str
    latin: str
    postal: tuple[str, ...]  # postal-code prefixes (see postal_digits); empty = no postal codes
    landline: PhonePlan


def streets(text: str) -> tuple[Street, ...]:
    return tuple(Street(*(c.strip() for c in line.split("|"))) for line in text.strip().splitlines())


def _p(prefix: str, rest: int, *groups: int) -> PhonePlan:
    return PhonePlan(prefix, rest, groups)


DE_STREETS = streets("""
Hauptstraße|Hauptstrasse|Hauptstr.
Bahnhofstraße|Bahnhofstrasse|Bahnhofstr.
Schillerstraße|Schillerstrasse|Schillerstr.
Goethestraße|Goethestrasse|Goethestr.
Gartenweg|Gartenweg|Gartenweg
Lindenallee|Lindenallee|Lindenallee
Berliner Straße|Berliner Strasse|Berliner Str.
Mühlenweg|Muehlenweg|Muehlenweg
Friedrich-Ebert-Straße|Friedrich-Ebert-Strasse|Friedrich-Ebert-Str.
Königsallee|Koenigsallee|Koenigsallee
""")
DE_CITIES = (
    City("Berlin", "Berlin", ("10", "12", "13"), _p("30", 8, 2, 8)),
    City("München", "Muenchen", ("80", "81"), _p("89", 8, 2, 8)),
    City("Hamburg", "Hamburg", ("20", "22"), _p("40", 8, 2, 8)),
    City("Köln", "Koeln", ("50", "51"), _p("221", 7, 3, 7)),
    City("Frankfurt am Main", "Frankfurt am Main", ("60",), _p("69", 8, 2, 8)),
    City("Stuttgart", "Stuttgart", ("70",), _p("711", 7, 3, 7)),
    City("Leipzig", "Leipzig", ("04",), _p("341", 7, 3, 7)),
    City("Dresden", "Dresden", ("01",), _p("351", 7, 3, 7)),
)
DE_MOBILE = (
    _p("151", 8, 3, 8),
    _p("160", 7, 3, 7),
    _p("170", 7, 3, 7),
    _p("176", 8, 3, 8),
    _p("171", 7, 3, 7),
)

GB_STREETS = streets("""
High Street|High Street|High St
Station Road|Station Road|Station Rd
Church Lane|Church Lane|Church Ln
Victoria Road|Victoria Road|Victoria Rd
Park Avenue|Park Avenue|Park Ave
Queens Road|Queens Road|Queens Rd
Mill Lane|Mill Lane|Mill Ln
Kingsway|Kingsway|Kingsway
Manor Road|Manor Road|Manor Rd
""")
GB_CITIES = (
    City("London", "London", ("SW1A", "E1", "N1", "W1D", "SE1", "NW3"), _p("207", 7, 2, 4, 4)),
    City("London", "London", ("EC1V", "E14", "W2", "SW11"), _p("208", 7, 2, 4, 4)),
    City("Manchester", "Manchester", ("M1", "M4", "M20"), _p("1612", 6, 3, 3, 4)),
    City("Birmingham", "Birmingham", ("B1", "B15", "B29"), _p("1214", 6, 3, 3, 4)),
    City("Leeds", "Leeds", ("LS1", "LS6"), _p("1132", 6, 3, 3, 4)),
    City("Edinburgh", "Edinburgh", ("EH1", "EH8"), _p("1314", 6, 3, 3, 4)),
    City("Bristol", "Bristol", ("BS1", "BS8"), _p("1179", 6, 3, 3, 4)),
)
GB_MOBILE = (
    _p("7400", 6, 4, 6),
    _p("7817", 6, 4, 6),
    _p("7723", 6, 4, 6),
    _p("7958", 6, 4, 6),
    _p("7412", 6, 4, 6),
)

US_STREETS = streets("""
Main Street|Main Street|Main St
Oak Avenue|Oak Avenue|Oak Ave
Maple Drive|Maple Drive|Maple Dr
Elm Street|Elm Street|Elm St
Washington Boulevard|Washington Boulevard|Washington Blvd
Lake Road|Lake Road|Lake Rd
Park Place|Park Place|Park Pl
Sunset Boulevard|Sunset Boulevard|Sunset Blvd
""")
US_CITIES = (
    City("New York", "New York", ("100", "101"), _p("212", 7, 3, 3, 4)),
    City("New York", "New York", ("112",), _p("718", 7, 3, 3, 4)),
    City("Los Angeles", "Los Angeles", ("900",), _p("213", 7, 3, 3, 4)),
    City("Chicago", "Chicago", ("606",), _p("312", 7, 3, 3, 4)),
    City("Houston", "Houston", ("770",), _p("713", 7, 3, 3, 4)),
    City("Seattle", "Seattle", ("981",), _p("206", 7, 3, 3, 4)),
    City("San Francisco", "San Francisco", ("941",), _p("415", 7, 3, 3, 4)),
    City("Boston", "Boston", ("021",), _p("617", 7, 3, 3, 4)),
)
US_MOBILE = (_p("646", 7, 3, 3, 4), _p("310", 7, 3, 3, 4), _p("773", 7, 3, 3, 4), _p("415", 7, 3, 3, 4))

TH_STREETS = streets("""
ถนนสุขุมวิท|Sukhumvit Road|Sukhumvit Rd.
ถนนพหลโยธิน|Phahonyothin Road|Phahonyothin Rd.
ถนนรัชดาภิเษก|Ratchadaphisek Road|Ratchadaphisek Rd.
ถนนสีลม|Silom Road|Silom Rd.
ถนนเพชรบุรี|Phetchaburi Road|Phetchaburi Rd.
ถนนนิมมานเหมินท์|Nimmanhaemin Road|Nimmanhaemin Rd.
ถนนพระราม 4|Rama IV Road|Rama 4 Rd.
ถนนลาดพร้าว|Lat Phrao Road|Ladprao Rd.
""")
TH_CITIES = (
    City(
        "กรุงเทพมหานคร", "Bangkok", ("10110", "10120", "10330", "10400", "10500", "10900"), _p("2", 7, 1, 3, 4)
    ),
    City("เชียงใหม่", "Chiang Mai", ("50000", "50200", "50300"), _p("53", 6, 2, 3, 3)),
    City("ภูเก็ต", "Phuket", ("83000", "83100"), _p("76", 6, 2, 3, 3)),
    City("ขอนแก่น", "Khon Kaen", ("40000", "40002"), _p("43", 6, 2, 3, 3)),
    City("นนทบุรี", "Nonthaburi", ("11000", "11120"), _p("2", 7, 1, 3, 4)),
)
TH_MOBILE = (
    _p("81", 7, 2, 3, 4),
    _p("86", 7, 2, 3, 4),
    _p("89", 7, 2, 3, 4),
    _p("91", 7, 2, 3, 4),
    _p("62", 7, 2, 3, 4),
    _p("95", 7, 2, 3, 4),
)

VI_STREETS = streets("""
Lê Lợi|Le Loi Street|Le Loi St.
Nguyễn Huệ|Nguyen Hue Street|Nguyen Hue St.
Trần Hưng Đạo|Tran Hung Dao Street|Tran Hung Dao St.
Hai Bà Trưng|Hai Ba Trung Street|Hai Ba Trung St.
Điện Biên Phủ|Dien Bien Phu Street|Dien Bien Phu St.
Lý Thường Kiệt|Ly Thuong Kiet Street|Ly Thuong Kiet St.
Hoàng Diệu|Hoang Dieu Street|Hoang Dieu St.
Pasteur|Pasteur Street|Pasteur St.
""")
VI_CITIES = (
    City("Hà Nội", "Ha Noi", ("10", "11", "12"), _p("243", 7, 2, 4, 4)),
    City("Thành phố Hồ Chí Minh", "Ho Chi Minh City", ("70", "71", "72"), _p("283", 7, 2, 4, 4)),
    City("Đà Nẵng", "Da Nang", ("50",), _p("236", 7, 3, 3, 4)),
    City("Hải Phòng", "Hai Phong", ("04", "05"), _p("225", 7, 3, 3, 4)),
    City("Cần Thơ", "Can Tho", ("94",), _p("292", 7, 3, 3, 4)),
)
VI_MOBILE = (
    _p("90", 7, 2, 3, 4),
    _p("91", 7, 2, 3, 4),
    _p("98", 7, 2, 3, 4),
    _p("97", 7, 2, 3, 4),
    _p("35", 7, 2, 3, 4),
    _p("77", 7, 2, 3, 4),
    _p("88", 7, 2, 3, 4),
)

TW_STREETS = streets("""
中山北路|Zhongshan North Road|Zhongshan N. Rd.
中正路|Zhongzheng Road|Zhongzheng Rd.
民生東路|Minsheng East Road|Minsheng E. Rd.
忠孝東路|Zhongxiao East Road|Zhongxiao E. Rd.
信義路|Xinyi Road|Xinyi Rd.
仁愛路|Renai Road|Renai Rd.
復興南路|Fuxing South Road|Fuxing S. Rd.
南京東路|Nanjing East Road|Nanjing E. Rd.
""")
TW_CITIES = (
    City("臺北市", "Taipei City", ("100", "103", "104", "105", "106", "110"), _p("27", 7, 1, 4, 4)),
    City("臺北市", "Taipei City", ("114", "115"), _p("22", 7, 1, 4, 4)),
    City("新北市", "New Taipei City", ("220", "231", "234"), _p("225", 6, 1, 4, 4)),
    City("臺中市", "Taichung City", ("400", "403", "407"), _p("423", 6, 1, 4, 4)),
    City("高雄市", "Kaohsiung City", ("800", "802", "807"), _p("72", 6, 1, 3, 4)),
    City("臺南市", "Tainan City", ("700", "701"), _p("62", 6, 1, 3, 4)),
)
TW_MOBILE = (
    _p("912", 6, 3, 3, 3),
    _p("928", 6, 3, 3, 3),
    _p("933", 6, 3, 3, 3),
    _p("958", 6, 3, 3, 3),
    _p("987", 6, 3, 3, 3),
)

HK_STREETS = streets("""
彌敦道|Nathan Road|Nathan Rd
皇后大道中|Queen's Road Central|Queen's Rd C
軒尼詩道|Hennessy Road|Hennessy Rd
德輔道中|Des Voeux Road Central|Des Voeux Rd C
英皇道|King's Road|King's Rd
窩打老道|Waterloo Road|Waterloo Rd
""")
HK_CITIES = (
    City("中環", "Central", (), _p("25", 6, 4, 4)),
    City("灣仔", "Wan Chai", (), _p("28", 6, 4, 4)),
    City("旺角", "Mong Kok", (), _p("23", 6, 4, 4)),
    City("沙田", "Sha Tin", (), _p("27", 6, 4, 4)),
    City("尖沙咀", "Tsim Sha Tsui", (), _p("21", 6, 4, 4)),
)
HK_MOBILE = (
    _p("61", 6, 4, 4),
    _p("63", 6, 4, 4),
    _p("64", 6, 4, 4),
    _p("94", 6, 4, 4),
    _p("96", 6, 4, 4),
    _p("97", 6, 4, 4),
)

FA_STREETS = streets("""
خیابان ولیعصر|Valiasr Street|Valiasr St.
خیابان انقلاب|Enghelab Street|Enghelab St.
خیابان آزادی|Azadi Street|Azadi St.
خیابان شریعتی|Shariati Street|Shariati St.
بلوار کشاورز|Keshavarz Boulevard|Keshavarz Blvd.
خیابان فردوسی|Ferdowsi Street|Ferdowsi St.
خیابان حافظ|Hafez Street|Hafez St.
""")
FA_CITIES = (
    City("تهران", "Tehran", ("1",), _p("21", 8, 2, 4, 4)),
    City("اصفهان", "Isfahan", ("8",), _p("31", 8, 2, 4, 4)),
    City("شیراز", "Shiraz", ("7",), _p("71", 8, 2, 4, 4)),
    City("مشهد", "Mashhad", ("9",), _p("51", 8, 2, 4, 4)),
    City("تبریز", "Tabriz", ("5",), _p("41", 8, 2, 4, 4)),
)
FA_MOBILE = (
    _p("912", 7, 3, 3, 4),
    _p("935", 7, 3, 3, 4),
    _p("919", 7, 3, 3, 4),
    _p("901", 7, 3, 3, 4),
    _p("921", 7, 3, 3, 4),
)

BG_STREETS = streets("""
ул. Витоша|ulitsa Vitosha|ul. Vitosha
ул. Граф Игнатиев|ulitsa Graf Ignatiev|ul. Graf Ignatiev
ул. Раковски|ulitsa Rakovski|ul. Rakovski
ул. Шипка|ulitsa Shipka|ul. Shipka
ул. Оборище|ulitsa Oborishte|ul. Oborishte
бул. Васил Левски|bulevard Vasil Levski|bul. V. Levski
бул. Христо Ботев|bulevard Hristo Botev|bul. Hr. Botev
бул. България|bulevard Bulgaria|bul. Bulgaria
""")
BG_CITIES = (
    City("София", "Sofia", ("1",), _p("2", 7, 1, 3, 4)),
    City("Пловдив", "Plovdiv", ("40",), _p("32", 6, 2, 3, 3)),
    City("Варна", "Varna", ("90",), _p("52", 6, 2, 3, 3)),
    City("Бургас", "Burgas", ("80",), _p("56", 6, 2, 3, 3)),
    City("Русе", "Ruse", ("70",), _p("82", 6, 2, 3, 3)),
)
BG_MOBILE = (_p("87", 7, 3, 3, 3), _p("88", 7, 3, 3, 3), _p("89", 7, 3, 3, 3), _p("98", 7, 3, 3, 3))
