"""Refuse an oversized file as it arrives, not after the whole request is on disk.

A form with several files cannot be judged from its Content-Length, so the handler counts
each file's bytes: past DIGITSIGHT_MAX_UPLOAD_BYTES the file is skipped (nothing of it is
kept) and its name recorded for the view's message, while the other files go through.
"""

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, SkipFile


class FileSizeLimitHandler(FileUploadHandler):
    def __init__(self, request=None):
        super().__init__(request)
        self.limit = settings.DIGITSIGHT_MAX_UPLOAD_BYTES
        self.received = 0
        request.oversized_files = []

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.limit:
            self.request.oversized_files.append(self.file_name or "file")
            raise SkipFile
        return raw_data

    def file_complete(self, file_size):
        return None  # the next handler (memory or temporary file) builds the file


def oversized_files(request) -> list[str]:
    return list(getattr(request, "oversized_files", []))
