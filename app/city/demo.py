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
        "Nanming District",
        [
            ("520102001", "新华路街道", "Xinhualu Subdistrict", (26.5650, 106.7140)),
            ("520102002", "中华南路街道", "Zhonghua South Road Subdistrict", (26.5725, 106.7128)),
            ("520102003", "花果园街道", "Huaguoyuan Subdistrict", (26.5560, 106.6905)),
        ],
    ),
    (
        "520103",
        "云岩区",
        "Yunyan District",
        [
            ("520103001", "中华北路街道", "Zhonghua North Road Subdistrict", (26.5905, 106.7132)),
            ("520103002", "黔灵东路街道", "Qianling East Road Subdistrict", (26.5960, 106.7035)),
        ],
    ),
    (
        "520115",
        "观山湖区",
        "Guanshanhu District",
        [
            ("520115001", "世纪城街道", "Shijicheng Subdistrict", (26.6230, 106.6300)),
            ("520115002", "金华园街道", "Jinhuayuan Subdistrict", (26.6150, 106.6450)),
        ],
    ),
]

CITY_DEPARTMENTS = [
    ("city-urban-management", "市城市管理局", "Municipal Urban Management Bureau"),
    ("city-ecology-environment", "市生态环境局", "Municipal Ecology and Environment Bureau"),
    ("city-housing", "市住房和城乡建设局", "Municipal Housing and Urban-Rural Development Bureau"),
    ("city-market-regulation", "市市场监督管理局", "Municipal Market Regulation Administration"),
    ("city-civil-affairs", "市民政局", "Municipal Civil Affairs Bureau"),
    ("city-traffic-police", "市公安局交通管理局", "Municipal Traffic Police Bureau"),
    ("city-water", "市水务集团", "City Water Group"),
    ("city-power", "市供电局", "City Power Supply Bureau"),
    ("city-gas", "市燃气集团", "City Gas Group"),
    (
        "city-social-security",
        "市人力资源和社会保障局",
        "Municipal Human Resources and Social Security Bureau",
    ),
    ("city-12345", "市12345政务服务便民热线", "City 12345 Government Service Hotline"),
]

DISTRICT_OFFICES = {
    "520102": ("nanming-office", "南明区人民政府办公室", "Nanming District Government Office"),
    "520103": ("yunyan-office", "云岩区人民政府办公室", "Yunyan District Government Office"),
    "520115": ("guanshanhu-office", "观山湖区人民政府办公室", "Guanshanhu District Government Office"),
}


@demo_seeder("city")
def seed_city() -> dict[str, int]:
    """Districts with their streets, city and district departments, the holiday calendar."""
    for code, name_zh, name_en, streets in DISTRICTS:
        district = city.upsert_district(code, name_zh, name_en)
        db.session.flush()
        for street_code, street_zh, street_en, (lat, lng) in streets:
            city.upsert_street(district, street_code, street_zh, street_en, Point(lat, lng))
        office = DISTRICT_OFFICES[code]
        city.upsert_department(*office, district=district)
    for code, name_zh, name_en in CITY_DEPARTMENTS:
        city.upsert_department(code, name_zh, name_en)
    db.session.flush()
    days = save_calendar_days(read_calendar_csv(CALENDAR_FILE))
    return {
        "districts": len(DISTRICTS),
        "departments": len(CITY_DEPARTMENTS) + len(DISTRICT_OFFICES),
        "calendar_days": days,
    }
