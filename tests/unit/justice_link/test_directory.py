"""The directory file: the sample reads, and an entry that cannot be read is named."""

from pathlib import Path

import pytest

from services.justice_link.directory import DirectoryError, load_directory, read_directory
from tests.config_refusals import assert_refusal

ORG = {
    "code": "zt-xintang",
    "name": "新塘村人民调解委员会",
    "kind": "village_committee",
    "unit": "justice:430426101",
    "covers": ["430426101203"],
    "specialties": ["neighbour"],
}
MEDIATOR = {"code": "m1", "name": "陈国平", "organisation": "zt-xintang", "specialties": ["neighbour"]}


def test_the_sample_for_430426_reads() -> None:
    directory = load_directory(Path(__file__).parents[3] / "config")
    assert {o.kind.value for o in directory.organisations} == {
        "village_committee",
        "township_committee",
        "industry",
        "studio",
    }
    assert all(o.unit.startswith("justice:430426") for o in directory.organisations)


def without(entry: dict, key: str) -> dict:
    return {k: v for k, v in entry.items() if k != key}


# One case per distinct refusal: the file's data, the key it names, its code, and what it says.
REFUSALS = [
    ({"organisations": [{**ORG, "covers": ["4304"]}]}, "organisations[0].covers[0]", "invalid_value",
     "（code = “zt-xintang”）应为6位（县）、9位（乡镇）或12位（村）数字的区划代码"),
    ({"organisations": [{**ORG, "covers": []}]}, "organisations[0].covers", "invalid_value", "至少要有一项"),
    ({"organisations": [{**ORG, "covers": "430426101203"}]}, "organisations[0].covers", "wrong_type", "应为列表"),
    ({"organisations": [{**ORG, "specialties": ["gossip"]}]}, "organisations[0].specialties[0]", "invalid_value",
     "应为纠纷类别 neighbour、"),
    ({"organisations": [{**ORG, "kind": "club"}]}, "organisations[0].kind", "invalid_value",
     "studio（个人调解工作室）"),
    ({"organisations": [{**ORG, "unit": "police:430426101"}]}, "organisations[0].unit", "invalid_value",
     "现为 “police:430426101”"),
    ({"organisations": [{**ORG, "code": "ZT"}]}, "organisations[0].code", "invalid_value",
     "（code = “ZT”）应为小写英文字母"),
    ({"organisations": [without(ORG, "name")]}, "organisations[0].name", "required",
     "缺少此项：应为调解组织或调解员的名称"),
    ({"organisations": [{**ORG, "name": " "}]}, "organisations[0].name", "invalid_value", "不能为空"),
    ({"organisations": [{**ORG, "name": 5}]}, "organisations[0].name", "wrong_type", "应为加引号的文字"),
    ({"organisations": [{**ORG, "active": "perhaps"}]}, "organisations[0].active", "wrong_type", "应为 true 或 false"),
    ({"organisations": ["x"]}, "organisations[0]", "wrong_type", "应为一段 [[organisations]]"),
    ({"organisations": {"a": 1}}, "organisations", "wrong_type", "应为若干段 [[organisations]]"),
    ({"organisations": [ORG, {**ORG, "name": "又一个"}]}, "organisations[1].code", "duplicate",
     "“zt-xintang” 已由 organisations[0] 使用"),
    ({"organisations": [ORG], "mediators": [{**MEDIATOR, "organisation": "nowhere"}]}, "mediators[0].organisation",
     "unknown_organisation", "（code = “m1”）没有代码为 “nowhere” 的调解组织"),
    ({"organisations": [ORG], "mediators": [{**MEDIATOR, "phone": "139"}]}, "mediators[0].phone", "unknown_field",
     "可写的是 code、name、organisation、specialties、active"),
    ({"committees": []}, "committees", "unknown_key", "只有 [[organisations]] 和 [[mediators]]"),
]  # fmt: skip


@pytest.mark.parametrize(("raw", "field", "code", "says"), REFUSALS, ids=[f"{r[1]}-{r[2]}" for r in REFUSALS])
def test_a_wrong_entry_is_named_as_the_file_spells_it_in_chinese(raw: dict, field: str, code: str, says: str) -> None:
    with pytest.raises(DirectoryError) as refused:
        read_directory(raw)

    assert_refusal(refused.value, field, code, says)


@pytest.mark.parametrize(
    ("content", "code", "says"),
    [
        (b"[[organisations]\n", "invalid_toml", "不是有效的 TOML：第1行"),
        ('[[organisations]]\nname = "新塘村"\n'.encode("gbk"), "not_utf8", "请用 UTF-8 编码保存"),
        (None, "unreadable", "文件不存在"),
    ],
)
def test_a_file_that_cannot_be_read_is_named(tmp_path: Path, content: bytes | None, code: str, says: str) -> None:
    if content is not None:
        (tmp_path / "mediation_organisations.toml").write_bytes(content)

    with pytest.raises(DirectoryError) as refused:
        load_directory(tmp_path)

    assert_refusal(refused.value, "", code, says)
    assert refused.value.in_file().startswith(f"配置文件 {tmp_path / 'mediation_organisations.toml'} 有误：")
