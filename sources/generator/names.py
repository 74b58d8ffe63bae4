"""Hard-coded personal-name tables per locale: native script plus a correct romanization.

These are each locale's *common* names (a few dozen each): real customer bases repeat them, and the
repetition is what makes namesakes a matching problem. Half of all draws come from them, the other
half from the long tail of :mod:`.name_tails`, so that a million customers do not share a few hundred
names. Each entry is ``Name(native, latin, alts)``
where ``alts`` are other romanizations people really use (pinyin next to Wade-Giles, "Christo" next
to "Hristo", "Rezaee" next to "Rezaei"). Names of scripts that are already Latin keep their
romanization empty here and get it from :func:`sources.generator.text.ascii_fold`.
"""

from __future__ import annotations

from typing import NamedTuple


class Name(NamedTuple):
    native: str
    latin: str
    alts: tuple[str, ...] = ()


def table(text: str) -> tuple[Name, ...]:
    """Parse ``native|latin|alt|alt`` lines (latin may be omitted for Latin-script names)."""
    out = []
    for line in text.strip().splitlines():
        cols = [c.strip() for c in line.split("|")]
        out.append(Name(cols[0], cols[1] if len(cols) > 1 else "", tuple(cols[2:])))
    return tuple(out)


# --- Thai: given name first, family names are long and unique-ish, nicknames are everyday use. ---
TH_GIVEN_M = table("""
สมชาย|Somchai|Somchay
สมศักดิ์|Somsak
วิชัย|Wichai|Vichai
ประเสริฐ|Prasert
กิตติ|Kitti
ธนพล|Thanaphon|Thanapol
อนุชา|Anucha
ณัฐพล|Natthaphon|Nattapol
สุรชัย|Surachai
ชัยวัฒน์|Chaiwat
อรุณ|Arun
บุญมี|Boonmee|Bunmi
ปัญญา|Panya
วีระ|Wira|Veera
""")
TH_GIVEN_F = table("""
สมหญิง|Somying
สุดา|Suda
มาลี|Malee|Mali
นภา|Napha|Napa
วันดี|Wandee|Wandi
พิมพ์ชนก|Phimchanok|Pimchanok
ศิริพร|Siriporn|Siriphon
จันทร์เพ็ญ|Chanpen
กนกวรรณ|Kanokwan
รัตนา|Rattana|Ratana
อัญชลี|Anchalee|Anchali
ปราณี|Pranee
""")
TH_FAMILY = table("""
ใจดี|Jaidee|Chaidi
ศรีสุข|Srisuk|Sisuk
สุขสวัสดิ์|Suksawat|Sooksawat
วงศ์สวัสดิ์|Wongsawat
แสงทอง|Saengthong|Sangthong
ทองดี|Thongdee|Tongdee
บุญมา|Boonma|Bunma
รุ่งเรือง|Rungrueang|Rungruang
ศรีวงศ์|Sriwong
พรหมมา|Promma|Phromma
จันทร์แก้ว|Chankaew|Chankaeo
สายทอง|Saithong
กิตติวงศ์|Kittiwong
ชัยมงคล|Chaimongkol|Chaimongkhon
มณีรัตน์|Maneerat|Manirat
เพชรรัตน์|Phetcharat|Petcharat
นาคสวัสดิ์|Naksawat
อินทร์แก้ว|Inkaew
ปัญญาดี|Panyadee
ทรัพย์สมบูรณ์|Sapsomboon|Supsomboon
""")
TH_NICKNAMES = table("""
นก|Nok
เล็ก|Lek
ปุ้ย|Pui
แบงค์|Bank
บอล|Ball
ต้น|Ton
ฝน|Fon
แอน|Ann
กุ้ง|Kung|Goong
เอ|Ae
""")

# --- Vietnamese: family name first; the given part carries a middle name (Văn for men, Thị for women).
# Latin forms come from ascii_fold ("Nguyễn Văn An" -> "Nguyen Van An"). ---
VI_FAMILY = table("""
Nguyễn
Trần
Lê
Phạm
Hoàng
Huỳnh
Phan
Vũ
Võ
Đặng
Bùi
Đỗ
Hồ
Ngô
Dương
Lý
""")
VI_MIDDLE_M = ("Văn", "Văn", "Văn", "Đức", "Minh", "Quang", "Hữu", "Thanh")
VI_MIDDLE_F = ("Thị", "Thị", "Thị", "Ngọc", "Thanh", "Thu", "Kim", "Bích")
VI_GIVEN_M = table("""
An
Bình
Cường
Dũng
Hùng
Hải
Long
Nam
Phúc
Quân
Sơn
Tuấn
Thắng
Việt
Khoa
Đạt
""")
VI_GIVEN_F = table("""
Hoa
Hương
Lan
Linh
Mai
Ngọc
Nhung
Thảo
Trang
Vy
Yến
Hà
Tâm
Uyên
""")

