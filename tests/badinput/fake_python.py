"""A stand-in Python interpreter that impersonates Scalene 2.4.0 and writes a
hostile profile (stdlib only).

run_catalog.py copies this file into a scratch directory as executables
(with a #! line naming the real interpreter) and passes one of them as the
`python` argument of profile_script / profile_code, so the real server's
runner and parser process what it writes.

Two ways the server runs it (see host/pyenv.c and host/scalene_cmd.c):

  python -c <probe>   the version probe. A copy named `python` answers as
                      Scalene 2.4.0 does: its version, its package directory
                      (this file's directory stands in), the library it
                      preloads and 0 (not free-threaded), one per line. The
                      other names (see PROBES) answer badly: garbage, no
                      package directory, nothing, a crash, SIGKILL.
  python -m scalene run --outfile=X ... script --- args
                      a run: writes the bytes $BADINPUT_STDERR_HEX (hex) to
                      stderr, leaves files in its working directory when
                      $BADINPUT_LITTER is set, writes the document named by
                      $BADINPUT_OUTPUT (see OUTPUTS and write_output) to X
                      and exits with $BADINPUT_EXIT (default 0).

The documents are generated here, so the 100 MB one never sits in the
source tree; $BADINPUT_FIXTURES points at tests/fixtures for the ones built
from a real Scalene profile.
"""

import json
import os
import signal
import stat
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.environ.get("BADINPUT_FIXTURES", "")


def fixture(*parts):
    with open(os.path.join(FIXTURES, *parts), "rb") as f:
        return f.read()


def base():
    """A real Scalene 2.x profile (2.3.0, the newest checked-in fixture)."""
    return fixture("scalene-2.3.0", "cpu_loop", "profile.json")


def small(lines, path="/w/hostile.py", extra=None):
    """A minimal 2.x-shaped profile of one file."""
    doc = {"elapsed_time_sec": 1.5, "max_footprint_mb": 10.0, "growth_rate": 0.0,
           "entrypoint_dir": "/w", "files": {path: {"functions": [], "imports": [],
                                                    "leaks": {}, "lines": lines,
                                                    "percent_cpu_time": 100.0}}}
    if extra:
        doc.update(extra)
    return json.dumps(doc).encode()


def line(no, text, cpu=50.0):
    return {"line": text, "lineno": no, "n_cpu_percent_python": cpu, "n_cpu_percent_c": 0.0,
            "n_sys_percent": 0.0, "n_peak_mb": 0.0, "n_malloc_mb": 0.0, "n_mallocs": 0}


def nan_in_base(token):
    doc = base()
    key = b'"elapsed_time_sec": '
    i = doc.index(key) + len(key)
    j = i
    while doc[j:j + 1] not in (b",", b"\n", b"}"):
        j += 1
    return doc[:i] + token + doc[j:]


def hundred_mb():
    # a valid document: one source line of 100 MiB
    pad = b"#" * (100 << 20)
    head = b'{"elapsed_time_sec": 1.0, "files": {"/w/big.py": {"functions": [], "leaks": {}, '
    return head + b'"lines": [{"line": "' + pad + b'", "lineno": 1}], "percent_cpu_time": 100}}}'


def deep(depth):
    inner = b"[" * depth + b"]" * depth
    return (b'{"elapsed_time_sec": 1.0, "files": {"/w/d.py": {"functions": [], "leaks": {}, '
            b'"lines": [{"line": "x\\n", "lineno": 1, "memory_samples": ' + inner + b'}], '
            b'"percent_cpu_time": 100}}}')


def invalid_utf8_source():
    doc = small([line(1, "PLACEHOLDER1"), line(2, "PLACEHOLDER2", 20.0)])
    doc = doc.replace(b"PLACEHOLDER1", b"s = '\xff\xfe' + '\xc3(' # caf\xc3\xa9")
    return doc.replace(b"PLACEHOLDER2", b"\xed\xa0\x80 lone surrogate \xe2\x82")


def invalid_utf8_path():
    doc = small([line(1, "x = 1\n")], path="/w/PLACEHOLDER.py")
    return doc.replace(b"PLACEHOLDER", b"bad\xff\xc0name")


