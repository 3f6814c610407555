"""The load model of a ward day (tools/load/ward_day.json): reading and
checking the model file, and each operation's arrival rate over the clock.

A rate is per occupied bed per 24 h, either given (per_bed_per_day, with a
profile saying how the day's calls spread over the clock) or derived from
another operation's (per, ratio: that operation's rate and profile times
ratio).  Profiles have a mean of 1 over the day, so a profile changes when
calls come, never how many come in a day:

  flat    the same rate all day;
  rounds  share of the calls in the medication rounds (uniform within
          spread_minutes either side of each round time), the rest flat;
  day     share of the calls between day.from and day.to, the rest at night.

An operation may carry budget_p99_ms, the p99 latency it must stay within
(issue 54's budgets); the driver reports each against it.

load(path) refuses a file with an unknown operation, a negative or missing
rate, an unknown profile, a share outside 0..1 or a budget that is not a
positive number, naming the file's line.
"""

import json
import math
import random

# The operations the model may name: the driver has a call for each (the
# face ones are listed as not driven where the photographs are absent).
OPERATIONS = ("dose_given", "dose_check", "mar_read", "due_list",
              "face_verify", "admission", "discharge", "transfer",
              "face_identify", "lab_result", "vital_signs",
              "device_reading", "note",
              "chart_read", "patient_read", "audit_query")
PROFILES = ("flat", "rounds", "day")
DAY_S = 86400.0


class ModelError(ValueError):
    """A model file the driver refuses; the message names the line."""


def _clock(text, where):
    try:
        h, m = text.split(":")
        s = int(h) * 3600 + int(m) * 60
    except (AttributeError, ValueError):
        s = -1
    if not 0 <= s < DAY_S:
        raise ModelError("%s: %r is not a time of day HH:MM" % (where, text))
    return float(s)


def _number(v):
    return (isinstance(v, (int, float)) and not isinstance(v, bool)
            and math.isfinite(v))