# --- Chinese (Taiwan / Hong Kong): family name first, no space in native script.
# Columns: native | Taiwanese Wade-Giles | Hanyu pinyin | Cantonese (Hong Kong government style). ---
ZH_FAMILY = table("""
陳|Chen|Chen|Chan
林|Lin|Lin|Lam
黃|Huang|Huang|Wong
張|Chang|Zhang|Cheung
李|Li|Li|Lee
王|Wang|Wang|Wong
吳|Wu|Wu|Ng
劉|Liu|Liu|Lau
蔡|Tsai|Cai|Choi
楊|Yang|Yang|Yeung
許|Hsu|Xu|Hui
鄭|Cheng|Zheng|Cheng
謝|Hsieh|Xie|Tse
郭|Kuo|Guo|Kwok
曾|Tseng|Zeng|Tsang
周|Chou|Zhou|Chow
何|Ho|He|Ho
梁|Liang|Liang|Leung
""")
ZH_GIVEN_M = table("""
志明|Chih-Ming|Zhiming|Chi Ming
家豪|Chia-Hao|Jiahao|Ka Ho
俊傑|Chun-Chieh|Junjie|Chun Kit
建宏|Chien-Hung|Jianhong|Kin Wang
宗翰|Tsung-Han|Zonghan|Chung Hon
冠宇|Kuan-Yu|Guanyu|Kwun Yu
偉強|Wei-Chiang|Weiqiang|Wai Keung
文傑|Wen-Chieh|Wenjie|Man Kit
國華|Kuo-Hua|Guohua|Kwok Wah
志強|Chih-Chiang|Zhiqiang|Chi Keung
明德|Ming-Te|Mingde|Ming Tak
信宏|Hsin-Hung|Xinhong|Shun Wang
""")
ZH_GIVEN_F = table("""
淑芬|Shu-Fen|Shufen|Shuk Fan
美玲|Mei-Ling|Meiling|Mei Ling
雅婷|Ya-Ting|Yating|Nga Ting
怡君|Yi-Chun|Yijun|Yi Kwan
佳穎|Chia-Ying|Jiaying|Kai Wing
詩涵|Shih-Han|Shihan|Sze Ham
嘉欣|Chia-Hsin|Jiaxin|Ka Yan
麗華|Li-Hua|Lihua|Lai Wah
秀英|Hsiu-Ying|Xiuying|Sau Ying
淑惠|Shu-Hui|Shuhui|Shuk Wai
欣怡|Hsin-Yi|Xinyi|Yan Yi
美華|Mei-Hua|Meihua|Mei Wah
""")
#: Western names Taiwanese and Hong Kong customers adopt and type into web shops ("Kevin Chen").
ZH_ENGLISH_M = ("Kevin", "Jason", "Vincent", "Eric", "Michael", "Alex", "Jacky", "Tony", "Peter", "Raymond")
ZH_ENGLISH_F = ("Amy", "Grace", "Cindy", "Tiffany", "Vivian", "Joyce", "Winnie", "Karen", "Irene", "Cherry")

# --- Persian: given name first; common alternative romanizations matter more than typos. ---
FA_GIVEN_M = table("""
محمد|Mohammad|Mohamad|Muhammad
علی|Ali
رضا|Reza
حسین|Hossein|Hosein|Hussein
مهدی|Mehdi|Mahdi
امیر|Amir
حمید|Hamid
سعید|Saeed|Said
مجید|Majid
فرهاد|Farhad
بهرام|Bahram
کوروش|Kourosh|Kurosh
داریوش|Dariush|Daryoush
""")
FA_GIVEN_F = table("""
زهرا|Zahra
فاطمه|Fatemeh|Fatima
مریم|Maryam|Mariam
سارا|Sara|Sarah
نرگس|Narges
لیلا|Leila|Leyla
شیرین|Shirin
پریسا|Parisa
نازنین|Nazanin
مهسا|Mahsa
الهام|Elham
""")
FA_FAMILY = table("""
رضایی|Rezaei|Rezaee|Rezayi
محمدی|Mohammadi|Mohamadi
حسینی|Hosseini|Hoseini
احمدی|Ahmadi
کریمی|Karimi
موسوی|Mousavi|Musavi
جعفری|Jafari|Jaafari
صادقی|Sadeghi|Sadeqi
رحیمی|Rahimi
کاظمی|Kazemi
هاشمی|Hashemi
نوری|Nouri|Noori
قاسمی|Ghasemi|Qasemi
عباسی|Abbasi
ابراهیمی|Ebrahimi|Ibrahimi
تهرانی|Tehrani
شریفی|Sharifi
اکبری|Akbari
یزدانی|Yazdani
نجفی|Najafi
""")