OUTPUTS = {
    "zero_bytes": lambda: b"",
    "whitespace": lambda: b"  \n\t\n",
    "empty_object": lambda: b"{}",
    "empty_object_spaced": lambda: b" { }\n",
    "truncated_half": lambda: base()[:len(base()) // 2],
    "truncated_one_byte": lambda: b"{",
    "truncated_in_string": lambda: b'{"elapsed_time_sec": 1.0, "files": {"/w/a.p',
    "nan_token": lambda: nan_in_base(b"NaN"),
    "infinity_token": lambda: nan_in_base(b"Infinity"),
    "minus_infinity_token": lambda: nan_in_base(b"-Infinity"),
    "number_overflow": lambda: nan_in_base(b"1e999"),
    "top_level_array": lambda: b"[" + base() + b"]",
    "top_level_string": lambda: b'"files"',
    "top_level_null": lambda: b"null",
    "files_number": lambda: b'{"elapsed_time_sec": 1.0, "files": 5}',
    "files_missing": lambda: b'{"elapsed_time_sec": 1.0, "program": "x.py"}',
    "wrong_types": lambda: fixture("edge", "wrong_types.json"),
    "lines_wrong_types": lambda: small(["a string", 7, None, [1, 2],
                                       {"line": 5, "lineno": "one"},
                                       line(3, "ok = 1\n")]),
    "trailing_garbage": lambda: base() + b"\n{}",
    "two_documents": lambda: b'{"files": {}}{"files": {}}',
    "binary_garbage": lambda: bytes((i * 131 + 7) % 256 for i in range(4096)),
    "utf16": lambda: small([line(1, "x = 1\n")]).decode().encode("utf-16"),
    "utf8_bom": lambda: b"\xef\xbb\xbf" + small([line(1, "x = 1\n")]),
    "nul_bytes": lambda: small([line(1, "x = 1\n")])[:20] + b"\x00" * 64,
    "hundred_mb": hundred_mb,
    "deep_nesting": lambda: deep(100000),
    "invalid_utf8_source": invalid_utf8_source,
    "invalid_utf8_path": invalid_utf8_path,
    "huge_source_line": lambda: small([line(1, "y" * (8 << 20) + "\n")]),
    "many_files": lambda: json.dumps({"elapsed_time_sec": 1.0, "files": {
        "/w/f%05d.py" % i: {"functions": [], "leaks": {}, "percent_cpu_time": 0.002,
                            "lines": [line(1, "pass\n", 0.002)]} for i in range(50000)}}).encode(),
    "many_lines": lambda: small([line(i, "v%d = %d\n" % (i, i), 100.0 / 30000)
                                 for i in range(1, 30001)]),
    "lineno_out_of_range": lambda: small([line(0, "zero\n"), line(-5, "negative\n"),
                                         line(2 ** 40, "huge\n"), line(4, "ok\n")]),
    "negative_values": lambda: small([dict(line(1, "x\n"), n_cpu_percent_python=-50,
                                           n_peak_mb=-3.0, n_mallocs=-7)],
                                     extra={"elapsed_time_sec": -2.0, "max_footprint_mb": -1}),
    "duplicate_keys": lambda: (b'{"elapsed_time_sec": 1.0, "files": {}, "files": '
                               + small([line(1, "x\n")]) + b"}"),
}


def write_output(name, outfile):
    if name == "none":  # Scalene wrote nothing at all
        return
    if name == "symlink":  # the outfile is a link to a file outside the run
        os.symlink("/etc/passwd", outfile)
        return
    if name == "directory":
        os.mkdir(outfile)
        return
    if name == "fifo":  # nobody ever writes into it
        os.mkfifo(outfile, stat.S_IRUSR | stat.S_IWUSR)
        return
    data = OUTPUTS[name]()
    with open(outfile, "wb") as f:
        f.write(data)


PROBES = {
    # the file's name picks how it answers the version probe
    "python": lambda: ok_probe("2.4.0"),
    "python-badversion": lambda: ok_probe("not-a-version"),
    "python-utf8version": lambda: ok_probe("2.4.0\udcff\udcfe"),
    "python-nopkg": lambda: ok_probe("2.4.0", pkg=""),
    "python-silent": lambda: 0,
    "python-crash": lambda: crash(),
    "python-killed": lambda: os.kill(os.getpid(), signal.SIGKILL),
}


def ok_probe(version, pkg=None):
    pkg = HERE if pkg is None else pkg
    out = "%s\n%s\n%s\n0\n" % (version, pkg, os.path.join(pkg or "/", "libscalene.so"))
    sys.stdout.buffer.write(out.encode("utf-8", "surrogateescape"))
    return 0


def crash():
    sys.stderr.buffer.write(b'Traceback (most recent call last):\n  File "<string>", line 1\n'
                            b"ImportError: \xffbroken install\n")
    return 1


def main(argv):
    if len(argv) > 1 and argv[1] == "-c":
        return PROBES[os.path.basename(argv[0])]() or 0
    outfile = None
    for a in argv[1:]:
        if a.startswith("--outfile="):
            outfile = a.split("=", 1)[1]
    if argv[1:4] != ["-m", "scalene", "run"] or not outfile:
        sys.stderr.write("fake python: unexpected command line %r\n" % (argv,))
        return 2
    err = bytes.fromhex(os.environ.get("BADINPUT_STDERR_HEX", ""))
    if err:
        sys.stderr.buffer.write(err)
        sys.stderr.flush()
    if os.environ.get("BADINPUT_LITTER"):  # files left in the working directory
        os.makedirs("litter/deeper", exist_ok=True)
        with open("litter/deeper/left-behind.txt", "w") as f:
            f.write("x")
    write_output(os.environ.get("BADINPUT_OUTPUT", "empty_object"), outfile)
    return int(os.environ.get("BADINPUT_EXIT", "0"))


if __name__ == "__main__":
    sys.exit(main(sys.argv))