class Model:
    """A checked model: ops {name: (per-bed-per-day rate, profile)}."""

    def __init__(self, doc, lines, path):
        self.path = path
        self.name = doc.get("name", path)
        self._lines = lines
        rounds = doc.get("rounds", {})
        self.round_times = [_clock(t, self._where("rounds"))
                            for t in rounds.get("times", [])]
        self.spread_s = float(rounds.get("spread_minutes", 60)) * 60
        if self.spread_s <= 0:
            raise ModelError("%s: spread_minutes must be positive"
                             % self._where("spread_minutes"))
        day = doc.get("day", {})
        self.day_from = _clock(day.get("from", "07:00"), self._where("day"))
        self.day_to = _clock(day.get("to", "22:00"), self._where("day"))
        ops = doc.get("operations")
        if not isinstance(ops, dict) or not ops:
            raise ModelError("%s: no operations" % path)
        self.ops = {}
        for name, spec in ops.items():
            self._check(name, spec, ops)
        # {name: p99 budget in ms} of the operations that have one.
        self.budgets = {}
        for name, spec in ops.items():
            self.ops[name] = self._resolve(name, ops, set())
            if spec.get("budget_p99_ms") is not None:
                self.budgets[name] = float(spec["budget_p99_ms"])

    def _where(self, key):
        """'path:LINE' of the first line that names key."""
        needle = '"%s"' % key
        for i, line in enumerate(self._lines, 1):
            if needle in line:
                return "%s:%d" % (self.path, i)
        return self.path

    def _check(self, name, spec, ops):
        where = self._where(name)
        if name not in OPERATIONS:
            raise ModelError("%s: unknown operation %r (known: %s)"
                             % (where, name, ", ".join(OPERATIONS)))
        if not isinstance(spec, dict):
            raise ModelError("%s: operation %s is not an object"
                             % (where, name))
        if "per" in spec:
            if spec["per"] not in ops:
                raise ModelError("%s: %s is per %r, which the model does "
                                 "not have" % (where, name, spec["per"]))
            rate, field = spec.get("ratio"), "ratio"
        else:
            rate, field = spec.get("per_bed_per_day"), "per_bed_per_day"
            prof = spec.get("profile", {"kind": "flat"})
            if prof.get("kind") not in PROFILES:
                raise ModelError("%s: %s has profile %r (known: %s)" % (
                    where, name, prof.get("kind"), ", ".join(PROFILES)))
            share = prof.get("share", 0.0)
            if not isinstance(share, (int, float)) or not 0 <= share <= 1:
                raise ModelError("%s: %s profile share %r is not in 0..1"
                                 % (where, name, share))
        if not _number(rate) or rate < 0:
            raise ModelError("%s: %s %s %r is not a rate >= 0"
                             % (where, name, field, rate))
        budget = spec.get("budget_p99_ms")
        if budget is not None and (not _number(budget) or budget <= 0):
            raise ModelError("%s: %s budget_p99_ms %r is not a positive "
                             "number of ms" % (where, name, budget))

    def _resolve(self, name, ops, seen):
        if name in seen:
            raise ModelError("%s: %s is derived from itself"
                             % (self._where(name), name))
        spec = ops[name]
        if "per" in spec:
            rate, prof = self._resolve(spec["per"], ops, seen | {name})
            return rate * spec["ratio"], prof
        prof = dict(spec.get("profile", {"kind": "flat"}))
        return float(spec["per_bed_per_day"]), prof

    # --- rates over the clock ---------------------------------------------

    def shape(self, prof, t):
        """The profile's value at t seconds after midnight (mean 1)."""
        kind, share = prof.get("kind"), prof.get("share", 0.0)
        t %= DAY_S
        if kind == "rounds" and self.round_times:
            # The window is [round - spread, round + spread).
            inside = sum(1 for r in self.round_times
                         if -self.spread_s <= (t - r + DAY_S / 2) % DAY_S
                         - DAY_S / 2 < self.spread_s)
            peak = DAY_S / (len(self.round_times) * 2 * self.spread_s)
            return (1 - share) + share * inside * peak
        if kind == "day":
            span = (self.day_to - self.day_from) % DAY_S
            if (t - self.day_from) % DAY_S < span:
                return share * DAY_S / span
            return (1 - share) * DAY_S / (DAY_S - span)
        return 1.0

    def rate(self, name, beds, t):
        """Calls per second of name for beds occupied beds at clock t."""
        per_day, prof = self.ops[name]
        return beds * per_day / DAY_S * self.shape(prof, t)

    def per_day(self, name):
        return self.ops[name][0]

    def arrivals(self, name, beds, start_s, speed, duration, rng):
        """Poisson arrival times (seconds of the run, 0..duration) of name
        for a run that starts at clock start_s and plays speed seconds of
        the day per second: a non-homogeneous process, drawn by thinning
        against the profile's peak over the run."""
        step = min(60.0, self.spread_s / 4)
        n = int(duration * speed / step) + 2
        peak = max(self.rate(name, beds, start_s + i * step)
                   for i in range(n)) * speed
        out, t = [], 0.0
        if peak <= 0:
            return out
        while True:
            t += rng.expovariate(peak)
            if t >= duration:
                return out
            r = self.rate(name, beds, start_s + t * speed) * speed
            if rng.random() * peak < r:
                out.append(t)


def load(path):
    """The Model in path (ModelError naming the line when refused)."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        raise ModelError("%s:%d: not JSON: %s" % (path, e.lineno, e.msg))
    if not isinstance(doc, dict):
        raise ModelError("%s: not a JSON object" % path)
    return Model(doc, text.splitlines(), path)


def schedule(model, names, beds, start_s, speed, duration, seed):
    """[(run second, operation)] of names over the run, in time order."""
    rng = random.Random(seed)
    out = []
    for name in names:
        out += [(t, name) for t in model.arrivals(
            name, beds, start_s, speed, duration, rng)]
    out.sort()
    return out
