"""Whether the machine is free for the nightly sleep job: nobody at it, plugged in, not busy.

Three probes, each cheap and read fresh at every attempt: the time since the last keyboard or mouse
input (the X server's MIT-SCREEN-SAVER extension, on `$DISPLAY`), the power supplies the kernel
lists under `/sys/class/power_supply`, and the 1-minute load average per core. A probe that cannot
answer (no X display, no sysfs, no load average) returns None and never blocks the job: a
headless box or an unusual laptop must still get its night. `MachineConditions` turns the readings
into a yes/no with a reason a person can read in the status ("in use: last input 2 min ago");
the probes are constructor parameters so tests can script them.
"""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from Xlib import error as xerror
from Xlib.display import Display
from Xlib.ext import screensaver

from core.settings import SleepSettings

log = logging.getLogger(__name__)

POWER_SUPPLY = Path("/sys/class/power_supply")
# Supply types that deliver outside power when `online` is 1 (the kernel's power_supply types).
ADAPTER_TYPES = frozenset(
    {
        "Mains",
        "USB",
        "USB_C",
        "USB_PD",
        "USB_PD_DRP",
        "USB_DCP",
        "USB_CDP",
        "USB_ACA",
        "USB_HVDCP",
        "USB_HVDCP_3",
        "USB_HVDCP_3P5",
        "BrickID",
        "Wireless",
    }
)
# Failures python-xlib raises while connecting or talking to the server; a malformed $DISPLAY
# (":99999" makes it try TCP port 105999) surfaces as ValueError or OverflowError.
X_ERRORS = (
    xerror.DisplayError,
    xerror.ConnectionClosedError,
    xerror.XauthError,
    xerror.XNoAuthError,
    xerror.XError,
    OSError,
    ValueError,
    OverflowError,
)


def idle_seconds() -> float | None:
    """Seconds since the last keyboard or mouse input on $DISPLAY; None if the server cannot tell."""
    name = os.environ.get("DISPLAY")
    if not name:
        return None
    # python-xlib leaks the socket of a failed connection; its ResourceWarning is not ours to raise.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        try:
            display = Display(name)
        except X_ERRORS as exc:
            log.debug("no X display %r for the idle time: %s", name, exc)
            return None
    try:
        if not display.has_extension(screensaver.extname):
            return None
        info = screensaver.query_info(display.screen().root)
        return float(info.idle) / 1000.0
    except X_ERRORS as exc:
        log.debug("cannot read the idle time from %r: %s", name, exc)
        return None
    finally:
        display.close()


def on_ac_power(root: Path = POWER_SUPPLY) -> bool | None:
    """True on outside power (or a machine without a battery), False on battery, None if unknown."""
    try:
        supplies = sorted(root.iterdir())
    except OSError:
        return None
    adapter_online = False
    battery = False
    charging = False
    for supply in supplies:
        kind = _read(supply / "type")
        # Batteries of a wireless mouse or a phone say scope=Device; they do not power this machine.
        if kind is None or _read(supply / "scope") == "Device":
            continue
        status = _read(supply / "status")
        if kind in ("Battery", "UPS") and status == "Discharging":
            return False
        if kind in ADAPTER_TYPES and _read(supply / "online") == "1":
            adapter_online = True
        if kind == "Battery":
            battery = True
            charging = charging or status == "Charging"
    # A charging battery is fed from somewhere, even when its adapter is not listed.
    return adapter_online or charging or not battery


def load_per_core() -> float:
    """The 1-minute load average divided by the number of CPUs."""
    return os.getloadavg()[0] / (os.cpu_count() or 1)


class Conditions(Protocol):
    """Decides whether the sleep job may start now."""

    def ready(self) -> tuple[bool, str]:
        """(may start, why): the reason is shown to the user either way."""
        ...


class MachineConditions:
    """`Conditions` read from this machine: idle long enough, on AC if required, load low."""

    def __init__(
        self,
        settings: SleepSettings,
        *,
        idle: Callable[[], float | None] = idle_seconds,
        ac_power: Callable[[], bool | None] = on_ac_power,
        load: Callable[[], float] = load_per_core,
    ) -> None:
        self._settings = settings
        self._idle = idle
        self._ac_power = ac_power
        self._load = load

    def ready(self) -> tuple[bool, str]:
        """(True, "idle") when nothing blocks; else False and every reason that does."""
        blocking: list[str] = []
        idle = self._idle()
        if idle is not None and idle < self._settings.idle_minutes * 60:
            blocking.append(f"in use: last input {_ago(idle)} ago")
        if self._settings.require_ac and self._ac_power() is False:
            blocking.append("on battery")
        try:
            load: float | None = self._load()
        except OSError:  # no load average on this system: unknown, so it does not block
            load = None
        if load is not None and load >= self._settings.max_load:
            blocking.append(f"busy: load {load:.1f} per core")
        if blocking:
            return False, "; ".join(blocking)
        return True, "idle"


def _ago(seconds: float) -> str:
    """A short human duration: "40 s", "2 min"."""
    if seconds < 60:
        return f"{int(seconds)} s"
    return f"{int(seconds // 60)} min"


def _read(path: Path) -> str | None:
    """A sysfs attribute's value, stripped; None if it is missing or unreadable."""
    try:
        return path.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:  # absent, or a driver answering ENODATA/EIO for an attribute it lists
        return None
