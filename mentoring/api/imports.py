"""CSV in and out over the API: the parser and renderer, and the preview/apply
shape of a CSV import (people here; role events in metrics)."""

from __future__ import annotations

import json

from rest_framework import parsers, renderers, serializers

from .common import ErrorOut

class CSVRenderer(renderers.BaseRenderer):
    """Lets a client ask for ``Accept: text/csv``; errors still come out readable."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return (data if isinstance(data, str) else json.dumps(data)).encode(self.charset)


class CSVParser(parsers.BaseParser):
    media_type = "text/csv"

    def parse(self, stream, media_type=None, parser_context=None):
        return stream.read() if stream is not None else b""


class ImportRowOut(serializers.Serializer):
    row = serializers.IntegerField(help_text="Line number in the file (the header is line 1).")
    email = serializers.CharField(allow_null=True)
    display_name = serializers.CharField(allow_null=True)
    action = serializers.ChoiceField(["create", "update"])
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


class ImportErrorOut(serializers.Serializer):
    row = serializers.IntegerField(allow_null=True, help_text="Empty for a problem with the whole file.")
    field = serializers.CharField(allow_null=True)
    message = serializers.CharField()


class ImportResultOut(serializers.Serializer):
    applied = serializers.BooleanField()
    ok = serializers.BooleanField(help_text="True when every row is valid (apply would succeed).")
    row_count = serializers.IntegerField()
    create_count = serializers.IntegerField()
    update_count = serializers.IntegerField()
    rows = ImportRowOut(many=True)
    errors = ImportErrorOut(many=True)


class ImportRefusedOut(ErrorOut):
    row_errors = ImportErrorOut(many=True, required=False,
                                help_text="When the file was read: each row and field with a problem.")


class ImportIn(serializers.Serializer):
    file = serializers.FileField(help_text="A people CSV (UTF-8). Or send the CSV itself as text/csv.")


class ImportQueryIn(serializers.Serializer):
    apply = serializers.BooleanField(required=False, default=False,
                                     help_text="1 to apply (all or nothing); otherwise a preview.")
