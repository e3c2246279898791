"""``yima import projects | project-funds | key-enterprises | services`` and ``yima stats``, run as a
user would run them (a real process, a real SQLite file)."""

from __future__ import annotations

import json
import subprocess

from project_helpers import BAD_PROJECTS, FUNDS, PROJECTS, write

from yima.projects.rows import FUND_HEADER, KEY_ENTERPRISE_HEADER, PROJECT_HEADER
from yima_process import run_yima


def run(*args: str, db: str) -> subprocess.CompletedProcess[str]:
    return run_yima([*args, "--db", db], timeout=120, env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"})


def test_the_import_commands_report_bad_rows_and_the_stats_carry_the_sections(tmp_path):
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    assert run("zones", "add", "cq-gxq", "--name", "重庆高新区", "--division", "500107", "--residents", "575047",
               db=db).returncode == 0
    projects = write(tmp_path / "projects.csv", PROJECT_HEADER, PROJECTS + BAD_PROJECTS)
    done = run("import", "projects", str(projects), "--zone", "cq-gxq", db=db)
    assert done.returncode == 0, done.stderr
    assert "第9行 / line 9: [landed_on]" in done.stderr
    assert "第14行 / line 14: [row]" in done.stderr
    assert "loaded / 已导入" in done.stdout and " 6 " in done.stdout
    funds = run("import", "project-funds", str(write(tmp_path / "funds.csv", FUND_HEADER, FUNDS)), "--zone", "cq-gxq",
                db=db)
    assert funds.returncode == 0, funds.stderr
    unknown_zone = run("import", "projects", str(projects), "--zone", "xx", db=db)
    assert unknown_zone.returncode == 1 and "zone.unknown" in unknown_zone.stderr
    wrong = run("import", "key-enterprises", str(projects), "--zone", "cq-gxq", db=db)
    assert wrong.returncode == 1 and "import.header" in wrong.stderr and ",".join(KEY_ENTERPRISE_HEADER) in wrong.stderr
    corrected = [list(PROJECTS[0])]
    corrected[0][5] = "520,000,000"  # the agreed amount, as Excel on a Chinese Windows saves it (GBK)
    gbk = tmp_path / "corrected.csv"
    gbk.write_bytes(("\r\n".join(",".join(f'"{v}"' if "," in v else v for v in row)
                                  for row in [PROJECT_HEADER, *corrected]) + "\r\n").encode("gbk"))
    no_reason = run("import", "projects", str(gbk), "--zone", "cq-gxq", "--update", db=db)
    assert no_reason.returncode == 1 and "correction.reason" in no_reason.stderr
    updated = run("import", "projects", str(gbk), "--zone", "cq-gxq", "--update", "--reason", "按补充协议更正",
                  db=db)
    assert updated.returncode == 0, updated.stderr
    assert "corrected / 已更正" in updated.stdout and " 1 " in updated.stdout
    stats = run("stats", "--zone", "cq-gxq", "--from", "2021-01-01", "--to", "2021-06-30", "--format", "json", db=db)
    assert stats.returncode == 0, stats.stderr
    figures = json.loads(stats.stdout)
    assert figures["projects"]["projects_signed"]["count"]["value"] == 3
    assert figures["projects"]["projects_signed"]["amount_yuan"]["value"] == 850_000_000.50  # P1 corrected
    assert figures["projects"]["funds_in_place_yuan"]["value"] == 170_000_000.25
    assert figures["key_enterprises"]["served"]["value"] == 0
    table = run("stats", "--zone", "cq-gxq", "--from", "2021-01-01", "--to", "2021-06-30", db=db)
    assert table.returncode == 0 and "招商引资 / Investment projects" in table.stdout and "到位资金" in table.stdout
