"""Package list for setuptools (the rest of the configuration is in pyproject.toml).

The package `distillgen` is the folder compiler/ and `distillgen.templates` is templates/:
every folder under them is declared as a package of its own (setuptools warns about, and
will stop installing, data in folders that are not), found here so that a new one
(compiler/runtime/, templates/project/<kind>/) is installed without editing this file.
"""

from setuptools import find_namespace_packages, setup


def packages_under(name: str, where: str) -> list[str]:
    found = find_namespace_packages(where=where, exclude=["*__pycache__*"])
    # Cookiecutter's {{cookiecutter.name}} folders are not package names: their files are
    # installed as data of the package above them.
    return [name] + [f"{name}.{p}" for p in found if all(s.isidentifier() for s in p.split("."))]


setup(
    packages=packages_under("distillgen", "compiler")
    + packages_under("distillgen.templates", "templates")
)
