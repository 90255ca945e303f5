"""Distinct, plausible suggestions in any number, from a fixed seed: topics x places x details.

Texts of one topic share most of their words, so the service forms shared issues as it would on real input, while
the place, detail and number keep every text distinct from every other.
"""
from __future__ import annotations

import random

TOPICS = [
    ("停车难", "小区停车位严重不足，夜间车辆乱停乱放，占用消防通道，建议增建停车位"),
    ("公交班次少", "公交车发车间隔太长，早高峰等车超过四十分钟，建议加密班次并延长末班车时间"),
    ("养老护理", "日间照料中心护理员流失严重，建议提高护理补贴并开展职业技能培训"),
    ("校门口摊贩", "放学时段校门口流动摊贩占道经营，学生安全受到威胁，希望加强巡查"),
    ("河道垃圾", "河道沿岸生活垃圾堆积发臭，蚊虫滋生，请环卫部门定期打捞清理"),
    ("老旧电梯", "老旧小区电梯频繁故障，老人上下楼困难，建议加快加装和更新电梯"),
    ("噪音扰民", "夜间施工噪音扰民，居民无法休息，建议严格执行夜间施工审批"),
    ("菜市场改造", "农贸市场环境脏乱，排水不畅，建议进行标准化改造"),
]
PLACES = ["幸福小区", "东风路", "A2区", "A7县", "桃园社区", "滨江街道", "红星村", "新华里", "南湖片区", "北站周边"]
DETAILS = ["情况持续半年", "多次反映未果", "群众意见较大", "影响周边三百余户", "节假日尤为突出",
           "已有居民联名", "存在安全隐患", "建议纳入年度计划"]


def suggestions(count: int, prefix: str, seed: int = 0) -> list[dict]:
    """``count`` suggestion bodies with ids ``{prefix}-00000``…, each text distinct."""
    rng = random.Random(seed)
    items = []
    for n in range(count):
        name, text = rng.choice(TOPICS)
        place, detail = rng.choice(PLACES), rng.choice(DETAILS)
        items.append({"id": f"{prefix}-{n:05d}", "title": f"{place}{name}（{n}）",
                      "body": f"{place}{text}。{detail}，第{n}号意见，涉及{rng.randint(2, 900)}户。",
                      "submitter": f"org-{rng.randint(1, 60)}", "sector": name, "district": place})
    return items
