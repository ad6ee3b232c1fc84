"""Glue of ``recipes/hindi_lm_bootstrap``: LM variants, the in-domain data-size sweep, NMT evaluation of
several models and the report (``asrboot bootstrap ...``, :mod:`asrboot.cli.bootstrap`)."""
