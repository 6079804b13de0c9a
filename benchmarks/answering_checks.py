"""What the checks of questionnaire v2 cost a focal point's pages (issue 12 §2, §4).

    .venv/bin/python benchmarks/answering_checks.py [--repeat 40]

In process (Flask's test client) on a fresh SQLite file with the demo data and a v2 round
opened after it: Thailand's section page, its background save of one answer and the
summary page, on the demo's v1 round and on the v2 round, every question answered (where every save runs the
cross-question checks twice, records warning ticks and sends back the checks beside each
question of the section). Prints the median and 95th percentile per action and the
v2 / v1 ratio of the medians. No goal is asserted here; the load test
(``load_focal.py``) holds the latency goals.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=40)
    args = parser.parse_args()

    from flask_migrate import upgrade
    from sqlalchemy import select

    from survey import create_app
    from survey.demo import CURRENT_ROUND, seed_demo
    from survey.extensions import db
    from survey.models import Country, Response, Round, User
    from tests.conftest import TEST_PASSWORD_METHOD, SurveyClient, login_as
    from tests.survey.answering.test_checks import V2_ROUND, _complete_v2, open_v2_round

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.sqlite3",
                          "SECRET_KEY": "benchmark", "TESTING": True,
                          "PASSWORD_HASH_METHOD": TEST_PASSWORD_METHOD})
        app.test_client_class = SurveyClient
        with app.app_context():
            upgrade()
            seed_demo()
            db.session.commit()
            open_v2_round()

            def response_id(round_name: str) -> int:
                return db.session.scalar(
                    select(Response.id).join(Round, Response.round_id == Round.id)
                    .join(Country, Response.country_id == Country.id)
                    .where(Round.name == round_name, Country.iso3 == "THA"))

            _complete_v2(db.session.get(Response, response_id(V2_ROUND)))  # every answer given
            client = app.test_client()
            login_as(client, db.session.scalar(select(User).where(
                User.email == "focal.tha@example.org")))

            results: dict[str, dict[str, list[float]]] = {}
            for label, round_name, qid in (("v1", CURRENT_ROUND, "op_tip_investigations"),
                                           ("v2", V2_ROUND, "op_tip_persons_convicted")):
                rid = response_id(round_name)
                actions = {
                    "section page": lambda rid=rid: client.get(
                        f"/responses/{rid}/sections/operational"),
                    "background save": lambda rid=rid, qid=qid, n=[0]: client.post(
                        f"/responses/{rid}/answers/{qid}",
                        data={qid: str(10 + (n.__setitem__(0, n[0] + 1) or n[0]) % 50),
                              qid + "__evidence": ""},
                        headers={"Accept": "application/json"}),
                    "summary page": lambda rid=rid: client.get(f"/responses/{rid}/summary"),
                }
                for name, act in actions.items():
                    act()  # warm: parse the definition, build the form class
                    times = []
                    for _ in range(args.repeat):
                        start = time.perf_counter()
                        reply = act()
                        times.append((time.perf_counter() - start) * 1000)
                        assert reply.status_code == 200, (name, reply.status_code)
                    results.setdefault(name, {})[label] = times

    print(f"THA, operational section, {args.repeat} requests each (ms)")
    print(f"{'action':<18}{'v1 median':>11}{'v1 p95':>9}{'v2 median':>11}{'v2 p95':>9}{'v2/v1':>8}")
    for name, by in results.items():
        row = []
        for label in ("v1", "v2"):
            times = sorted(by[label])
            row += [statistics.median(times), times[int(0.95 * (len(times) - 1))]]
        print(f"{name:<18}{row[0]:>11.1f}{row[1]:>9.1f}{row[2]:>11.1f}{row[3]:>9.1f}"
              f"{row[2] / row[0]:>8.2f}")


if __name__ == "__main__":
    main()
