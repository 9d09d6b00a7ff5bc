"""Vietnamese names, ethnic groups and religions with their population shares.

Shares come from ../shared/DOMAIN.md (surnames, religion, blood groups) and the 2019
census as commonly reported (ethnic group sizes, rounded, unverified). Faker's `vi_VN`
person provider is not used: it writes Western order, knows 10 surnames and mixes the
sexes' middle names (DESIGN §8).
"""

from __future__ import annotations

import unicodedata
from functools import cache

# Surname -> share in percent (DOMAIN.md); Hoàng/Huỳnh and Vũ/Võ are one name written the
# northern and the southern way, split by region in `surnames_for`.
SURNAMES: dict[str, float] = {
    "Nguyễn": 38.4,
    "Trần": 11.0,
    "Lê": 9.5,
    "Phạm": 7.1,
    "Hoàng|Huỳnh": 5.1,
    "Phan": 4.5,
    "Vũ|Võ": 3.9,
    "Đặng": 2.1,
    "Bùi": 2.0,
    "Đỗ": 1.4,
    "Hồ": 1.3,
    "Ngô": 1.3,
    "Dương": 1.0,
    "Lý": 0.5,
    # The remaining ~11% spread over common smaller surnames (shares unverified).
    "Đinh": 1.0,
    "Đào": 0.9,
    "Đoàn": 0.9,
    "Trương": 0.8,
    "Lâm": 0.7,
    "Mai": 0.7,
    "Trịnh": 0.7,
    "Lương": 0.6,
    "Hà": 0.6,
    "Cao": 0.5,
    "Lưu": 0.5,
    "Tạ": 0.4,
    "Châu": 0.4,
    "Tô": 0.3,
    "Thái": 0.3,
    "Phùng": 0.3,
    "Quách": 0.2,
    "Kiều": 0.2,
    "Vương": 0.2,
    "Triệu": 0.2,
    "Tăng": 0.1,
    "Khúc": 0.1,
}


def surnames_for(south: bool) -> tuple[list[str], list[float]]:
    """Surnames and weights, with the regional spelling of Hoàng/Huỳnh and Vũ/Võ."""
    names, weights = [], []
    for name, share in SURNAMES.items():
        if "|" in name:
            north, southern = name.split("|")
            name = southern if south else north
        names.append(name)
        weights.append(share)
    return names, weights


# Middle names agree with sex. Older cohorts mostly carry Văn / Thị; younger ones vary.
MIDDLE_MALE = {
    "Văn": 40, "Đức": 8, "Minh": 8, "Quang": 5, "Hữu": 5, "Thành": 4, "Công": 4, "Ngọc": 3,
    "Xuân": 3, "Tuấn": 3, "Hoàng": 3, "Quốc": 3, "Trọng": 3, "Thanh": 3, "Đình": 4, "Duy": 3,
    "Gia": 2, "Anh": 2, "Mạnh": 2, "Tiến": 2, "Bá": 2, "Thế": 2, "Trung": 2, "Việt": 2,
    "Nhật": 2, "Bảo": 2, "Hải": 2, "Khánh": 1, "Đăng": 1, "Tấn": 2,
}  # fmt: skip
MIDDLE_FEMALE = {
    "Thị": 50, "Ngọc": 6, "Thu": 5, "Thanh": 5, "Thùy": 4, "Minh": 3, "Phương": 3, "Hồng": 3,
    "Mai": 2, "Kim": 3, "Bảo": 2, "Khánh": 2, "Hải": 2, "Diệu": 2, "Quỳnh": 2, "Lan": 2,
    "Như": 2, "Hoài": 2, "Thảo": 2, "Tuyết": 1, "Gia": 2, "Hà": 2, "Mỹ": 2, "Cẩm": 1,
}  # fmt: skip
# Cohorts born from 2000 on use Văn / Thị far less (weights for those two only).
YOUNG_VAN, YOUNG_THI = 10, 12

