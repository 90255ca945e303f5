"""Names read from what suggestions say: organisations by the name people use, past their trade words."""
import pytest

from triage.config import load_config
from triage.names import name_extractor_from_config


@pytest.fixture(scope="module")
def extractor():
    return name_extractor_from_config(load_config(None, []))


def test_a_registered_company_name_gives_the_name_people_use(extractor):
    # The trade words (商务信息服务) between the name and the company form are taken off, so the registered name and
    # the short one share the name.
    assert extractor.names("西地省富惠天下商务信息服务有限公司于2014年成立") == ["富惠天下有限公司"]
    assert extractor.names("举报自梦强数码科技有限公司虚假宣传") == ["自梦强有限公司"]
    assert extractor.names("富惠天下公司涉嫌非法集资") == ["富惠天下公司"]
    # A name without trade words is read as before: the run in front of its kind.
    assert extractor.names("反对在诺亚山林小区门口")[0] == "诺亚山林小区"
    assert extractor.names("投诉正合驾校不退费") == ["正合驾校"]
