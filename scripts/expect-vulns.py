#!/usr/bin/env python3
"""Independent vulnerability-matching oracle for the app-mixed test image.

Computes, for every language package of the app-mixed image (ground truth in
images/app-mixed.truth.json), the OSV advisory ids that affect that exact
version, by evaluating the OSV records in vulndata/osv/ exactly as the OSV
schema's "Evaluation" pseudocode says.  It shares no code with hullguard: it
is written from the OSV schema and the ecosystems' own version rules, so it can
serve as the golden expectation for hullguard's accuracy test.

Rerun (from the repository root):

    pip install packaging        # PEP 440 reference implementation (required)
    python3 scripts/expect-vulns.py > crates/hullguard/tests/golden/app-mixed.vulns.expected

Inputs are read from the shared data folder: env HULLGUARD_SHARED, default
`../shared` relative to the repository root (the parent of this script's
folder), i.e. /work/shared for a checkout at /work/main.
    images/app-mixed.truth.json       packages.{python,npm,go_binaries,java,cargo}
    vulndata/osv/PyPI.zip, Go.zip, crates.io.zip    (one OSV JSON per advisory)
    vulndata/osv/ghsa-subset/{PyPI,npm,Maven}/*.json (GitHub advisories)

Output (stdout): '#' header, then one line per package with >= 1 advisory,
    <ecosystem> <name> <version>: <ID> <ID> ...     (ids sorted)
sorted by ecosystem, then name (plain code-point string order), then version
(ecosystem order); then '# none: <ecosystem> <name> <version>' for every
package with no advisory.  Diagnostics (ambiguities, unparsable versions) go
to stderr; `--explain` also prints, on stderr, which range matched each id;
`--selftest` checks the version orderings against
vulndata/version-fixtures/osv-scalibr (known deviation: Maven "1-1" vs
"1-ga-1", 1 of 14,854 comparisons).

Matching rules (OSV schema, "Evaluation"):
  * records with `withdrawn` set are ignored entirely;
  * affected[].package.ecosystem must equal the package's ecosystem exactly
    (PyPI, npm, Go, crates.io, Maven); names: PyPI PEP 503-normalised on both
    sides, npm case-insensitive, Maven `group:artifact`, Go module path and
    crates exact;
  * affected if the version equals an entry of `versions[]` (compared as
    versions of the ecosystem, so PyPI "3.2" == "3.2.0"), or lies in a range of
    type ECOSYSTEM or SEMVER: events sorted by version ("0" below everything;
    ties keep the record's order), introduced -> affected, fixed -> not
    (exclusive), last_affected -> not when v > it; with `limit` events the
    version must be below at least one limit.  GIT ranges are ignored, and so
    is everything in database_specific (e.g. GHSA's
    last_known_affected_version_range).

Version orderings:
  * PyPI: packaging.version.Version (PEP 440).
  * npm, crates.io: SemVer 2.0 (build metadata ignored; prerelease < release;
    prerelease identifiers compared numeric-numerically, numeric < alphanumeric,
    longer list wins on a common prefix).  Missing minor/patch read as 0.
  * Go: SemVer after stripping a leading "v"; "+incompatible" is build
    metadata.  The Go toolchain version "go1.19.8" becomes package `stdlib`
    version 1.19.8 (the vulndb's SEMVER ranges for stdlib have no "v").
  * Maven: a port of the ComparableVersion algorithm (Maven 3.x): items split
    on '.', '-' and digit/letter transitions, trailing null items (0, "",
    ga/final/release) dropped, qualifiers ordered
    alpha < beta < milestone < rc=cr < snapshot < "" = ga = final = release < sp
    < other strings (lexically); a/b/m followed by a digit mean
    alpha/beta/milestone; int > string, list nesting per '-'.  Checked against
    the osv-scalibr maven fixtures (see selftest()).

Inventory read from the truth file (dpkg skipped):
  python.items (name, version); npm.items except the root project;
  go_binaries.items: stdlib per go_version, main_module unless null or
  "(devel)", deps (path, version as written, e.g. v3.2.0+incompatible);
  java.items (group_id:artifact_id, version; nested jars included);
  cargo.items except root_package.  Duplicate (ecosystem, name, version)
  triples are reported once.
"""

import glob
import hashlib
import json
import os
import re
import sys
import zipfile
from functools import cmp_to_key

try:
    from packaging.version import Version, InvalidVersion
