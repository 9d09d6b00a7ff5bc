"""Normalisation of Vietnamese names and enterprise names for matching."""

from __future__ import annotations

import unicodedata

import pytest

from registries.search.enterprise import legal_forms_agree, parse_enterprise_name
from registries.search.keys import citizen_keys, corrected_keys, pair_keys, typed_keys
from registries.search.names import (
    fold_key,
    has_marks,
    name_keys,
    name_tokens,
    normalize_name,
    tone_key,
)


class TestNormalizeName:
    def test_keeps_the_spelling_and_tone_placement(self) -> None:
        assert normalize_name("Hoàng") == "hoàng"
        assert normalize_name("Nguyễn Thị Hoà") == "nguyễn thị hoà"
        assert normalize_name("Nguyễn Thị Hòa") == "nguyễn thị hòa"

    def test_nfd_input_is_composed(self) -> None:
        nfd = unicodedata.normalize("NFD", "Nguyễn Thị Thủy")
        assert nfd != "Nguyễn Thị Thủy"
        assert normalize_name(nfd) == "nguyễn thị thủy"

    def test_capitals_are_folded(self) -> None:
        assert normalize_name("NGUYỄN VĂN ĐỨC") == "nguyễn văn đức"

    @pytest.mark.parametrize("look_alike", ["\u00d0", "\u0189"])
    def test_eth_look_alike_reads_as_d_with_stroke(self, look_alike: str) -> None:
        assert normalize_name(f"{look_alike}ặng Văn \u00f0ức") == "đặng văn đức"
        assert tone_key(f"{look_alike}ặng") == tone_key("Đặng")

    @pytest.mark.parametrize("invisible", ["\u200b", "\u200c", "\u200d", "\ufeff", "\u00ad"])
    def test_zero_width_characters_are_dropped(self, invisible: str) -> None:
        assert normalize_name(f"Ng{invisible}uyễn Văn A") == "nguyễn văn a"

    def test_whitespace_is_collapsed(self) -> None:
        assert normalize_name("  Lê\u00a0\u00a0 Văn\t\nTám  ") == "lê văn tám"

    def test_punctuation_splits_words(self) -> None:
        assert name_tokens("H'Hen Niê") == ["h", "hen", "niê"]
        assert name_tokens("...") == []


class TestToneKey:
    @pytest.mark.parametrize(
        ("old_style", "new_style", "key"),
        [
            ("hòa", "hoà", "hoa2"),
            ("thủy", "thuỷ", "thuy3"),
            ("khỏe", "khoẻ", "khoe3"),
            ("Qúy", "Quý", "quy1"),
            ("Thúy", "Thuý", "thuy1"),
        ],
    )
    def test_tone_placement_does_not_matter(self, old_style, new_style, key) -> None:
        assert tone_key(old_style) == tone_key(new_style) == key

    def test_hoang_keeps_its_letters(self) -> None:
        assert tone_key("Hoàng") == "hoang2"
        assert normalize_name("Hoàng") == "hoàng"  # never rewritten to "hòang"

    def test_tones_and_hats_still_tell_names_apart(self) -> None:
        keys = {tone_key(n) for n in ("Hùng", "Hưng", "Hứng", "Hung")}
        assert len(keys) == 4

    def test_every_tone_has_its_digit(self) -> None:
        assert tone_key("ma má mà mả mã mạ") == "ma ma1 ma2 ma3 ma4 ma5"

    def test_nfd_and_capitals_give_the_same_key(self) -> None:
        name = "Nguyễn Thị Thủy"
        assert tone_key(unicodedata.normalize("NFD", name)) == tone_key(name.upper())
        assert tone_key(name) == "nguyên4 thi5 thuy3"


class TestFoldKey:
    def test_folds_d_with_stroke_only_in_the_folded_key(self) -> None:
        assert fold_key("Đào Đức") == "dao duc"
        assert normalize_name("Đào Đức") == "đào đức"
        assert tone_key("Đào") == "đao2"

    def test_drops_every_mark(self) -> None:
        assert fold_key("NGUYỄN THỊ THUỶ") == fold_key("nguyen thi thuy") == "nguyen thi thuy"

    def test_has_marks(self) -> None:
        assert has_marks("Lê Văn Tám")
        assert not has_marks("Le Van Tam")

    def test_name_keys_align_words(self) -> None:
        keys = name_keys("Nguyễn Thị Hoà")
        assert keys.tone == ("nguyên4", "thi5", "hoa2")
        assert keys.fold == ("nguyen", "thi", "hoa")
        assert keys.marked
        assert not name_keys("nguyen thi hoa").marked


