"""The book's build tools, run from the repository root as ``python -m tools.<name>``.

* :mod:`tools.config` reads ``_config.yml`` and ``_toc.yml`` (the one place that does);
* :mod:`tools.myst_to_jupyter` turns a MyST chapter into plain Jupyter Markdown;
* :mod:`tools.notebooks` writes the chapters' notebooks (paired and downloadable);
* :mod:`tools.notebook_check` runs every notebook in a bare kernel, as a reader would;
* :mod:`tools.execute` executes the chapters in parallel into the execution cache;
* :mod:`tools.cache_guard` keeps executed outputs from going stale;
* :mod:`tools.sphinx_ext` is the book's Sphinx extension (what stock Sphinx cannot do);
* :mod:`tools.bench_build` and :mod:`tools.bench_engine` measure the build and the engine.

The tools depend on the book's build environment (``make install``), never the
other way round: ``dlbook`` knows nothing of them.
"""
