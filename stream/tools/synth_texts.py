"""Place names, waybill styles and carrier tracking texts for the synthetic log.

Written for `stream.tools.synth` in the style of Chinese carrier traces (KDNiao /
Kuaidi100 / carrier open-platform responses). Every hub record names a hub whose
name ends in a CONTRACT §2 suffix; every non-hub record that mentions a hub does
so only as a destination (发往 / 下一站 / 送往).
"""
from __future__ import annotations

from functools import lru_cache

# (province, city, districts, SF hub area). Province and city are the full
# official names; `short()` gives the bare form (`杭州市` -> `杭州`).

SEC, MIN, HOUR, DAY = 1000, 60_000, 3_600_000, 86_400_000
# Scan statuses as small ints while building; named in STATUSES (stream/tools/synth_lines.py).
COLLECTED, IN_TRANSIT, DELIVERING, SIGNED, RETURNED, EXCEPTION = range(6)

PLACES: tuple[tuple[str, str, tuple[str, ...], str], ...] = (
    ("浙江省", "杭州市", ("西湖区", "上城区", "滨江区", "余杭区"), "萧山"),
    ("浙江省", "宁波市", ("海曙区", "鄞州区", "北仑区"), "奉化"),
    ("浙江省", "金华市", ("婺城区", "义乌市", "东阳市"), "义乌"),
    ("上海市", "上海市", ("浦东新区", "徐汇区", "闵行区", "嘉定区"), "浦江"),
    ("江苏省", "南京市", ("玄武区", "雨花台区", "江宁区"), "江宁"),
    ("江苏省", "苏州市", ("姑苏区", "吴中区", "昆山市", "常熟市"), "吴江"),
    ("江苏省", "无锡市", ("梁溪区", "滨湖区", "新吴区"), "锡山"),
    ("广东省", "广州市", ("天河区", "白云区", "番禺区", "海珠区"), "白云"),
    ("广东省", "深圳市", ("南山区", "宝安区", "龙岗区", "福田区"), "宝安"),
    ("广东省", "佛山市", ("禅城区", "南海区", "顺德区"), "官窑"),
    ("广东省", "东莞市", ("南城街道", "长安镇", "虎门镇"), "长安"),
    ("北京市", "北京市", ("朝阳区", "海淀区", "丰台区", "通州区"), "顺义"),
    ("天津市", "天津市", ("和平区", "南开区", "滨海新区"), "武清"),
    ("河北省", "唐山市", ("路北区", "曹妃甸区"), "丰润"),
    ("河北省", "石家庄市", ("长安区", "裕华区"), "正定"),
    ("山东省", "济南市", ("历下区", "历城区", "槐荫区"), "章丘"),
    ("山东省", "青岛市", ("市南区", "黄岛区", "城阳区"), "胶州"),
    ("河南省", "郑州市", ("金水区", "中原区", "二七区"), "中牟"),
    ("湖北省", "武汉市", ("江汉区", "洪山区", "武昌区"), "东西湖"),
    ("湖南省", "长沙市", ("岳麓区", "芙蓉区", "雨花区"), "望城"),
    ("四川省", "成都市", ("武侯区", "锦江区", "双流区"), "新都"),
    ("重庆市", "重庆市", ("渝中区", "江北区", "沙坪坝区"), "璧山"),
    ("陕西省", "西安市", ("雁塔区", "未央区", "长安区"), "临潼"),
    ("福建省", "厦门市", ("思明区", "湖里区"), "同安"),
    ("福建省", "福州市", ("鼓楼区", "仓山区"), "闽侯"),
    ("安徽省", "合肥市", ("蜀山区", "包河区"), "肥西"),
    ("江西省", "南昌市", ("东湖区", "红谷滩区"), "昌北"),
    ("吉林省", "长春市", ("朝阳区", "南关区"), "绿园"),
    ("辽宁省", "沈阳市", ("和平区", "浑南区"), "于洪"),
    ("广西壮族自治区", "南宁市", ("青秀区", "兴宁区"), "江南"),
    ("新疆维吾尔自治区", "乌鲁木齐市", ("天山区", "沙依巴克区"), "米东"),
    ("内蒙古自治区", "呼和浩特市", ("新城区", "赛罕区"), "金川"),
    ("云南省", "昆明市", ("五华区", "官渡区"), "呈贡"),
)
# destination weights (big cities receive more parcels)
PLACE_WEIGHTS = (9, 4, 4, 10, 5, 5, 3, 8, 8, 3, 3, 9, 4, 1, 2, 3, 3, 3, 4, 3, 5, 4, 3, 2, 2, 2, 2, 1, 2, 1, 1, 1, 2)
# shops ship from the e-commerce belts
ORIGIN_PLACES = (0, 1, 2, 3, 5, 7, 8, 9, 10, 4, 16, 17, 23)
# national hubs a long-haul parcel may pass through
TRUNK_PLACES = (3, 7, 17, 18, 11, 20)

