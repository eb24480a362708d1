# Spack recipe for wordmill (cluster/README.md, "Spack and modules"). To use it, put it in a
# Spack repository of your site and point `git` at your wordmill repository:
#   spack repo create /opt/spack-repos/site && mkdir -p /opt/spack-repos/site/packages/wordmill
#   cp cluster/spack/package.py /opt/spack-repos/site/packages/wordmill/
#   spack repo add /opt/spack-repos/site && spack install wordmill@main +native
# Versions are git tags v<X.Y.Z> (the CMake project version) plus the main branch. darts.h (Darts
# 0.32, header-only, Debian package `darts`) has no Spack package: give its directory in
# WORDMILL_DARTS_INCLUDE_DIR, or have it on the compiler's include path.
import os

from spack.package import *


class Wordmill(CMakePackage):
    """Corpora to vocabularies, co-occurrence counts and word embeddings (skip-gram, CBOW,
    GloVe) across the ranks of an MPI job, with wordmill::vectors, a C++ reader of every
    vectors format it writes."""

    homepage = "https://wordmill.invalid/"  # site-specific: no public home page
    git = os.environ.get("WORDMILL_GIT", "https://wordmill.invalid/wordmill.git")

    version("main", branch="main")
    version("0.1.0", tag="v0.1.0")

    variant("native", default=False, description="Tune for the build machine (-march=native)")
    variant("tests", default=False, description="Build the GoogleTest suite and run it (spack install --test=root)")

    depends_on("cmake@3.25:", type="build")
    depends_on("ninja", type="build")
    depends_on("pkgconfig", type="build")
    depends_on("openmpi")
    depends_on("eigen@3.4:")
    depends_on("abseil-cpp")
    depends_on("protobuf")
    depends_on("zstd")
    depends_on("utf8proc")
    depends_on("simdjson")
    depends_on("xxhash")
    depends_on("libdivsufsort")
    depends_on("googletest", type="build", when="+tests")

    generator("ninja")

    def cmake_args(self):
        args = [
            self.define_from_variant("WORDMILL_NATIVE", "native"),
            self.define_from_variant("WORDMILL_BUILD_TESTS", "tests"),
        ]
        # Spack's git checkout keeps .git, so --version reports the commit it built.
        darts = os.environ.get("WORDMILL_DARTS_INCLUDE_DIR")
        if darts:
            args.append(self.define("DARTS_INCLUDE_DIR", darts))
        return args

    def setup_run_environment(self, env):
        # Launch scripts and examples: $WORDMILL_SHARE/cluster/mpirun.sh, .../slurm/wordmill.sbatch.
        env.set("WORDMILL_SHARE", self.prefix.share.wordmill)
        env.set("WORDMILL", self.prefix.bin.wordmill)

    @run_after("install")
    @on_package_attributes(run_tests=True)
    def check_installed_version(self):
        which(self.prefix.bin.wordmill)("--version")
