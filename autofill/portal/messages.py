"""Vietnamese wording for the API's identifier problems (the API speaks English codes)."""

from __future__ import annotations

CITIZEN_FORMAT = "Số định danh cá nhân gồm đúng 12 chữ số."
BUSINESS_FORMAT = (
    "Mã số thuế gồm 10 chữ số (chi nhánh: 10 chữ số, dấu “-” và 3 chữ số; "
    "cá nhân, hộ kinh doanh: 12 chữ số của số định danh)."
)
BY_CODE = {
    "unknown_province": "Ba chữ số đầu (mã tỉnh nơi đăng ký khai sinh) không hợp lệ.",
    "birth_year_in_future": "Năm sinh ghi trong số định danh chưa tới.",
    "check_digit": "Chữ số kiểm tra (chữ số thứ 10) không khớp: mã số thuế không đúng.",
    "invalid_component": (
        "Mã số thuế không hợp lệ: các chữ số 3–9 không thể đều bằng 0, số chi nhánh từ 001 đến 999."
    ),
    "wrong_identifier_kind": "Đây có vẻ là mã số thuế; ô này cần số định danh cá nhân 12 chữ số.",
    "missing_subject": "Vui lòng nhập thông tin này.",
    "not_found": "Không có hồ sơ nào với số này trong cơ sở dữ liệu.",
}


def identifier_message(code: str, registry: str, detail: str) -> str:
    """What to tell the user about an identifier the API refused."""
    if code in BY_CODE:
        return BY_CODE[code]
    if code in ("not_a_string", "not_digits", "wrong_length"):
        return CITIZEN_FORMAT if registry == "citizen" else BUSINESS_FORMAT
    return detail


# The prefill's warnings about its subjects, in Vietnamese (the API's codes, English detail).
WARNINGS = {
    "deceased": "Cơ sở dữ liệu ghi nhận người này đã qua đời.",
    "card_expired": "Căn cước / CCCD của người này đã hết hạn.",
    "enterprise_suspended": "Doanh nghiệp đang tạm ngừng kinh doanh.",
    "enterprise_not_operating": "Doanh nghiệp không hoạt động tại địa chỉ đã đăng ký.",
    "enterprise_dissolving": "Doanh nghiệp đang làm thủ tục giải thể.",
    "enterprise_dissolved": "Doanh nghiệp đã giải thể.",
    "enterprise_bankrupt": "Doanh nghiệp đã bị tuyên bố phá sản.",
}


def warning_lines(schema: dict, result: dict) -> list[dict[str, str]]:
    """The prefill's warnings as lines to show: the subject's label and what holds."""
    subjects = schema.get("subjects") or {}
    lines = []
    for warning in result.get("warnings") or []:
        subject = subjects.get(warning.get("subject"), {})
        lines.append(
            {
                "code": warning.get("code", ""),
                "subject": subject.get("label") or warning.get("subject", ""),
                "text": WARNINGS.get(warning.get("code", ""), warning.get("detail", "")),
            }
        )
    return lines
