"""The machine conditions for the nightly job: idle time, AC power, load, and the reasons shown."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from core.settings import SleepSettings
from core.sleep.conditions import MachineConditions, idle_seconds, load_per_core, on_ac_power
from tests.core.capture.xdesktop import XServer, require_tools, xdotool

# --- on_ac_power against fake /sys/class/power_supply trees ---------------------------------


def supply(root: Path, name: str, **attributes: str) -> None:
    folder = root / name
    folder.mkdir(parents=True)
    for key, value in attributes.items():
        (folder / key).write_text(value + "\n")


def test_laptop_plugged_in_is_on_ac(tmp_path: Path) -> None:
    supply(tmp_path, "AC", type="Mains", online="1")
    supply(tmp_path, "BAT0", type="Battery", status="Charging", scope="System")
    assert on_ac_power(tmp_path) is True


def test_laptop_unplugged_is_on_battery(tmp_path: Path) -> None:
    supply(tmp_path, "AC", type="Mains", online="0")
    supply(tmp_path, "BAT0", type="Battery", status="Discharging")
    assert on_ac_power(tmp_path) is False


def test_usb_c_charger_counts_as_ac(tmp_path: Path) -> None:
    supply(tmp_path, "ucsi-source-psy-USBC000:001", type="USB", online="1")
    supply(tmp_path, "BAT0", type="Battery", status="Not charging")
    assert on_ac_power(tmp_path) is True


def test_battery_without_an_online_adapter_is_on_battery(tmp_path: Path) -> None:
    supply(tmp_path, "BAT0", type="Battery", status="Full")
    assert on_ac_power(tmp_path) is False


def test_discharging_battery_wins_over_an_adapter_claiming_online(tmp_path: Path) -> None:
    # A too-weak USB charger: plugged in, yet the battery drains.
    supply(tmp_path, "USB", type="USB", online="1")
    supply(tmp_path, "BAT0", type="Battery", status="Discharging")
    assert on_ac_power(tmp_path) is False


def test_desktop_without_battery_counts_as_ac(tmp_path: Path) -> None:
    # A wireless mouse's battery (scope Device) does not make the desktop a laptop.
    supply(tmp_path, "hidpp_battery_0", type="Battery", status="Discharging", scope="Device")
    supply(tmp_path, "ACAD", type="Mains", online="1")
    assert on_ac_power(tmp_path) is True


def test_desktop_with_no_supplies_at_all_counts_as_ac(tmp_path: Path) -> None:
    empty = tmp_path / "power_supply"
    empty.mkdir()
    assert on_ac_power(empty) is True


def test_missing_folder_is_unknown(tmp_path: Path) -> None:
    assert on_ac_power(tmp_path / "missing") is None


def test_unreadable_attributes_are_skipped(tmp_path: Path) -> None:
    supply(tmp_path, "AC", type="Mains")  # no `online` file (a driver answering ENODATA)
    supply(tmp_path, "BAT0", type="Battery", status="Charging")
    (tmp_path / "broken").mkdir()  # no `type` at all
    assert on_ac_power(tmp_path) is True


# --- load ------------------------------------------------------------------------------------


def test_load_per_core_divides_by_the_cpu_count(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("os.getloadavg", lambda: (6.0, 1.0, 1.0))
    monkeypatch.setattr("os.cpu_count", lambda: 4)
    assert load_per_core() == pytest.approx(1.5)


# --- MachineConditions -----------------------------------------------------------------------


def conditions(
    *,
    idle: float | None = 3600.0,
    ac: bool | None = True,
    load: float = 0.1,
    **settings: float | bool,
) -> MachineConditions:
    return MachineConditions(
        SleepSettings(**settings),  # type: ignore[arg-type]
        idle=lambda: idle,
        ac_power=lambda: ac,
        load=lambda: load,
    )


def test_ready_when_idle_plugged_in_and_quiet() -> None:
    assert conditions().ready() == (True, "idle")


def test_recent_input_blocks_with_how_long_ago() -> None:
    assert conditions(idle=150.0, idle_minutes=10).ready() == (
        False,
        "in use: last input 2 min ago",
    )
    assert conditions(idle=40.0).ready() == (False, "in use: last input 40 s ago")
    assert conditions(idle=601.0, idle_minutes=10).ready() == (True, "idle")


def test_battery_blocks_only_when_ac_is_required() -> None:
    assert conditions(ac=False).ready() == (False, "on battery")
    assert conditions(ac=False, require_ac=False).ready() == (True, "idle")


def test_high_load_blocks_with_the_load() -> None:
    assert conditions(load=1.3, max_load=0.7).ready() == (False, "busy: load 1.3 per core")
    assert conditions(load=0.7, max_load=0.7).ready()[0] is False
    assert conditions(load=0.69, max_load=0.7).ready() == (True, "idle")


def test_every_blocking_reason_is_reported() -> None:
    ok, why = conditions(idle=0.0, ac=False, load=2.0).ready()
    assert not ok
    assert why == "in use: last input 0 s ago; on battery; busy: load 2.0 per core"


def test_unknown_readings_do_not_block() -> None:
    assert conditions(idle=None, ac=None).ready() == (True, "idle")

    def no_loadavg() -> float:
        raise OSError("getloadavg unavailable")

    unknown = MachineConditions(
        SleepSettings(), idle=lambda: None, ac_power=lambda: None, load=no_loadavg
    )
    assert unknown.ready() == (True, "idle")


# --- idle_seconds on a real (headless) X server ------------------------------------------------


def test_idle_is_unknown_without_a_display(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DISPLAY", raising=False)
    assert idle_seconds() is None
    monkeypatch.setenv("DISPLAY", "")
    assert idle_seconds() is None


def test_idle_is_unknown_when_the_display_cannot_be_opened(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DISPLAY", ":59999")  # no server there
    assert idle_seconds() is None


@pytest.fixture(scope="module")
def bare_xserver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[XServer]:
    require_tools(("Xvfb", "xdotool"))
    with XServer(tmp_path_factory.mktemp("xidle"), size=(320, 240), window_manager=False) as x:
        yield x


def test_idle_is_read_from_the_x_server(
    bare_xserver: XServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DISPLAY", bare_xserver.display)
    xdotool(bare_xserver.display, "mousemove", "10", "10")
    xdotool(bare_xserver.display, "mousemove", "20", "20")
    idle = idle_seconds()
    assert idle is not None
    assert 0.0 <= idle < 5.0


def test_idle_is_unknown_without_the_screen_saver_extension(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    require_tools(("Xvfb",))
    with XServer(
        tmp_path,
        size=(320, 240),
        window_manager=False,
        xvfb_args=["-extension", "MIT-SCREEN-SAVER"],
    ) as x:
        monkeypatch.setenv("DISPLAY", x.display)
        assert idle_seconds() is None
