"""Demo data of the city: three Guiyang districts, their streets, departments and the 2026 calendar."""

from __future__ import annotations

from pathlib import Path

from app.city import services as city
from app.core.calendar import read_calendar_csv, save_calendar_days
from app.core.demo import demo_seeder
from app.core.geo import Point
from app.extensions import db

CALENDAR_FILE = Path(__file__).resolve().parent.parent / "core" / "data" / "calendar_cn_2026.csv"

DISTRICTS = [
    (
        "520102",
        "南明区",
        "南明區",
        "Nanming District",
        [
            ("520102001", "新华路街道", "新華路街道", "Xinhualu Subdistrict", (26.5650, 106.7140)),
            (
                "520102002",
                "中华南路街道",
                "中華南路街道",
                "Zhonghua South Road Subdistrict",
                (26.5725, 106.7128),
            ),
            ("520102003", "花果园街道", "花果園街道", "Huaguoyuan Subdistrict", (26.5560, 106.6905)),
        ],
    ),
    (
        "520103",
        "云岩区",
        "雲巖區",
        "Yunyan District",
        [
            (
                "520103001",
                "中华北路街道",
                "中華北路街道",
                "Zhonghua North Road Subdistrict",
                (26.5905, 106.7132),
            ),
            (
                "520103002",
                "黔灵东路街道",
                "黔靈東路街道",
                "Qianling East Road Subdistrict",
                (26.5960, 106.7035),
            ),
        ],
    ),
    (
        "520115",
        "观山湖区",
        "觀山湖區",
        "Guanshanhu District",
        [
            ("520115001", "世纪城街道", "世紀城街道", "Shijicheng Subdistrict", (26.6230, 106.6300)),
            ("520115002", "金华园街道", "金華園街道", "Jinhuayuan Subdistrict", (26.6150, 106.6450)),
        ],
    ),
]

CITY_DEPARTMENTS = [
    ("city-urban-management", "市城市管理局", "市城市管理局", "Municipal Urban Management Bureau"),
    ("city-ecology-environment", "市生态环境局", "市生態環境局", "Municipal Ecology and Environment Bureau"),
    (
        "city-housing",
        "市住房和城乡建设局",
        "市住房和城鄉建設局",
        "Municipal Housing and Urban-Rural Development Bureau",
    ),
    (
        "city-market-regulation",
        "市市场监督管理局",
        "市市場監督管理局",
        "Municipal Market Regulation Administration",
    ),
    ("city-civil-affairs", "市民政局", "市民政局", "Municipal Civil Affairs Bureau"),
    ("city-traffic-police", "市公安局交通管理局", "市公安局交通管理局", "Municipal Traffic Police Bureau"),
    ("city-transport", "市交通运输局", "市交通運輸局", "Municipal Transport Bureau"),
    ("city-water", "市水务集团", "市水務集團", "City Water Group"),
    ("city-power", "市供电局", "市供電局", "City Power Supply Bureau"),
    ("city-gas", "市燃气集团", "市燃氣集團", "City Gas Group"),
    (
        "city-social-security",
        "市人力资源和社会保障局",
        "市人力資源和社會保障局",
        "Municipal Human Resources and Social Security Bureau",
    ),
    (
        "city-12345",
        "市12345政务服务便民热线",
        "市12345政務服務便民熱線",
        "City 12345 Government Service Hotline",
    ),
]

DISTRICT_OFFICES = {
    "520102": (
        "nanming-office",
        "南明区人民政府办公室",
        "南明區人民政府辦公室",
        "Nanming District Government Office",
    ),
    "520103": (
        "yunyan-office",
        "云岩区人民政府办公室",
        "雲巖區人民政府辦公室",
        "Yunyan District Government Office",
    ),
    "520115": (
        "guanshanhu-office",
        "观山湖区人民政府办公室",
        "觀山湖區人民政府辦公室",
        "Guanshanhu District Government Office",
    ),
}


def _names(zh_hans: str, zh_hant: str, en: str) -> dict[str, str]:
    return {"zh_Hans": zh_hans, "zh_Hant": zh_hant, "en": en}


@demo_seeder("city")
def seed_city() -> dict[str, int]:
    """Districts with their streets, city and district departments, the holiday calendar."""
    for code, *names, streets in DISTRICTS:
        district = city.upsert_district(code, _names(*names))
        db.session.flush()
        for street_code, *street_names, (lat, lng) in streets:
            city.upsert_street(district, street_code, _names(*street_names), Point(lat, lng))
        office_code, *office_names = DISTRICT_OFFICES[code]
        city.upsert_department(office_code, _names(*office_names), district=district)
    for department_code, *names in CITY_DEPARTMENTS:
        city.upsert_department(department_code, _names(*names))
    db.session.flush()
    days = save_calendar_days(read_calendar_csv(CALENDAR_FILE))
    return {
        "districts": len(DISTRICTS),
        "departments": len(CITY_DEPARTMENTS) + len(DISTRICT_OFFICES),
        "calendar_days": days,
    }
