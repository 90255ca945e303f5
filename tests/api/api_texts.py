"""Handmade suggestions for the API tests: two clear shared issues, reposts and unrelated one-offs.

Members of one issue use the same words in a different order, so they are near in any embedding but not reposts
(their character shingles differ); reposts copy an earlier text exactly.
"""
from __future__ import annotations

PARKING = [
    {"title": "幸福小区停车难", "body": "A2区幸福小区停车位严重不足，夜间车辆乱停乱放，占用消防通道，存在安全隐患，建议增建停车位。"},
    {"title": "幸福小区消防通道被占", "body": "建议增建停车位：幸福小区车辆乱停乱放占用消防通道，A2区夜间停车位严重不足，存在安全隐患。"},
    {"title": "A2区幸福小区停车位不足", "body": "存在安全隐患！夜间幸福小区停车位严重不足，车辆乱停乱放占用消防通道。建议A2区增建停车位。"},
]
BUS = [
    {"title": "12路公交车间隔太长", "body": "A7县12路公交车发车间隔太长，早高峰等车超过四十分钟，建议加密班次并延长末班车时间。"},
    {"title": "建议加密12路公交班次", "body": "早高峰等车超过四十分钟，A7县12路公交车发车间隔太长，建议延长末班车时间并加密班次。"},
]
UNRELATED = [
    {"title": "社区养老服务站缺少护理人员", "body": "老年人日间照料中心护理员流失严重，建议提高护理补贴，开展职业技能培训。"},
    {"title": "学校周边流动摊贩影响交通", "body": "放学时段校门口流动摊贩占道经营，学生安全受到威胁，希望城管加强巡查。"},
    {"title": "河道垃圾清理不及时", "body": "东风河沿岸生活垃圾堆积发臭，蚊虫滋生，请环卫部门定期打捞清理并设置垃圾桶。"},
]
