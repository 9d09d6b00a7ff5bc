"""Vietnamese and English labels of registry attributes, for suggestions and listings.

Keyed by attribute name; a nested attribute's label is its own label followed by its
parent's short noun ("Ngày sinh" + "cha" = "Ngày sinh cha"). The attribute paths and types
themselves come from `registries.schemas` (see `forms.vocabulary`); a test checks that
every attribute there has a label here.
"""

from __future__ import annotations

# name -> (Vietnamese label, English label)
LABELS: dict[str, tuple[str, str]] = {
    # citizen
    "personal_id": ("Số định danh cá nhân", "personal identification number"),
    "full_name": ("Họ, chữ đệm và tên", "full name"),
    "other_names": ("Tên gọi khác", "other names"),
    "birth_date": ("Ngày, tháng, năm sinh", "date of birth"),
    "sex": ("Giới tính", "sex"),
    "birth_place": ("Nơi sinh", "place of birth"),
    "birth_registration_place": ("Nơi đăng ký khai sinh", "place of birth registration"),
    "hometown": ("Quê quán", "hometown"),
    "ethnicity": ("Dân tộc", "ethnicity"),
    "religion": ("Tôn giáo", "religion"),
    "nationality": ("Quốc tịch", "nationality"),
    "blood_group": ("Nhóm máu", "blood group"),
    "old_id_number": ("Số chứng minh nhân dân cũ", "old identity card number"),
    "id_card": ("Thẻ căn cước", "identity card"),
    "issued_on": ("Ngày cấp", "date of issue"),
    "expires_on": ("Có giá trị đến", "date of expiry"),
    "issued_by": ("Nơi cấp", "issued by"),
    "permanent_address": ("Nơi thường trú", "permanent residence"),
    "temporary_address": ("Nơi tạm trú", "temporary residence"),
    "current_address": ("Nơi ở hiện tại", "current residence"),
    "marital_status": ("Tình trạng hôn nhân", "marital status"),
    "household": ("Hộ gia đình", "household"),
    "id": ("Mã số", "identifier"),
    "head_personal_id": ("Số định danh cá nhân của chủ hộ", "household head personal ID"),
    "head_full_name": ("Họ, chữ đệm và tên chủ hộ", "household head full name"),
    "relation_to_head": ("Quan hệ với chủ hộ", "relationship to household head"),
    "members": ("Thành viên hộ gia đình", "household members"),
    "father": ("Cha", "father"),
    "mother": ("Mẹ", "mother"),
    "spouse": ("Vợ hoặc chồng", "spouse"),
    "children": ("Con", "children"),
    "phone": ("Số điện thoại", "phone number"),
    "email": ("Thư điện tử (email)", "e-mail"),
    "death_date": ("Ngày chết", "date of death"),
    "updated_at": ("Ngày cập nhật", "last updated"),
    # address and place parts
    "line": ("Số nhà, đường phố, thôn, xóm", "house number and street"),
    "ward_code": ("Mã xã, phường, đặc khu", "commune code"),
    "ward_name": ("Xã, phường, đặc khu", "commune"),
    "province_code": ("Mã tỉnh, thành phố", "province code"),
    "province_name": ("Tỉnh, thành phố", "province"),
    "text": ("Địa chỉ", "address"),
    "country": ("Quốc gia", "country"),
    "code": ("Mã", "code"),
    "name": ("Tên", "name"),
    # business
    "enterprise_code": ("Mã số doanh nghiệp (mã số thuế)", "enterprise code (tax code)"),
    "foreign_name": ("Tên doanh nghiệp viết bằng tiếng nước ngoài", "foreign name"),
    "short_name": ("Tên doanh nghiệp viết tắt", "abbreviated name"),
    "legal_form": ("Loại hình doanh nghiệp", "legal form"),
    "founded_on": ("Ngày thành lập", "founding date"),
    "status": ("Tình trạng pháp lý", "legal status"),
    "head_office": ("Địa chỉ trụ sở chính", "head office address"),
    "website": ("Website", "website"),
    "charter_capital": ("Vốn điều lệ", "charter capital"),
    "legal_representatives": ("Người đại diện theo pháp luật", "legal representative"),
    "title": ("Chức danh", "title"),
    "owners": ("Chủ sở hữu, thành viên, cổ đông", "owners and members"),
    "kind": ("Loại chủ sở hữu", "owner kind"),
    "capital_share": ("Tỷ lệ vốn góp (%)", "capital share (%)"),
    "capital_amount": ("Giá trị vốn góp", "capital contribution"),
    "business_lines": ("Ngành, nghề kinh doanh", "business lines"),
    "is_main": ("Ngành chính", "main line"),
    "vsic_version": ("Phiên bản hệ thống ngành kinh tế", "VSIC version"),
    "parent_code": ("Mã số doanh nghiệp chủ quản", "parent enterprise code"),
}