except ImportError:  # pragma: no cover
    sys.stderr.write(
        "expect-vulns.py: the Python module 'packaging' is required "
        "(PEP 440 version ordering).\n  Install it with: pip install packaging\n")
    sys.exit(2)

DATE = "2026-11-23"
WARN = []
NOTES = []


def warn(msg):
    WARN.append(msg)


# ---------------------------------------------------------------- SemVer ---

_SEMVER = re.compile(
    r"^v?(0|[0-9]+)(?:\.([0-9]+))?(?:\.([0-9]+))?"
    r"(?:-([0-9A-Za-z.-]+))?(?:\+([0-9A-Za-z.-]+))?$")


class SemVer:
    __slots__ = ("major", "minor", "patch", "pre", "raw")

    def __init__(self, s):
        m = _SEMVER.match(s.strip())
        if not m:
            raise ValueError("not semver: %r" % s)
        self.raw = s
        self.major = int(m.group(1))
        self.minor = int(m.group(2) or 0)
        self.patch = int(m.group(3) or 0)
        self.pre = tuple(m.group(4).split(".")) if m.group(4) else ()

    @staticmethod
    def _cmp_ident(a, b):
        an, bn = a.isdigit(), b.isdigit()
        if an and bn:
            return (int(a) > int(b)) - (int(a) < int(b))
        if an:
            return -1
        if bn:
            return 1
        return (a > b) - (a < b)

    def cmp(self, o):
        for x, y in ((self.major, o.major), (self.minor, o.minor), (self.patch, o.patch)):
            if x != y:
                return -1 if x < y else 1
        if not self.pre and not o.pre:
            return 0
        if not self.pre:
            return 1
        if not o.pre:
            return -1
        for a, b in zip(self.pre, o.pre):
            c = SemVer._cmp_ident(a, b)
            if c:
                return c
        return (len(self.pre) > len(o.pre)) - (len(self.pre) < len(o.pre))


# ----------------------------------------------------------------- Maven ---

_QUALIFIERS = ["alpha", "beta", "milestone", "rc", "snapshot", "", "sp"]
_ALIASES = {"ga": "", "final": "", "release": "", "cr": "rc"}
_RELEASE_IDX = str(_QUALIFIERS.index(""))


def _qual_key(q):
    q = _ALIASES.get(q, q)
    if q in _QUALIFIERS:
        return str(_QUALIFIERS.index(q))
    return "%d-%s" % (len(_QUALIFIERS), q)


class _MInt:
    def __init__(self, v):
        self.v = int(v)

    def is_null(self):
        return self.v == 0

    def cmp(self, o):
        if o is None:
            return 0 if self.v == 0 else 1
        if isinstance(o, _MInt):
            return (self.v > o.v) - (self.v < o.v)
        return 1  # int > string, int > list


class _MStr:
    def __init__(self, s, followed_by_digit=False):
        if followed_by_digit and len(s) == 1:
            s = {"a": "alpha", "b": "beta", "m": "milestone"}.get(s, s)
        self.s = _ALIASES.get(s, s)

    def is_null(self):
        return _qual_key(self.s) == _RELEASE_IDX

    def cmp(self, o):
        a = _qual_key(self.s)
        if o is None:
            return (a > _RELEASE_IDX) - (a < _RELEASE_IDX)
        if isinstance(o, _MInt):
            return -1
        if isinstance(o, _MStr):
            b = _qual_key(o.s)
            return (a > b) - (a < b)
        return -1  # string < list


class _MList(list):
    def is_null(self):
        return len(self) == 0

    def normalize(self):
        for i in range(len(self) - 1, -1, -1):
            it = self[i]
            if it.is_null():
                del self[i]
            elif not isinstance(it, _MList):
                break

    def cmp(self, o):
        if o is None:
            if not self:
                return 0
            return self[0].cmp(None)
        if isinstance(o, _MInt):
            return -1
        if isinstance(o, _MStr):
            return 1
        n = max(len(self), len(o))
        for i in range(n):
            l = self[i] if i < len(self) else None
            r = o[i] if i < len(o) else None
            if l is None:
                c = 0 if r is None else -r.cmp(None)
            else:
                c = l.cmp(r)
            if c:
                return c
        return 0


