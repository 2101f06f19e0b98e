"""Builds libinversekit.so and its compute libraries from the source tree this package sits in and
bundles them, so that `pip install ./bindings/python` (or `pip wheel`) gives a package that works
on its own. The wheel is tagged for the platform (the libraries are native) but not for a Python
version (they are loaded with ctypes)."""
from __future__ import annotations

import shutil
import subprocess
import sysconfig
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

try:
    from setuptools.command.bdist_wheel import bdist_wheel
except ImportError:  # setuptools < 70
    from wheel.bdist_wheel import bdist_wheel

HERE = Path(__file__).resolve().parent
LIBRARIES = ["libinversekit.so", "libinversekit_core_sse2.so", "libinversekit_core_avx2.so",
             "libinversekit_core_avx512.so"]


def source_root() -> Path | None:
    root = HERE.parent.parent
    return root if (root / "Package.swift").exists() and (root / ".ci" / "build_library.sh").exists() else None


class BuildWithLibrary(build_py):
    """Runs the release build of the library, then copies it into the package."""

    def run(self) -> None:
        super().run()
        root = source_root()
        target = Path(self.build_lib) / "inversekit"
        if root is None:
            present = [name for name in LIBRARIES if (HERE / "inversekit" / name).exists()]
            if len(present) != len(LIBRARIES):
                raise SystemExit("error: building inversekit needs its source tree (Package.swift beside "
                                 "bindings/), or the libraries " + ", ".join(LIBRARIES) + " in inversekit/")
            source = HERE / "inversekit"
        else:
            try:
                subprocess.run(["bash", str(root / ".ci" / "build_library.sh")], check=True)
            except FileNotFoundError:
                raise SystemExit("error: bash is needed to build libinversekit") from None
            except subprocess.CalledProcessError as failure:
                raise SystemExit(f"error: building libinversekit failed (exit {failure.returncode}); "
                                 "see the messages above") from None
            source = root / ".build" / "release"
        target.mkdir(parents=True, exist_ok=True)
        for name in LIBRARIES:
            shutil.copy2(source / name, target / name)


class PlatformWheel(bdist_wheel):
    def finalize_options(self) -> None:
        super().finalize_options()
        self.root_is_pure = False

    def get_tag(self):
        return "py3", "none", sysconfig.get_platform().replace("-", "_").replace(".", "_")


setup(cmdclass={"build_py": BuildWithLibrary, "bdist_wheel": PlatformWheel})
