"""The systemd units in deploy/systemd (issue 17 item 1): `systemd-analyze verify` accepts them with
no warning, each runs the command it should, hardened. Where systemd-analyze is missing (not a
systemd distribution) the verification is skipped and says so; the content checks still run."""

from __future__ import annotations

import configparser
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
UNITS = ROOT / "deploy" / "systemd"
INSTALLED = "/opt/integritas/bin/integritas"
SYSTEMD_ANALYZE = shutil.which("systemd-analyze")
HARDENING = {
    "NoNewPrivileges": "yes",
    "ProtectSystem": "strict",
    "ProtectHome": "yes",
    "PrivateTmp": "yes",
    "PrivateDevices": "yes",
    "RestrictSUIDSGID": "yes",
    "CapabilityBoundingSet": "",
    "UMask": "0077",
}
COMMANDS = {
    "integritas.service": f"{INSTALLED} serve --host 127.0.0.1 --port 8000 --workers 2 --forwarded-allow-ips 127.0.0.1",
    "integritas-witness.service": f"{INSTALLED} witness serve /var/lib/integritas-witness",
    "integritas-monitor.service": f"{INSTALLED} monitor https://integritas.example.go.id "
    "--trust /etc/integritas/monitor/trust.json --state /var/lib/integritas-monitor/state",
}


def service_section(path: Path) -> dict[str, str]:
    parser = configparser.ConfigParser(strict=False, interpolation=None, delimiters=("=",))
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(path)
    return dict(parser["Service"])


def verify(directory: Path) -> subprocess.CompletedProcess[str]:
    assert SYSTEMD_ANALYZE is not None
    return subprocess.run(
        [SYSTEMD_ANALYZE, "verify", "--man=no", *sorted(str(p) for p in directory.glob("*.service"))],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def units_for_this_machine(directory: Path, edit: str = "") -> Path:
    """The units with ExecStart pointing at this checkout's `integritas` (verify checks it exists)."""
    program = ROOT / ".venv" / "bin" / "integritas"
    for unit in UNITS.glob("*.service"):
        text = unit.read_text().replace(INSTALLED, str(program))
        if edit and unit.name == "integritas.service":
            text = text.replace("ProtectSystem=strict", edit)
        (directory / unit.name).write_text(text)
    return directory


def test_each_unit_runs_its_command_hardened() -> None:
    assert sorted(p.name for p in UNITS.glob("*.service")) == sorted(COMMANDS)
    for name, command in COMMANDS.items():
        service = service_section(UNITS / name)
        assert service["ExecStart"] == command
        for option, value in HARDENING.items():
            assert service.get(option) == value, (name, option)
        state = service["StateDirectory"]
        assert service["ReadWritePaths"] == f"/var/lib/{state}", name


@pytest.mark.skipif(SYSTEMD_ANALYZE is None, reason="no systemd-analyze on this machine (not a systemd system)")
def test_systemd_analyze_verifies_the_units_without_a_warning(tmp_path: Path) -> None:
    checked = verify(units_for_this_machine(tmp_path))
    assert checked.returncode == 0 and checked.stderr.strip() == "", checked.stderr


@pytest.mark.skipif(SYSTEMD_ANALYZE is None, reason="no systemd-analyze on this machine (not a systemd system)")
def test_systemd_analyze_names_a_misspelt_option(tmp_path: Path) -> None:
    """The negative twin: verify reports an unknown option (with status 0, hence the stderr check)."""
    checked = verify(units_for_this_machine(tmp_path, edit="ProtectSystm=strict"))
    assert "Unknown key 'ProtectSystm'" in checked.stderr