_SUFFIXES = ("维吾尔自治区", "壮族自治区", "回族自治区", "特别行政区", "自治区", "省", "市")


def short(name: str) -> str:
    """`杭州市` -> `杭州`, `新疆维吾尔自治区` -> `新疆` (CONTRACT §2)."""
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def district_base(district: str) -> str:
    for suffix in ("新区", "街道", "区", "县", "市", "镇"):
        if district.endswith(suffix) and len(district) > len(suffix):
            return district[: -len(suffix)]
    return district


CARRIERS = ("ZTO", "YTO", "YUNDA", "STO", "SF", "JD", "JT", "EMS")
CARRIER_WEIGHTS = (25, 15, 15, 10, 10, 8, 12, 5)


def waybill(rng, carrier: str) -> str:
    """A waybill number in the carrier's usual style."""
    if carrier == "ZTO":  # 12-14 digits
        digits = rng.randrange(11, 14)
        return "7" + str(rng.randrange(10 ** (digits - 1), 10 ** digits))
    if carrier in ("SF", "JT"):
        return carrier + str(rng.randrange(10 ** 12, 10 ** 13))
    if carrier == "YTO":
        return "YT" + str(rng.randrange(10 ** 12, 10 ** 13))
    if carrier == "YUNDA":
        return rng.choice(("43", "46", "31")) + str(rng.randrange(10 ** 10, 10 ** 11))
    if carrier == "STO":
        return "77" + str(rng.randrange(10 ** 10, 10 ** 11))
    if carrier == "JD":
        return "JDV" + rng.choice("ABCE") + str(rng.randrange(10 ** 10, 10 ** 11))
    if carrier == "EMS":
        return rng.choice(("98", "11", "10")) + str(rng.randrange(10 ** 10, 10 ** 11))
    return str(rng.randrange(10 ** 11, 10 ** 12))


@lru_cache(maxsize=None)
def hub(carrier: str, place: int) -> str:
    """The carrier's sorting hub for a city; every name ends in a §2 suffix."""
    province, city, _, sf_area = PLACES[place]
    c = short(city)
    if carrier == "SF":
        return f"{c}{sf_area}中转场"
    if carrier == "JD":
        return f"{c}分拣中心"
    if carrier == "EMS":
        return f"{c}邮件处理中心"
    if carrier == "YUNDA":
        p = short(province)
        return f"{p}{c}分拨中心" if p != c else f"{c}分拨中心"
    if carrier == "ZTO":
        return f"{c}集散中心" if place % 3 == 0 else f"{c}转运中心"
    if carrier == "STO":
        return f"{c}中转中心" if place % 4 == 1 else f"{c}转运中心"
    return f"{c}转运中心"  # YTO, JT


@lru_cache(maxsize=None)
def outlet(carrier: str, place: int, district: int) -> str:
    """A local outlet (网点 / 营业部 / 店 ...): never a hub name."""
    province, city, districts, _ = PLACES[place]
    d = districts[district % len(districts)]
    c, b = short(city), district_base(d)
    return {
        "ZTO": f"{d}网点",
        "STO": f"{c}{b}营业部",
        "YTO": f"{province}{city}{b}公司" if province != city else f"{city}{b}公司",
        "YUNDA": f"{short(province)}{c}{d}公司" if province != city else f"{c}{d}公司",
        "SF": f"{c}{b}店",
        "JD": f"{c}{b}营业部",
        "JT": f"{c}{b}网点",
        "EMS": f"{city}{d}揽投部",
    }.get(carrier, f"{c}{b}网点")


