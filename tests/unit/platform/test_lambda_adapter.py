import pytest

from wandr.localstack import lambda_adapter


def test_the_installed_moto_offers_the_method_the_adapter_replaces():
    lambda_adapter.check_compatible()


def test_a_moto_whose_invoke_method_changed_shape_is_refused_loudly(monkeypatch):
    def changed(self, event, context, extra):  # what a future moto might look like
        return "", False, ""

    monkeypatch.setattr(lambda_adapter, "_original_invoke", changed)
    with pytest.raises(lambda_adapter.LambdaAdapterError, match="must be updated"):
        lambda_adapter.install()


def test_handlers_resolve_from_their_lambda_handler_string():
    handler = lambda_adapter.resolve_handler("functions.ingest.dispatch.handler")
    assert callable(handler)
    with pytest.raises(lambda_adapter.LambdaAdapterError):
        lambda_adapter.resolve_handler("nohandler")
