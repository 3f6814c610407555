"""make run's settings (issue 50): MED_* from the caller's environment or
build/run/settings.env reach the services, and the ward's clock is the
host's zone unless one is given, checked before anything starts."""

import os

import pytest

from harness import run


def test_environment_wins_over_the_settings_file(tmp_path):
    (tmp_path / run.SETTINGS_FILE).write_text(
        "# site settings\n"
        "MED_WARD_TIME_ZONE=Europe/London\n"
        "export MED_DOSAGE_OME_MAX_24H_MG='120'\n\n")
    settings, origin = run.caller_settings(
        str(tmp_path), {"MED_WARD_TIME_ZONE": "Europe/Berlin",
                        "PATH": "/usr/bin"})
    assert settings == {"MED_WARD_TIME_ZONE": "Europe/Berlin",
                        "MED_DOSAGE_OME_MAX_24H_MG": "120"}
    assert origin["MED_WARD_TIME_ZONE"] == "environment"
    assert origin["MED_DOSAGE_OME_MAX_24H_MG"].endswith(run.SETTINGS_FILE)


def test_a_bad_settings_line_is_refused_naming_it(tmp_path):
    (tmp_path / run.SETTINGS_FILE).write_text("MED_X=1\nPATH=/tmp\n")
    with pytest.raises(run.SettingsError, match=r"settings.env:2"):
        run.caller_settings(str(tmp_path), {})


def test_the_ward_zone_defaults_to_the_hosts(tmp_path):
    etc = tmp_path / "etc"
    etc.mkdir()
    (etc / "timezone").write_text("Europe/Vienna\n")
    assert run.host_zone({}, str(etc)) == "Europe/Vienna"
    assert run.host_zone({"TZ": ":America/New_York"}, str(etc)) == \
        "America/New_York"
    os.remove(etc / "timezone")
    assert run.host_zone({}, str(etc)) == "UTC"


@pytest.mark.skipif(not os.path.isfile("/usr/share/zoneinfo/Europe/Berlin"),
                    reason="no tz database (/usr/share/zoneinfo)")
def test_the_zone_is_checked_and_printed():
    settings, origin = {"MED_WARD_TIME_ZONE": "Europe/Berlin"}, \
        {"MED_WARD_TIME_ZONE": "environment"}
    line = run.ward_zone(settings, origin)
    assert "Europe/Berlin (environment" in line
    lines = run.settings_lines(origin, line)
    assert any("MED_WARD_TIME_ZONE (environment)" in x for x in lines)
    with pytest.raises(run.SettingsError, match="Mars/Olympus"):
        run.ward_zone({"MED_WARD_TIME_ZONE": "Mars/Olympus"},
                      {"MED_WARD_TIME_ZONE": "environment"})
    settings, origin = {}, {}
    run.ward_zone(settings, origin, {"TZ": "Europe/Berlin"})
    assert settings["MED_WARD_TIME_ZONE"] == "Europe/Berlin"
    assert run.settings_lines(origin, "z")[1] == "z"


def test_settings_the_stack_sets_per_service_are_dropped_naming_them(
        tmp_path):
    """The summary tells medctl's shell to export the operator's
    MED_TLS_*; make run started again from that shell must not give every
    service the operator certificate.  What the stack wires per service
    is dropped with one warning line; the other settings stay."""
    (tmp_path / run.SETTINGS_FILE).write_text("MED_GRPC_PORT=6000\n")
    settings, origin = run.caller_settings(str(tmp_path), {
        "MED_TLS_CA": "/x/ca.pem", "MED_TLS_CERT": "/x/operator.pem",
        "MED_TLS_KEY": "/x/operator.key",
        "MED_WARD_TIME_ZONE": "Europe/Berlin", "MED_LOG_LEVEL": "debug"})
    line = run.drop_stack_owned(settings, origin)
    assert settings == {"MED_WARD_TIME_ZONE": "Europe/Berlin",
                        "MED_LOG_LEVEL": "debug"}
    assert sorted(origin) == sorted(settings)
    assert "\n" not in line and line.startswith("warning: ignoring ")
    for k in ("MED_TLS_CA (environment)", "MED_TLS_CERT (environment)",
              "MED_TLS_KEY (environment)", "MED_GRPC_PORT (%s" % tmp_path):
        assert k in line, line
    assert run.drop_stack_owned(settings, origin) is None


# Settings the harness gives every service that a caller may still set:
# the log level, the care and HL7 network policies, the HL7 senders
# bound and how long a service waits for a peer (PEER_DEADLINES) are
# choices, not wiring.
_CALLER_MAY_SET = {"MED_LOG_LEVEL", "MED_CARE_ENFORCE",
                   "MED_HL7_TRUSTED_NETWORK", "MED_HL7_SENDERS",
                   "MED_IDENTITY_DEADLINE_MS", "MED_RECORDS_DEADLINE_MS",
                   "MED_DIAGNOSIS_DEADLINE_MS"}


def test_every_setting_the_stack_wires_is_dropped_from_the_caller():
    """Each MED_ name the harness sets on a process (stack_processes.py,
    hl7.py) is in run.STACK_OWNED or a setting a caller may choose, so a
    new one cannot silently take the caller's value."""
    import re
    from harness import paths
    names = set()
    for rel in ("stack_processes.py", "hl7.py"):
        with open(os.path.join(paths.REPO_ROOT, "tests", "harness",
                               rel)) as f:
            names |= set(re.findall(r'"(MED_[A-Z0-9_]+)"', f.read()))
    assert names, "no MED_ settings found in the harness"
    assert sorted(names - set(run.STACK_OWNED) - _CALLER_MAY_SET) == []