# --- Bulgarian: given name first; family names are gendered (Петров / Петрова), see BG_FEMININE. ---
BG_GIVEN_M = table("""
Иван|Ivan
Георги|Georgi|Georgy
Димитър|Dimitar|Dimiter
Петър|Petar|Peter
Николай|Nikolay|Nikolai
Христо|Hristo|Christo
Стоян|Stoyan|Stojan
Тодор|Todor
Васил|Vasil|Vassil
Александър|Aleksandar|Alexander
Кирил|Kiril|Kyril
Борис|Boris
""")
BG_GIVEN_F = table("""
Мария|Maria|Mariya
Елена|Elena
Йорданка|Yordanka|Jordanka
Десислава|Desislava
Гергана|Gergana
Надежда|Nadezhda|Nadejda
Виктория|Viktoria|Victoria
Милена|Milena
Цветелина|Tsvetelina|Cvetelina
Радка|Radka
Снежана|Snezhana|Snejana
Ивана|Ivana
""")
BG_FAMILY = table("""
Петров|Petrov
Иванов|Ivanov
Георгиев|Georgiev
Димитров|Dimitrov
Николов|Nikolov
Стоянов|Stoyanov|Stojanov
Тодоров|Todorov
Христов|Hristov|Christov
Атанасов|Atanasov
Василев|Vasilev|Vassilev
Костов|Kostov
Илиев|Iliev
Маринов|Marinov
Ангелов|Angelov
Колев|Kolev
Попов|Popov
Янков|Yankov|Jankov
Русев|Rusev
Цветков|Tsvetkov|Cvetkov
Желязков|Zhelyazkov|Jeliazkov
""")


def bg_feminine(name: Name) -> Name:
    """Bulgarian -ов/-ев family names take -а for women in every romanization too."""
    return Name(name.native + "а", name.latin + "a", tuple(a + "a" for a in name.alts))


# --- English (GB/US) and German: Latin script; nicknames are the typical web-shop variant. ---
EN_GIVEN_M = table("""
James
John
Robert
Michael
William
David
Richard
Thomas
Charles
Daniel
Matthew
Oliver
George
Harry
Christopher
Edward
""")
EN_GIVEN_F = table("""
Mary
Patricia
Jennifer
Elizabeth
Sarah
Emily
Jessica
Olivia
Amelia
Margaret
Susan
Charlotte
Katherine
Rebecca
""")
EN_FAMILY = table("""
Smith
Johnson
Williams
Brown
Jones
Miller
Davis
Wilson
Taylor
Anderson
Thomas
Moore
Jackson
White
Harris
Clark
Lewis
Walker
Hall
Young
O'Brien
Evans
Roberts
Wright
""")
EN_NICKNAMES = {
    "James": ("Jim", "Jamie"),
    "John": ("Jack", "Johnny"),
    "Robert": ("Bob", "Rob"),
    "Michael": ("Mike",),
    "William": ("Bill", "Will"),
    "David": ("Dave",),
    "Richard": ("Rick", "Dick"),
    "Thomas": ("Tom",),
    "Charles": ("Charlie", "Chuck"),
    "Daniel": ("Dan", "Danny"),
    "Matthew": ("Matt",),
    "Oliver": ("Ollie",),
    "Harry": ("Hal",),
    "Christopher": ("Chris",),
    "Edward": ("Ed", "Ted"),
    "Patricia": ("Pat", "Trish"),
    "Jennifer": ("Jen", "Jenny"),
    "Elizabeth": ("Liz", "Beth"),
    "Jessica": ("Jess",),
    "Margaret": ("Maggie", "Peggy"),
    "Susan": ("Sue",),
    "Charlotte": ("Lottie",),
    "Katherine": ("Kate", "Kathy"),
    "Rebecca": ("Becky",),
}

DE_GIVEN_M = table("""
Thomas
Michael
Andreas
Stefan
Jürgen
Klaus
Wolfgang
Uwe
Jörg
Lukas
Maximilian
Felix
Günter
Matthias
""")
DE_GIVEN_F = table("""
Sabine
Ursula
Petra
Monika
Claudia
Andrea
Anna
Lena
Katharina
Brigitte
Sophie
Hannah
Jutta
Bärbel
""")
DE_FAMILY = table("""
Müller
Schmidt
Schneider
Fischer
Weber
Meyer
Wagner
Becker
Schulz
Hoffmann
Schäfer
Koch
Bauer
Richter
Klein
Wolf
Schröder
Neumann
Schwarz
Zimmermann
Braun
Krüger
Hartmann
Lange
Weiß
Jäger
""")
DE_NICKNAMES = {
    "Thomas": ("Tom", "Thomy"),
    "Michael": ("Micha",),
    "Andreas": ("Andi",),
    "Stefan": ("Steffen",),
    "Maximilian": ("Max",),
    "Matthias": ("Matze",),
    "Katharina": ("Kathi", "Katja"),
    "Andrea": ("Andi",),
    "Wolfgang": ("Wolf",),
    "Jürgen": ("Jürgi",),
    "Ursula": ("Uschi",),
    "Sabine": ("Bine",),
}
