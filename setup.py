"""Package layout for the build (the rest of the metadata is in pyproject.toml): every package
under rnnviz/ and explorer/, plus the guidance prose assets/*.md installed as explorer.assets."""

from setuptools import find_packages, setup

# The guidance stays at the repository root (assets/*.md, where writers edit it); the build maps
# that folder into the package so an installed app reads it with importlib.resources.
packages = [
    *find_packages(include=["rnnviz", "rnnviz.*", "explorer", "explorer.*"]),
    "explorer.assets",
]

setup(
    packages=packages,
    package_dir={"explorer.assets": "assets"},
    # The zoo's trained weights (state_dicts) and their vocabularies/featurisers ride along too.
    package_data={"explorer.assets": ["*.md"], "rnnviz.zoo": ["models/*.pt", "models/*.json"]},
    include_package_data=False,
)
