"""One S3 multipart upload fed part by part while the dump goes on, with a SHA-256 per part."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import queue
import threading
from collections.abc import Mapping
from typing import Any

from jobs.common import Doing, JobError, s3_error

# Parts read ahead of the upload: memory stays at about (QUEUED_PARTS + 2) x the part size whatever the size.
QUEUED_PARTS = 2


def composite_checksum(part_digests: list[bytes]) -> str:
    """S3's checksum of a multipart object: the SHA-256 of the parts' SHA-256s, then `-<parts>`."""
    return base64.b64encode(hashlib.sha256(b"".join(part_digests)).digest()).decode() + f"-{len(part_digests)}"


class Upload:
    """One multipart upload, its parts sent from a thread while the dump goes on."""

    def __init__(self, s3: Any, bucket: str, key: str, extra: Mapping[str, str]):
        self.s3, self.bucket, self.key = s3, bucket, key
        created = s3.create_multipart_upload(Bucket=bucket, Key=key, ChecksumAlgorithm="SHA256", **extra)
        self.upload_id: str = created["UploadId"]
        self.parts: list[dict[str, Any]] = []
        self.digests: list[bytes] = []
        self.size = 0
        self.error: BaseException | None = None
        self._queue: queue.Queue[bytes | None] = queue.Queue(maxsize=QUEUED_PARTS)
        self._thread = threading.Thread(target=self._send_all, daemon=True)
        self._thread.start()

    def put(self, part: bytes) -> None:
        if self.error is not None:
            raise self.error
        self._queue.put(part)

    def _send_all(self) -> None:
        while (part := self._queue.get()) is not None:
            if self.error is not None:
                continue  # keep draining, so the producer never blocks on a dead consumer
            number = len(self.parts) + 1
            try:
                self._send(number, part)
            except BaseException as exc:
                self.error = s3_error(exc, self.bucket, f"UploadPart (part {number})")

    def _send(self, number: int, part: bytes) -> None:
        digest = hashlib.sha256(part).digest()
        checksum = base64.b64encode(digest).decode()
        sent = self.s3.upload_part(
            Bucket=self.bucket,
            Key=self.key,
            UploadId=self.upload_id,
            PartNumber=number,
            Body=part,
            ChecksumSHA256=checksum,  # S3 refuses the part if the bytes it got hash otherwise
        )
        self.parts.append({"PartNumber": number, "ETag": sent["ETag"], "ChecksumSHA256": checksum})
        self.digests.append(digest)
        self.size += len(part)

    def finish(self) -> None:
        """Wait for the parts in flight; a failed part is raised here."""
        self._queue.put(None)
        self._thread.join()
        if self.error is not None:
            raise self.error

    def complete(self) -> None:
        Doing.now = "completing the upload (CompleteMultipartUpload)"
        try:
            done = self.s3.complete_multipart_upload(
                Bucket=self.bucket, Key=self.key, UploadId=self.upload_id, MultipartUpload={"Parts": self.parts}
            )
        except Exception as exc:
            raise s3_error(exc, self.bucket, "CompleteMultipartUpload") from None
        expected = composite_checksum(self.digests)
        got = done.get("ChecksumSHA256")
        if got is not None and got != expected:
            raise JobError(f"s3://{self.bucket}/{self.key} has checksum {got}, the dump {expected}")

    def abort(self) -> None:
        self.error = self.error or JobError("aborted")
        self._queue.put(None)  # the sender skips what is queued and stops
        # what an abort cannot remove, the bucket's lifecycle rule does a day later
        with contextlib.suppress(Exception):
            self.s3.abort_multipart_upload(Bucket=self.bucket, Key=self.key, UploadId=self.upload_id)
