"""Synthesising the app must not leak into the process that ran it (tests share processes)."""

import os
import sys


def test_synth_leaves_no_cdk_tokens_in_the_environment(synth):
    assert not [k for k, v in os.environ.items() if "${Token[" in v]


def test_modules_first_imported_by_chalice_packaging_are_not_kept(synth):
    import wandr.uploads

    assert "Token" not in wandr.uploads.Upload.Meta.table_name
    assert "app" not in sys.modules or "${Token" not in repr(vars(sys.modules["app"]))
