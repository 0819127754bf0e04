"""Build hook: the committed schemas (schemas/) and the documentation (docs/) ship in the package.

They live once, at the repository root, where editors and readers find them; a wheel carries
copies under reconciler/schemas/ and reconciler/docs/ (see reconciler/resources.py). The rest of
the build is declared in pyproject.toml.
"""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
SHIPPED = {"schemas": "*.json", "docs": "*.md"}


class BuildPyWithData(build_py):
    def run(self) -> None:
        super().run()
        for folder, pattern in SHIPPED.items():
            target = Path(self.build_lib) / "reconciler" / folder
            self.mkpath(str(target))
            for source in sorted((ROOT / folder).glob(pattern)):
                self.copy_file(str(source), str(target / source.name))


setup(cmdclass={"build_py": BuildPyWithData})
