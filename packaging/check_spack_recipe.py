#!/usr/bin/env python3
"""Checks cluster/spack/package.py without Spack (not a Debian package, so not installed here):
it compiles as Python, and its class is a CMakePackage with a `main` version, the `native` and
`tests` variants and every dependency wordmill's CMakeLists.txt finds.
usage: check_spack_recipe.py RECIPE"""
import ast
import os
import py_compile
import sys
import tempfile

REQUIRED = {"openmpi", "eigen", "abseil-cpp", "protobuf", "zstd", "utf8proc", "simdjson",
            "xxhash", "libdivsufsort", "cmake", "pkgconfig"}


def main(path):
    with tempfile.TemporaryDirectory() as tmp:  # no __pycache__ in the source tree
        py_compile.compile(path, cfile=os.path.join(tmp, "package.pyc"), doraise=True)
    tree = ast.parse(open(path, encoding="utf8").read(), path)
    classes = [n for n in tree.body if isinstance(n, ast.ClassDef)]
    assert [c.name for c in classes] == ["Wordmill"], [c.name for c in classes]
    cls = classes[0]
    assert [b.id for b in cls.bases] == ["CMakePackage"], "not a CMakePackage"
    calls = {}
    for node in ast.walk(cls):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.args:
            arg = node.args[0]
            if isinstance(arg, ast.Constant):
                calls.setdefault(node.func.id, []).append(arg.value)
    deps = {d.split("@")[0].split("+")[0] for d in calls.get("depends_on", [])}
    missing = REQUIRED - deps
    assert not missing, f"depends_on lacks {sorted(missing)}"
    assert "main" in calls.get("version", []), "no main version"
    assert {"native", "tests"} <= set(calls.get("variant", [])), calls.get("variant")
    methods = {f.name for f in cls.body if isinstance(f, ast.FunctionDef)}
    assert "cmake_args" in methods, "no cmake_args"
    print(f"{path}: compiles; CMakePackage; versions {calls['version']}; variants "
          f"{calls['variant']}; depends_on {sorted(deps)} (syntax and structure only: Spack is "
          "not installed)")


if __name__ == "__main__":
    try:
        main(sys.argv[1])
    except (AssertionError, py_compile.PyCompileError, SyntaxError) as e:
        print(f"{sys.argv[1]}: FAILED: {e}", file=sys.stderr)
        sys.exit(1)