class TestLegalForms:
    @pytest.mark.parametrize(
        ("name", "form"),
        [
            ("CÔNG TY TRÁCH NHIỆM HỮU HẠN MỘT THÀNH VIÊN HOÀNG PHÁT", "llc_one_member"),
            ("Công ty TNHH MTV Hoàng Phát", "llc_one_member"),
            ("cty tnhh 1 thanh vien hoang phat", "llc_one_member"),
            ("CÔNG TY TNHH HAI THÀNH VIÊN TRỞ LÊN HOÀNG PHÁT", "llc_multi_member"),
            ("cty tnhh hoang phat", "llc"),
            ("Hoàng Phát Co., Ltd", "llc"),
            ("CÔNG TY CỔ PHẦN HOÀNG PHÁT", "joint_stock"),
            ("cty cp hoang phat", "joint_stock"),
            ("CTCP Hoàng Phát", "joint_stock"),
            ("Hoang Phat JSC", "joint_stock"),
            ("DOANH NGHIỆP TƯ NHÂN HOÀNG PHÁT", "private_enterprise"),
            ("DNTN Hoàng Phát", "private_enterprise"),
            ("Công ty hợp danh Hoàng Phát", "partnership"),
            ("HỘ KINH DOANH HOÀNG PHÁT", "household_business"),
            ("hkd hoang phat", "household_business"),
            ("CHI NHÁNH CÔNG TY TNHH HOÀNG PHÁT TẠI HÀ NỘI", "branch"),
            ("CN cty tnhh Hoàng Phát tại Hà Nội", "branch"),
            ("Hoàng Phát", None),
        ],
    )
    def test_recognised_in_any_spelling(self, name: str, form: str | None) -> None:
        parsed = parse_enterprise_name(name)
        assert parsed.legal_form == form
        assert parsed.distinctive.fold[:2] == ("hoang", "phat")

    def test_distinctive_part_keeps_tone_keys(self) -> None:
        parsed = parse_enterprise_name("CÔNG TY TNHH XÂY DỰNG HOÀ BÌNH")
        assert parsed.distinctive.tone_text == "xây dưng5 hoa2 binh2"

    def test_short_abbreviations_need_a_legal_form_word(self) -> None:
        assert parse_enterprise_name("CP Hoàng Phát").legal_form is None
        assert parse_enterprise_name("Công ty CN Hoàng Phát").distinctive.fold[0] == "cn"

    def test_a_name_of_only_legal_words_keeps_them(self) -> None:
        assert parse_enterprise_name("Công ty cổ phần").distinctive.fold == (
            "cong",
            "ty",
            "co",
            "phan",
        )

    def test_families_agree(self) -> None:
        assert legal_forms_agree("llc", "llc_one_member")
        assert legal_forms_agree("company", "joint_stock")
        assert not legal_forms_agree("joint_stock", "llc_multi_member")
        assert not legal_forms_agree("company", "household_business")


class TestBlockingKeys:
    def test_a_name_writes_its_word_set_pairs_and_given_name(self) -> None:
        assert citizen_keys(["nguyen", "van", "hung"]) == {
            "hung nguyen van",
            "nguyen van",
            "hung nguyen",
            "hung van",
            "hung",
        }

    def test_word_order_does_not_change_the_typed_key(self) -> None:
        assert typed_keys(["hung", "nguyen", "van"]) == typed_keys(["nguyen", "van", "hung"])

    def test_a_left_out_middle_name_still_meets_a_pair(self) -> None:
        assert typed_keys(["nguyen", "hung"])[0] in citizen_keys(["nguyen", "van", "hung"])

    def test_corrected_keys_replace_one_word(self) -> None:
        keys = corrected_keys(["nguyen", "van", "hunh"], {"hunh": ["hung", "hanh"]})
        assert keys == ["hung nguyen van", "hanh nguyen van"]

    def test_pairs_only_for_three_words_or_more(self) -> None:
        assert pair_keys(["nguyen", "van", "hung"]) == ["nguyen van", "hung nguyen", "hung van"]
        assert pair_keys(["nguyen", "hung"]) == []