class MavenVersion:
    def __init__(self, s):
        self.raw = s
        v = s.lower()
        items = _MList()
        cur = items
        stack = [cur]
        is_digit = False
        start = 0

        def item(digit, buf):
            return _MInt(buf) if digit else _MStr(buf)

        for i, c in enumerate(v):
            if c == ".":
                cur.append(_MInt(0) if i == start else item(is_digit, v[start:i]))
                start = i + 1
            elif c == "-":
                cur.append(_MInt(0) if i == start else item(is_digit, v[start:i]))
                start = i + 1
                nl = _MList()
                cur.append(nl)
                cur = nl
                stack.append(cur)
            elif c.isdigit():
                if not is_digit and i > start:
                    cur.append(_MStr(v[start:i], True))
                    start = i
                    nl = _MList()
                    cur.append(nl)
                    cur = nl
                    stack.append(cur)
                is_digit = True
            else:
                if is_digit and i > start:
                    cur.append(_MInt(v[start:i]))
                    start = i
                    nl = _MList()
                    cur.append(nl)
                    cur = nl
                    stack.append(cur)
                is_digit = False
        if len(v) > start:
            cur.append(item(is_digit, v[start:]))
        while stack:
            stack.pop().normalize()
        self.items = items

    def cmp(self, o):
        return self.items.cmp(o.items)


# ------------------------------------------------------ per-ecosystem API ---

def _pypi_parse(s):
    return Version(s)


def _pypi_cmp(a, b):
    return (a > b) - (a < b)


def _go_parse(s):
    return SemVer(s[1:] if s.startswith("v") else s)


ECOS = {
    "PyPI": (_pypi_parse, _pypi_cmp),
    "npm": (SemVer, lambda a, b: a.cmp(b)),
    "crates.io": (SemVer, lambda a, b: a.cmp(b)),
    "Go": (_go_parse, lambda a, b: a.cmp(b)),
    "Maven": (MavenVersion, lambda a, b: a.cmp(b)),
}


def norm_name(eco, name):
    if eco == "PyPI":
        return re.sub(r"[-_.]+", "-", name).lower()
    if eco == "npm":
        return name.lower()
    return name


# ------------------------------------------------------------ evaluation ---

def range_affects(eco, v, rng, ctx):
    """OSV 'IncludedInRanges' for a single range. Returns (bool, why)."""
    parse, cmp = ECOS[eco]
    events = []
    for idx, ev in enumerate(rng.get("events", [])):
        if len(ev) != 1:
            warn("%s: event with %d keys %r (each key evaluated)" % (ctx, len(ev), ev))
        for kind, val in ev.items():
            if kind not in ("introduced", "fixed", "last_affected", "limit"):
                warn("%s: unknown event kind %r ignored" % (ctx, kind))
                continue
            if kind == "introduced" and val == "0":
                events.append((kind, val, None, idx))
                continue
            try:
                pv = parse(val)
            except (ValueError, InvalidVersion) as e:
                warn("%s: unparsable %s version %r (%s); event ignored" % (ctx, kind, val, e))
                continue
            events.append((kind, val, pv, idx))

    def ev_cmp(a, b):
        if a[2] is None and b[2] is None:
            c = 0
        elif a[2] is None:
            c = -1
        elif b[2] is None:
            c = 1
        else:
            c = cmp(a[2], b[2])
        if c == 0 and a[1] != b[1] or c == 0 and a[0] != b[0]:
            warn("%s: events %s=%s and %s=%s compare equal; record order kept"
                 % (ctx, a[0], a[1], b[0], b[1]))
        return c or (a[3] > b[3]) - (a[3] < b[3])

    events.sort(key=cmp_to_key(ev_cmp))

    limits = [e for e in events if e[0] == "limit"]
    if limits and not any(cmp(v, e[2]) < 0 for e in limits):
        return False, "not below any limit"

    vulnerable = False
    why = None
    for kind, val, pv, _ in events:
        if kind == "introduced" and (pv is None or cmp(v, pv) >= 0):
            vulnerable, why = True, "introduced %s" % val
        elif kind == "fixed" and cmp(v, pv) >= 0:
            vulnerable, why = False, None
        elif kind == "last_affected" and cmp(v, pv) > 0:
            vulnerable, why = False, None
    if vulnerable:
        seq = " ".join("%s:%s" % (k, val) for k, val, _, _ in events)
        return True, "%s range [%s] (opened by %s)" % (rng.get("type"), seq, why)
    return False, None