GIVEN_MALE = [
    "Hùng", "Dũng", "Tuấn", "Minh", "Hải", "Long", "Nam", "Sơn", "Thắng", "Cường", "Hiếu",
    "Huy", "Hoàng", "Quân", "Đức", "Trung", "Phong", "Thành", "Tùng", "Khoa", "Kiên", "Việt",
    "Bình", "Quang", "Vinh", "Tâm", "Phúc", "Lâm", "Hòa", "Toàn", "Khánh", "An", "Bảo", "Đạt",
    "Hưng", "Thịnh", "Tài", "Lộc", "Nghĩa", "Tiến", "Trí", "Tú", "Duy", "Khải", "Nhật", "Hậu",
    "Phát", "Lợi", "Thuận", "Sang", "Tín", "Hiệp", "Thông", "Kiệt", "Khang", "Thiện", "Vũ",
    "Hào", "Chiến", "Quý", "Tuệ", "Đông", "Hiển", "Lực", "Mạnh", "Ninh", "Phương", "Quyết",
    "Thái", "Thạch", "Thanh", "Trường", "Tuyên", "Văn", "Vượng", "Doanh", "Giang", "Hạnh",
]  # fmt: skip
GIVEN_FEMALE = [
    "Lan", "Hương", "Hoa", "Mai", "Hằng", "Thảo", "Linh", "Trang", "Ngọc", "Huyền", "Nga",
    "Hà", "Hạnh", "Thủy", "Yến", "Phương", "Dung", "Hiền", "Nhung", "Vân", "Oanh", "Loan",
    "Liên", "Hồng", "Thu", "Tuyết", "Nhi", "Anh", "Vy", "Châu", "Trâm", "Quỳnh", "My",
    "Uyên", "Nhàn", "Thơ", "Diệp", "Ánh", "Giang", "Ly", "Thanh", "Xuân", "Huệ", "Cúc", "Đào",
    "Nguyệt", "Thư", "Ngân", "Tâm", "Bích", "Duyên", "Hân", "An", "Khuê", "Lài", "Lụa", "Mơ",
    "Mận", "Nhài", "Sen", "Tú", "Vi", "Xoan", "Yên", "Hường", "Lệ", "Phượng", "Thoa", "Trinh",
]  # fmt: skip

# Ethnic groups: (name, approximate 2019 census population in thousands, unverified).
# Codes are the order of the GSO list 121-TCTK/PPCĐ as commonly reproduced; public copies
# disagree (DOMAIN.md), so they are kept in this one place.
ETHNIC_GROUPS: list[tuple[str, str, float]] = [
    ("01", "Kinh", 82085), ("02", "Tày", 1845), ("03", "Thái", 1820), ("04", "Hoa", 750),
    ("05", "Khmer", 1320), ("06", "Mường", 1452), ("07", "Nùng", 1083), ("08", "Mông", 1393),
    ("09", "Dao", 891), ("10", "Gia Rai", 513), ("11", "Ngái", 1.6), ("12", "Ê Đê", 399),
    ("13", "Ba Na", 287), ("14", "Xơ Đăng", 212), ("15", "Sán Chay", 201), ("16", "Cơ Ho", 200),
    ("17", "Chăm", 179), ("18", "Sán Dìu", 183), ("19", "Hrê", 149), ("20", "Mnông", 127),
    ("21", "Ra Glai", 146), ("22", "Xtiêng", 100), ("23", "Bru-Vân Kiều", 94), ("24", "Thổ", 91),
    ("25", "Giáy", 67), ("26", "Cơ Tu", 75), ("27", "Giẻ-Triêng", 63), ("28", "Mạ", 50),
    ("29", "Khơ Mú", 90), ("30", "Co", 40), ("31", "Tà Ôi", 52), ("32", "Chơ Ro", 29),
    ("33", "Kháng", 16), ("34", "Xinh Mun", 29), ("35", "Hà Nhì", 25), ("36", "Chu Ru", 23),
    ("37", "Lào", 17), ("38", "La Chí", 15), ("39", "La Ha", 10), ("40", "Phù Lá", 12),
    ("41", "La Hủ", 12), ("42", "Lự", 6.8), ("43", "Lô Lô", 4.8), ("44", "Chứt", 7),
    ("45", "Mảng", 4.7), ("46", "Pà Thẻn", 8), ("47", "Cơ Lao", 4), ("48", "Cống", 2.7),
    ("49", "Bố Y", 3.2), ("50", "Si La", 0.9), ("51", "Pu Péo", 0.9), ("52", "Brâu", 0.5),
    ("53", "Ơ Đu", 0.4), ("54", "Rơ Măm", 0.6),
]  # fmt: skip

