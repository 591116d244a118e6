"""Package for module-mode runs: python -m pkgdemo.cli ARGS."""