def record_affects(rec, eco, name, vstr, v):
    """OSV 'IsVulnerable'. Returns the reason string or None."""
    key = norm_name(eco, name)
    parse, cmp = ECOS[eco]
    for ai, aff in enumerate(rec.get("affected", [])):
        pkg = aff.get("package", {})
        if pkg.get("ecosystem") != eco or norm_name(eco, pkg.get("name", "")) != key:
            continue
        ctx = "%s affected[%d] %s" % (rec["id"], ai, pkg.get("name"))
        for lv in aff.get("versions", []) or []:
            try:
                if lv == vstr or cmp(parse(lv), v) == 0:
                    return "listed in versions[] as %r" % lv
            except (ValueError, InvalidVersion):
                if lv == vstr:
                    return "listed in versions[] as %r" % lv
        for ri, rng in enumerate(aff.get("ranges", []) or []):
            t = rng.get("type")
            if t == "GIT":
                continue
            if t not in ("ECOSYSTEM", "SEMVER"):
                warn("%s: range type %r ignored" % (ctx, t))
                continue
            ok, why = range_affects(eco, v, rng, "%s ranges[%d]" % (ctx, ri))
            if ok:
                lk = (aff.get("database_specific") or {}).get("last_known_affected_version_range")
                kinds = {k for ev in rng.get("events", []) for k in ev}
                if lk and not kinds & {"fixed", "last_affected", "limit"}:
                    NOTES.append("%s matches %s %s %s only through an open range (%s); "
                                 "database_specific.last_known_affected_version_range %r "
                                 "is ignored as the OSV spec says" % (rec["id"], eco, name, vstr,
                                                                      why, lk))
                return why
    return None


# ------------------------------------------------------------ data input ---

def shared_dir():
    env = os.environ.get("HULLGUARD_SHARED")
    if env:
        return os.path.abspath(env)
    repo_root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    return os.path.abspath(os.path.join(repo_root, "..", "shared"))


def load_inventory(truth_path):
    with open(truth_path) as f:
        pk = json.load(f)["packages"]
    inv = []
    for it in pk["python"]["items"]:
        inv.append(("PyPI", it["name"], it["version"]))
    for it in pk["npm"]["items"]:
        if it.get("root_project"):
            continue
        inv.append(("npm", it["name"], it["version"]))
    for b in pk["go_binaries"]["items"]:
        gv = b.get("go_version")
        if gv:
            inv.append(("Go", "stdlib", gv[2:] if gv.startswith("go") else gv))
        if b.get("main_module") and b.get("main_version") not in (None, "", "(devel)"):
            inv.append(("Go", b["main_module"], b["main_version"]))
        for d in b.get("deps") or []:
            inv.append(("Go", d["path"], d["version"]))
    for it in pk["java"]["items"]:
        inv.append(("Maven", "%s:%s" % (it["group_id"], it["artifact_id"]), it["version"]))
    for it in pk["cargo"]["items"]:
        if it.get("root_package"):
            continue
        inv.append(("crates.io", it["name"], it["version"]))
    seen, out = set(), []
    for t in inv:
        if t not in seen:
            seen.add(t)
            out.append(t)
    return out


def load_records(osv_dir):
    recs = []
    for zname in ("PyPI.zip", "Go.zip", "crates.io.zip"):
        with zipfile.ZipFile(os.path.join(osv_dir, zname)) as zf:
            for n in sorted(zf.namelist()):
                if n.endswith(".json"):
                    recs.append((zname, json.loads(zf.read(n))))
    for p in sorted(glob.glob(os.path.join(osv_dir, "ghsa-subset", "*", "*.json"))):
        with open(p) as f:
            recs.append(("ghsa-subset/" + os.path.basename(os.path.dirname(p)), json.load(f)))
    return recs


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# -------------------------------------------------------------- selftest ---

def selftest(shared):
    """Check the orderings against vulndata/version-fixtures/osv-scalibr."""
    fx = os.path.join(shared, "vulndata", "version-fixtures", "osv-scalibr")
    files = {"Maven": ["maven-versions.txt", "maven-versions-generated.txt"],
             "npm": ["semver-versions.txt"],
             "PyPI": ["pypi-versions.txt", "pypi-versions-generated.txt"]}
    bad = 0
    for eco, names in files.items():
        parse, cmp = ECOS[eco]
        n = 0
        for fn in names:
            with open(os.path.join(fx, fn)) as f:
                for line in f:
                    line = line.strip()
                    if not line or line.startswith("#"):
                        continue
                    m = re.match(r"^(.*\S)\s+([<>=])\s+(\S.*)$", line)
                    if not m:
                        continue
                    a, op, b = m.groups()
                    try:
                        c = cmp(parse(a), parse(b))
                    except (ValueError, InvalidVersion) as e:
                        sys.stderr.write("selftest %s: cannot parse %r (%s)\n" % (eco, line, e))
                        continue
                    n += 1
                    want = {"<": -1, "=": 0, ">": 1}[op]
                    if (c > 0) - (c < 0) != want:
                        bad += 1
                        sys.stderr.write("selftest %s FAIL: %s (got %d)\n" % (eco, line, c))
        sys.stderr.write("selftest %s: %d comparisons checked\n" % (eco, n))
    return bad


