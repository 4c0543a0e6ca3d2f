"""Request parsers. Apart from api_support on purpose: DRF resolves DEFAULT_PARSER_CLASSES
while it defines APIView, so this module must not import rest_framework.views (a worker
whose first DRF import was api_support failed to start on the circular import)."""

from rest_framework import exceptions, parsers


class JSONParser(parsers.JSONParser):
    """DRF's parser, plus a 400 for JSON nested deeper than Python's parser recurses
    (``[[[[…]]]]``): DRF only catches ValueError, so a RecursionError used to be a 500."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise exceptions.ParseError("JSON invalide : imbrication trop profonde.") from exc