# Labels that read better written out than composed.
PATH_LABELS: dict[str, tuple[str, str]] = {
    "name": ("Tên doanh nghiệp", "enterprise name"),
    "owners.kind": ("Loại chủ sở hữu (cá nhân, tổ chức)", "owner kind"),
    "ethnicity.name": ("Dân tộc", "ethnicity"),
    "ethnicity.code": ("Mã dân tộc", "ethnicity code"),
    "nationality.name": ("Quốc tịch", "nationality"),
    "nationality.code": ("Mã quốc tịch", "nationality code"),
    "household.id": ("Số hộ khẩu / mã hộ gia đình", "household number"),
    "household.head_personal_id": LABELS["head_personal_id"],
    "household.head_full_name": LABELS["head_full_name"],
    "household.relation_to_head": LABELS["relation_to_head"],
    "household.members": LABELS["members"],
    "id_card.issued_on": ("Ngày cấp thẻ căn cước", "identity card date of issue"),
    "id_card.issued_by": ("Nơi cấp thẻ căn cước", "identity card issued by"),
    "id_card.expires_on": ("Thẻ căn cước có giá trị đến", "identity card expiry"),
    "business_lines.code": ("Mã ngành", "business line code"),
    "business_lines.name": ("Tên ngành", "business line name"),
    "owners.id": ("Số định danh hoặc mã số doanh nghiệp của chủ sở hữu", "owner ID"),
    "owners.name": ("Tên chủ sở hữu, thành viên, cổ đông", "owner name"),
}

# The short noun a nested attribute's label ends with: "Ngày sinh" + " cha".
POSSESSIVE: dict[str, tuple[str, str]] = {
    "father": ("cha", "father"),
    "mother": ("mẹ", "mother"),
    "spouse": ("vợ/chồng", "spouse"),
    "children": ("con", "child"),
    "household": ("hộ gia đình", "household"),
    "members": ("thành viên hộ", "household member"),
    "id_card": ("thẻ căn cước", "identity card"),
    "permanent_address": ("nơi thường trú", "permanent residence"),
    "temporary_address": ("nơi tạm trú", "temporary residence"),
    "current_address": ("nơi ở hiện tại", "current residence"),
    "birth_place": ("nơi sinh", "place of birth"),
    "birth_registration_place": ("nơi đăng ký khai sinh", "place of birth registration"),
    "hometown": ("quê quán", "hometown"),
    "ethnicity": ("dân tộc", "ethnicity"),
    "nationality": ("quốc tịch", "nationality"),
    "head_office": ("trụ sở chính", "head office"),
    "legal_representatives": ("người đại diện theo pháp luật", "legal representative"),
    "owners": ("chủ sở hữu", "owner"),
    "business_lines": ("ngành kinh doanh", "business line"),
}

# Other words forms use for the same attribute (matched by `forms.suggest` only).
ALIASES: dict[str, tuple[str, ...]] = {
    "personal_id": ("Số CCCD", "Số căn cước công dân", "Số căn cước", "Số định danh"),
    "old_id_number": ("Số CMND", "Số chứng minh nhân dân"),
    "full_name": ("Họ và tên", "Họ tên", "Name"),
    "birth_date": ("Ngày sinh", "Sinh ngày", "Date of birth"),
    "permanent_address": ("Địa chỉ thường trú", "Hộ khẩu thường trú"),
    "current_address": ("Chỗ ở hiện nay", "Địa chỉ liên lạc", "Địa chỉ liên hệ"),
    "enterprise_code": ("Mã số thuế", "Mã số doanh nghiệp", "Tax code"),
    "phone": ("Điện thoại", "Số di động"),
    "email": ("Email", "Thư điện tử"),
    "hometown": ("Nguyên quán",),
}