# ------------------------------------------------------------------ main ---

def main(argv):
    shared = shared_dir()
    if "--selftest" in argv:
        return 1 if selftest(shared) else 0
    explain = "--explain" in argv
    truth = os.path.join(shared, "images", "app-mixed.truth.json")
    osv_dir = os.path.join(shared, "vulndata", "osv")
    inv = load_inventory(truth)
    recs = load_records(osv_dir)

    by_key = {}
    withdrawn = set()
    for src, rec in recs:
        if rec.get("withdrawn"):
            withdrawn.add(rec["id"])
            continue
        keys = set()
        for aff in rec.get("affected", []):
            pkg = aff.get("package", {})
            eco = pkg.get("ecosystem")
            if eco in ECOS:
                keys.add((eco, norm_name(eco, pkg.get("name", ""))))
        for k in keys:
            by_key.setdefault(k, []).append((src, rec))

    results = {}
    for eco, name, vstr in inv:
        parse, cmp = ECOS[eco]
        try:
            v = parse(vstr)
        except (ValueError, InvalidVersion) as e:
            warn("inventory %s %s %s: unparsable version (%s); skipped" % (eco, name, vstr, e))
            continue
        ids = {}
        for src, rec in by_key.get((eco, norm_name(eco, name)), []):
            why = record_affects(rec, eco, name, vstr, v)
            if why:
                ids[rec["id"]] = (src, why)
        results[(eco, name, vstr)] = ids
        if explain:
            for i in sorted(ids):
                sys.stderr.write("%s %s %s: %s [%s] %s\n" % (eco, name, vstr, i, ids[i][0], ids[i][1]))

    def sort_key(t):
        eco, name, vstr = t
        parse, cmp = ECOS[eco]
        return (eco, name, cmp_to_key(cmp)(parse(vstr)))

    order = sorted(results, key=sort_key)
    out = sys.stdout
    out.write("# app-mixed: expected vulnerability matches (OSV advisory ids, not aliases)\n")
    out.write("# produced by scripts/expect-vulns.py on %s, independent of hullguard's code\n" % DATE)
    out.write("# (Python; OSV schema 'Evaluation' algorithm; PEP 440 via packaging,\n")
    out.write("#  SemVer 2.0 for npm/crates.io/Go, Maven ComparableVersion port)\n")
    out.write("# inventory: images/app-mixed.truth.json sha256 %s\n" % sha256(truth)[:16])
    for z in ("PyPI.zip", "Go.zip", "crates.io.zip"):
        out.write("# data: vulndata/osv/%s sha256 %s\n" % (z, sha256(os.path.join(osv_dir, z))[:16]))
    for eco in ("PyPI", "npm", "Maven"):
        n = len(glob.glob(os.path.join(osv_dir, "ghsa-subset", eco, "*.json")))
        out.write("# data: vulndata/osv/ghsa-subset/%s/*.json (%d files)\n" % (eco, n))
    out.write("# withdrawn records ignored: %d; GIT ranges and database_specific ignored\n"
              % len(withdrawn))
    out.write("# packages: %d (ecosystem,name,version) triples; dpkg not included;\n" % len(order))
    out.write("#   Go stdlib = go_version of the binaries; npm root project, cargo root\n")
    out.write("#   package and Go main module '(devel)' excluded\n")
    out.write("# format: <ecosystem> <name> <version>: <ids, code-point order>; sorted by ecosystem,\n")
    out.write("#   name (code-point order), version (ecosystem order)\n")
    for n in sorted(set(NOTES)):
        out.write("# note: %s\n" % n)
    nones = []
    for t in order:
        ids = results[t]
        if ids:
            out.write("%s %s %s: %s\n" % (t[0], t[1], t[2], " ".join(sorted(ids))))
        else:
            nones.append(t)
    for t in nones:
        out.write("# none: %s %s %s\n" % t)

    for w in sorted(set(WARN)):
        sys.stderr.write("warning: %s\n" % w)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