# Text templates per carrier. Keys:
#   collected(o)   揽收 at outlet o
#   leave(o, h)    non-hub: leaves outlet o heading for hub h
#   arrive(h)      hub record: at hub h
#   sort(h)        hub record: sorted at hub h
#   depart(h, n)   hub record: leaves hub h, next stop n
#   reach(o)       non-hub: arrives at outlet o
#   deliver(c)     派件 in city c
#   sign(c)        签收
_T = {
    "ZTO": dict(
        collected="【{c}】 【{o}】的X已揽收",
        leave="【{c}】 快件离开 【{o}】 已发往 【{h}】",
        arrive="【{c}】 快件已经到达 【{h}】",
        sort="快件在【{h}】已完成分拣",
        depart="【{c}】 快件离开 【{h}】 已发往 【{n}】",
        reach="【{c}】 快件已经到达 【{o}】",
        deliver="【{c}】快件正在派送中，派件员：X，电话：XXXXXXXXXXX",
        sign="【{c}】 您的快递已签收，签收人在【丰巢智能快递柜】领取。",
    ),
    "YTO": dict(
        collected="【{o}】 已揽收 取件人: X (XXXXXXXXXXX)",
        leave="【{o}】 已发出 下一站 【{h}】",
        arrive="【{h}】 已收入",
        sort="【{h}】 已收入，正在分拣",
        depart="【{h}】 已发出 下一站 【{n}】",
        reach="【{o}】 已收入",
        deliver="【{c}】快件正在派送中，派件员：X 电话 XXXXXXXXXXX",
        sign="客户签收人: 已签收，签收人凭取货码签收。 感谢使用圆通速递，期待再次为您服务",
    ),
    "YUNDA": dict(
        collected="【{o}】已揽收",
        leave="【{o}】已发出，下一站【{h}】",
        arrive="到达【{h}】",
        sort="【{h}】已完成分拣",
        depart="从【{h}】发出，下一站【{n}】",
        reach="到达【{o}】",
        deliver="【{c}】快件正在派送中，派件员：X",
        sign="【{c}】快件已被 本人 签收",
    ),
    "STO": dict(
        collected="【{o}】的X已收件",
        leave="快件离开【{o}】已发往【{h}】",
        arrive="快件已到达【{h}】",
        sort="快件在【{h}】已完成分拣",
        depart="快件已从【{h}】发出，下一站【{n}】",
        reach="快件已到达【{o}】",
        deliver="【{c}】快件正在派送中，派件员：X",
        sign="【{c}】快件已签收，签收人：家门口",
    ),
    "SF": dict(
        collected="顺丰速运 已收取快件",
        leave="快件在【{o}】完成分拣，准备发往 【{h}】",
        arrive="快件到达 【{h}】",
        sort="快件在【{h}】完成分拣，准备发往 【{n}】",
        depart="快件离开 【{h}】，已在发往  【{n}】 的路上",
        reach="快件到达 【{o}】",
        deliver="【{c}】快件交给X，正在派送途中（联系电话：XXXXXXXXXXX）",
        sign="【{c}】快件已签收，签收人：本人",
    ),
    "JD": dict(
        collected="您的快件已由【{o}】揽收完成",
        leave="您的快件已离开【{o}】，准备送往【{h}】",
        arrive="您的快件已到达【{h}】",
        sort="您的快件在【{h}】分拣完成",
        depart="您的快件已从【{h}】发出，正在发往【{n}】",
        reach="您的快件已到达【{o}】",
        deliver="【{c}】快件正在派送中，配送员：X，感谢您的耐心等待",
        sign="【{c}】您的快件已签收，感谢您使用京东物流",
    ),
    "JT": dict(
        collected="【{o}】您的极兔小哥X(XXXXXXXXXXX)已取件。",
        leave="快件离开【{o}】已发往【{h}】",
        arrive="快件到达【{h}】",
        sort="快件在【{h}】已完成分拣",
        depart="快件离开【{h}】已发往【{n}】",
        reach="包裹顺利到达【{o}】",
        deliver="【{c}】快件正在派送中，派件员：X",
        sign="包裹已签收！签收人是【本人签收】",
    ),
    "EMS": dict(
        collected="【{o}】已收件，揽投员：X",
        leave="离开【{o}】，下一站【{h}】",
        arrive="到达【{h}】",
        sort="【{h}】已处理",
        depart="离开【{h}】，下一站【{n}】",
        reach="到达【{o}】",
        deliver="【{c}】快件正在派送中，投递员：X",
        sign="【{c}】已签收，投递员：X",
    ),
}
EXCEPTION_TEXTS = (
    "快件派送不成功，原因：收件人电话无人接听，将再次派送",
    "快件派送不成功，原因：地址不详，待与收件人联系",
    "快件存在问题件，原因：收件人拒收",
)
RETURNED_TEXT = "快件已退回，退回原因：收件人拒收，正在返回寄件人"


def text(carrier: str, kind: str, c: str = "", o: str = "", h: str = "", n: str = "") -> str:
    return _cached(carrier, kind, c, o, h, n)


@lru_cache(maxsize=1 << 16)
def _cached(carrier: str, kind: str, c: str, o: str, h: str, n: str) -> str:
    return _T.get(carrier, _T["STO"])[kind].format(c=c, o=o, h=h, n=n)
