"""Health: the verdict follows the last frame written; pause requests cross processes by file."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

from core.capture import health as h
from core.capture.health import Health, State

T0 = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)


def test_recording_while_frames_follow_changes() -> None:
    health = Health(
        state=State.RECORDING, started_at=T0, last_frame_at=T0, last_change_at=T0, interval=5
    )
    state, message = health.verdict(T0 + timedelta(seconds=10))
    assert state is State.RECORDING and "last frame written 10 s ago" in message


def test_an_unchanged_screen_is_still_recording_however_long_ago_the_last_frame() -> None:
    health = Health(
        state=State.RECORDING, started_at=T0, last_frame_at=T0, last_change_at=T0, interval=5
    )
    assert health.verdict(T0 + timedelta(hours=2))[0] is State.RECORDING


def test_a_loop_that_sees_changes_but_writes_no_frame_is_stalled() -> None:
    health = Health(
        state=State.RECORDING,
        started_at=T0,
        last_frame_at=T0,
        last_change_at=T0 + timedelta(minutes=1),
        interval=5,
    )
    state, message = health.verdict(T0 + timedelta(minutes=5))
    assert state is State.ERROR and message.startswith("stalled")


def test_running_without_any_frame_after_a_grace_period_is_an_error() -> None:
    health = Health(state=State.RECORDING, started_at=T0, interval=5)
    assert health.verdict(T0 + timedelta(seconds=5))[0] is State.STARTING
    assert health.verdict(T0 + timedelta(minutes=2))[0] is State.ERROR


def test_a_dead_monitor_is_stopped_and_the_status_file_round_trips(tmp_path: Path) -> None:
    health = Health(state=State.RECORDING, started_at=T0, last_frame_at=T0, interval=5)
    health.counters.frames_kept = 7
    path = tmp_path / "status.json"
    h.write_status(path, health)
    back = h.read_status(path)
    assert back is not None and back.counters.frames_kept == 7 and back.last_frame_at == T0
    assert back.verdict(T0, alive=False)[0] is State.STOPPED
    assert h.pid_alive(os.getpid()) and not h.pid_alive(0)


def test_pause_for_a_duration_ends_by_itself_and_resume_ends_it_early(tmp_path: Path) -> None:
    path = tmp_path / "pause.json"
    h.pause(path, T0, timedelta(minutes=15))
    assert h.read_pause(path, T0 + timedelta(minutes=14)) is not None
    assert h.read_pause(path, T0 + timedelta(minutes=16)) is None
    h.pause(path, T0, None)
    pause = h.read_pause(path, T0 + timedelta(days=3))
    assert pause is not None and pause.describe(T0) == "paused until resumed"
    assert h.resume(path) and not h.resume(path)
    assert h.read_pause(path, T0) is None


def test_an_unreadable_pause_file_errs_on_the_side_of_privacy(tmp_path: Path) -> None:
    path = tmp_path / "pause.json"
    path.write_text("{not json")
    assert h.read_pause(path, T0) is not None


def test_a_monitor_that_stopped_checking_the_screen_is_not_responding() -> None:
    health = Health(
        state=State.RECORDING, started_at=T0, last_tick_at=T0, last_frame_at=T0, interval=5
    )
    assert health.verdict(T0 + timedelta(seconds=20))[0] is State.RECORDING
    state, message = health.verdict(T0 + timedelta(minutes=5))
    assert state is State.ERROR and message.startswith("not responding")
