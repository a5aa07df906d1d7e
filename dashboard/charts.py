"""The dashboard's figures as the plain data static/js/dashboard.js draws with ECharts (through json_script):
every bar carries the address of its drill-down list, so a click on it opens the incidents it counts."""

from .selectors import TOP_DEPARTMENTS, Tally


def point(count: Tally) -> dict:
    return {"value": count.n, "url": count.url}


def chart_data(figures: dict) -> dict:
    category_level = figures["category_level"]
    open_now = figures["open_now"]
    top = figures["departments"][:TOP_DEPARTMENTS]
    return {
        "period": figures["period"].label,
        "trend": {
            "labels": [month["label"] for month in figures["trend"]],
            "values": [point(month["count"]) for month in figures["trend"]],
        },
        "categoryLevel": {
            "labels": [row["label"] for row in category_level["categories"]],
            "series": [
                {"name": level, "values": [point(row["cells"][k]) for row in category_level["categories"]]}
                for k, level in enumerate(category_level["levels"])
            ],
        },
        "departments": {
            # Drawn from the top, as read: the list is reversed for ECharts' bottom-up category axis.
            "labels": [row["name"] for row in reversed(top)],
            "values": [point(row["total"]) for row in reversed(top)],
        },
        "openNow": {
            "labels": [row["label"] for row in open_now["statuses"]],
            "series": [
                {"name": level, "values": [point(row["cells"][k]) for row in open_now["statuses"]]}
                for k, level in enumerate(open_now["levels"])
            ],
        },
        "overdue": {
            "labels": [row["name"] for row in reversed(figures["overdue"])],
            "series": [
                {
                    "name": "已督办",
                    "values": [point(row["escalated"]) for row in reversed(figures["overdue"])],
                },
                {"name": "未督办", "values": [point(row["waiting"]) for row in reversed(figures["overdue"])]},
            ],
        },
        "timeliness": {kind: timeliness_chart(entry) for kind, entry in figures["timeliness"].items()},
    }


def timeliness_chart(entry: dict) -> dict:
    lines = list(reversed(entry["departments"]))  # the least on time drawn at the top
    return {
        "labels": [line["name"] for line in lines],
        "shares": [line["share"] for line in lines],
        "series": [
            {"name": "按时", "values": [point(line["on_time"]) for line in lines]},
            {"name": "超时", "values": [point(line["late"]) for line in lines]},
        ],
    }