# Current provinces where a group mostly lives (unverified, from the groups' known homes).
MOUNTAIN = ["04", "08", "11", "12", "14", "15", "19", "20", "51", "52", "66", "68"]
ETHNIC_HOMES: dict[str, list[str]] = {
    "Tày": ["08", "04", "20", "19", "15"], "Thái": ["14", "11", "12", "40", "38"],
    "Hoa": ["79", "79", "92", "22"], "Khmer": ["86", "92", "91", "96"],
    "Mường": ["25", "38", "37"], "Nùng": ["20", "04", "08", "24"],
    "Mông": ["08", "15", "11", "12", "14"], "Dao": ["08", "15", "04", "12"],
    "Gia Rai": ["52"], "Ê Đê": ["66"], "Ba Na": ["52", "51"], "Xơ Đăng": ["51"],
    "Sán Chay": ["08", "19"], "Cơ Ho": ["68"], "Chăm": ["56", "91"],
    "Sán Dìu": ["19", "25", "24", "22"], "Hrê": ["51"], "Mnông": ["68", "66"],
    "Ra Glai": ["56"], "Xtiêng": ["75"], "Bru-Vân Kiều": ["44"], "Thổ": ["40"],
    "Cơ Tu": ["48", "46"], "Tà Ôi": ["46", "44"], "Chơ Ro": ["75"], "Chu Ru": ["68"],
}  # fmt: skip

# Surnames of groups that name differently from the Kinh (unverified, common examples).
ETHNIC_SURNAMES: dict[str, list[str]] = {
    "Tày": ["Hoàng", "Nông", "Lương", "Bế", "Ma", "Hà", "Lục", "Triệu", "Vi"],
    "Nùng": ["Hoàng", "Nông", "Lương", "Vi", "Lục", "Chu", "Mã"],
    "Thái": ["Lò", "Cầm", "Quàng", "Lường", "Hà", "Vi", "Tòng", "Điêu"],
    "Mường": ["Đinh", "Bùi", "Quách", "Hà", "Xa"],
    "Khmer": ["Thạch", "Sơn", "Danh", "Kim", "Lâm", "Châu", "Trà", "Lý"],
    "Hoa": ["Lâm", "Trương", "Lý", "Quách", "Hứa", "Tăng", "Vương", "Mã"],
    "Dao": ["Triệu", "Bàn", "Đặng", "Lý", "Phùng"],
}
# Mông clan names; men often carry the middle name "A", women "Thị" or "Mỷ".
MONG_CLANS = ["Giàng", "Sùng", "Vàng", "Thào", "Lý", "Hầu", "Mùa", "Vừ", "Lầu", "Sình"]
MONG_GIVEN_MALE = ["Páo", "Chứ", "Dình", "Sử", "Pó", "Tủa", "Chính", "Lử", "Khua", "Súa"]
MONG_GIVEN_FEMALE = ["Mỷ", "Dế", "Sua", "Chở", "Pà", "Mai", "Ly", "Súa", "Dua", "Mị"]
# Ê Đê: "Y" + name + clan for men, "H'" + name + clan for women; children take the
# mother's clan (matrilineal).
EDE_CLANS = ["Niê", "Mlô", "Êban", "Ksor", "Byă", "Adrơng", "Buôn Yă", "Hmok", "Knul"]
EDE_GIVEN_MALE = ["Bhin", "Ngông", "Kông", "Blốc", "Jôn", "Thuột", "Wang", "Nuê", "Khu"]
EDE_GIVEN_FEMALE = ["Hen", "Bia", "Nhi", "Lê", "Wơn", "Juen", "Mai", "Ni", "Duôn"]

# Religion -> share in percent (2019 census, DOMAIN.md).
RELIGIONS: dict[str, float] = {
    "Không": 86.3,
    "Công giáo": 6.1,
    "Phật giáo": 4.8,
    "Tin lành": 1.0,
    "Phật giáo Hòa Hảo": 1.0,
    "Cao Đài": 0.6,
    "Hồi giáo": 0.08,
    "Tịnh độ cư sĩ Phật hội Việt Nam": 0.06,
    "Bửu Sơn Kỳ Hương": 0.02,
    "Bà-la-môn": 0.04,
}

# ABO alleles, drawn with the frequencies that give the phenotype shares of DOMAIN.md
# (O 42, B 30, A 21, AB 6): r = sqrt(0.42), p + r = sqrt(0.63), i.e. A 0.146, B 0.206,
# O 0.648 (`seed.citizens._ALLELE_CUM`). Children inherit one allele from each parent.
ALLELES = ("A", "B", "O")


def blood_group(a: str, b: str) -> str:
    """The ABO phenotype of two alleles."""
    pair = {a, b}
    if pair == {"A", "B"}:
        return "AB"
    if "A" in pair:
        return "A"
    if "B" in pair:
        return "B"
    return "O"


@cache
def ascii_fold(text: str) -> str:
    """Lower-case ASCII of a Vietnamese text, for e-mail addresses and web domains."""
    text = text.replace("đ", "d").replace("Đ", "D")
    stripped = unicodedata.normalize("NFD", text)
    return "".join(c for c in stripped if not unicodedata.combining(c)).lower()
