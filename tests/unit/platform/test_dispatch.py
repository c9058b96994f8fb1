import pytest

from wandr.dispatch import NotAnObjectCreatedEvent, parse_object_created


def _event(**object_fields):
    return {
        "source": "aws.s3",
        "detail-type": "Object Created",
        "detail": {"bucket": {"name": "raw"}, "object": {"key": "k", "size": 3, **object_fields}},
    }


def test_an_aws_object_created_event_gives_bucket_key_etag_and_size():
    assert parse_object_created(_event(etag="abc")) == {
        "bucket": "raw",
        "key": "k",
        "etag": "abc",
        "size": 3,
    }


def test_the_etag_spelling_moto_uses_is_accepted_too():
    assert parse_object_created(_event(eTag='"abc"'))["etag"] == "abc"


@pytest.mark.parametrize(
    "event",
    [
        {"source": "aws.s3", "detail-type": "Object Deleted", "detail": {}},
        {"Records": []},
        _event(),
    ],
)
def test_anything_else_is_refused_with_the_reason(event):
    with pytest.raises(NotAnObjectCreatedEvent):
        parse_object_created(event)
