"""The S3 error catalogue and the exception every layer raises to report one.

The catalogue is data: one entry per AWS error code with its HTTP status and AWS's default
message. Raise ``S3Error("NoSuchKey", key=...)``; keyword arguments become extra XML elements
in the rendered ``<Error>`` (``Key``, ``BucketName``, ``UploadId``...), as AWS does.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ErrorSpec:
    """One AWS error code: its HTTP status and default message."""

    status: int
    message: str


CATALOGUE: dict[str, ErrorSpec] = {
    "AccessDenied": ErrorSpec(403, "Access Denied"),
    "AccountProblem": ErrorSpec(403, "There is a problem with your AWS account."),
    "AuthorizationHeaderMalformed": ErrorSpec(400, "The authorization header is malformed."),
    "AuthorizationQueryParametersError": ErrorSpec(
        400, "Error parsing the X-Amz-Credential parameter."
    ),
    "BadDigest": ErrorSpec(400, "The Content-MD5 you specified did not match what we received."),
    "BadRequest": ErrorSpec(400, "Bad Request"),
    "BucketAlreadyExists": ErrorSpec(
        409,
        "The requested bucket name is not available. The bucket namespace is shared by "
        "all users of the system. Please select a different name and try again.",
    ),
    "BucketAlreadyOwnedByYou": ErrorSpec(
        409,
        "Your previous request to create the named bucket succeeded and you already own it.",
    ),
    "BucketNotEmpty": ErrorSpec(409, "The bucket you tried to delete is not empty"),
    "ConditionalRequestConflict": ErrorSpec(
        409,
        "A conflicting operation occurred. If using PutObject you can retry the request. "
        "If using multipart upload you should initiate another CreateMultipartUpload "
        "request and re-upload each part.",
    ),
    "EntityTooLarge": ErrorSpec(400, "Your proposed upload exceeds the maximum allowed size"),
    "EntityTooSmall": ErrorSpec(
        400, "Your proposed upload is smaller than the minimum allowed object size."
    ),
    "ExpiredToken": ErrorSpec(400, "The provided token has expired."),
    "IllegalLocationConstraintException": ErrorSpec(
        400,
        "The unspecified location constraint is incompatible for the region specific "
        "endpoint this request was sent to.",
    ),
    "IncompleteBody": ErrorSpec(
        400,
        "You did not provide the number of bytes specified by the Content-Length HTTP header",
    ),
    "InternalError": ErrorSpec(500, "We encountered an internal error. Please try again."),
    "InvalidAccessKeyId": ErrorSpec(
        403, "The AWS Access Key Id you provided does not exist in our records."
    ),
    "InvalidArgument": ErrorSpec(400, "Invalid Argument"),
    "InvalidBucketName": ErrorSpec(400, "The specified bucket is not valid."),
    "InvalidBucketState": ErrorSpec(
        409, "The request is not valid with the current state of the bucket."
    ),
    "InvalidDigest": ErrorSpec(400, "The Content-MD5 you specified is not valid."),
    "InvalidEncryptionAlgorithmError": ErrorSpec(
        400, "The encryption request you specified is not valid."
    ),
    "InvalidLocationConstraint": ErrorSpec(400, "The specified location-constraint is not valid"),
    "InvalidObjectState": ErrorSpec(
        403, "The operation is not valid for the current state of the object."
    ),
    "InvalidPart": ErrorSpec(
        400,
        "One or more of the specified parts could not be found.  The part may not have "
        "been uploaded, or the specified entity tag may not match the part's entity tag.",
    ),
    "InvalidPartOrder": ErrorSpec(
        400,
        "The list of parts was not in ascending order. The parts list must be specified "
        "in order by part number.",
    ),
    "InvalidPartNumber": ErrorSpec(416, "The requested partnumber is not satisfiable"),
    "InvalidRange": ErrorSpec(416, "The requested range is not satisfiable"),
    "InvalidRequest": ErrorSpec(400, "Invalid Request"),
    "InvalidStorageClass": ErrorSpec(400, "The storage class you specified is not valid"),
    "InvalidTag": ErrorSpec(400, "The TagValue you have provided is invalid"),
    "InvalidURI": ErrorSpec(400, "Couldn't parse the specified URI."),
    "KeyTooLongError": ErrorSpec(400, "Your key is too long"),
    "MalformedACLError": ErrorSpec(
        400,
        "The XML you provided was not well-formed or did not validate against our published schema",
    ),
    "MalformedPOSTRequest": ErrorSpec(
        400, "The body of your POST request is not well-formed multipart/form-data."
    ),
    "MalformedXML": ErrorSpec(
        400,
        "The XML you provided was not well-formed or did not validate against our published schema",
    ),
    "MaxMessageLengthExceeded": ErrorSpec(400, "Your request was too big."),
    "MetadataTooLarge": ErrorSpec(
        400, "Your metadata headers exceed the maximum allowed metadata size."
    ),
    "MethodNotAllowed": ErrorSpec(
        405, "The specified method is not allowed against this resource."
    ),
    "MissingContentLength": ErrorSpec(411, "You must provide the Content-Length HTTP header."),
    "MissingRequestBodyError": ErrorSpec(400, "Request Body is empty"),
    "MissingSecurityHeader": ErrorSpec(400, "Your request was missing a required header"),
    "NoSuchBucket": ErrorSpec(404, "The specified bucket does not exist"),
    "NoSuchKey": ErrorSpec(404, "The specified key does not exist."),
    "NoSuchTagSet": ErrorSpec(404, "The TagSet does not exist"),
    "NoSuchUpload": ErrorSpec(
        404,
        "The specified upload does not exist. The upload ID may be invalid, or the upload "
        "may have been aborted or completed.",
    ),
    "NoSuchVersion": ErrorSpec(404, "The specified version does not exist."),
    "NotImplemented": ErrorSpec(
        501, "A header you provided implies functionality that is not implemented"
    ),
    "NotModified": ErrorSpec(304, "Not Modified"),
    "PreconditionFailed": ErrorSpec(
        412, "At least one of the pre-conditions you specified did not hold"
    ),
    "RequestHeaderSectionTooLarge": ErrorSpec(
        400, "Your request header section exceeds the maximum allowed size."
    ),
    "RequestTimeout": ErrorSpec(
        400,
        "Your socket connection to the server was not read from or written to within "
        "the timeout period.",
    ),
    "RequestTimeTooSkewed": ErrorSpec(
        403,
        "The difference between the request time and the current time is too large.",
    ),
    "SignatureDoesNotMatch": ErrorSpec(
        403,
        "The request signature we calculated does not match the signature you provided. "
        "Check your key and signing method.",
    ),
    "SlowDown": ErrorSpec(503, "Please reduce your request rate."),
    "TooManyBuckets": ErrorSpec(400, "You have attempted to create more buckets than allowed"),
    "UnexpectedContent": ErrorSpec(400, "This request does not support content"),
    "XAmzContentSHA256Mismatch": ErrorSpec(
        400,
        "The provided 'x-amz-content-sha256' header does not match what was computed.",
    ),
    "InvalidChunkSizeError": ErrorSpec(
        403, "Only the last chunk is allowed to have a size less than 8192 bytes"
    ),
}


class HydriaError(Exception):
    """Root of Hydria's own exceptions; lower-layer errors are mapped to these at boundaries."""


class S3Error(HydriaError):
    """An error S3 clients see: a catalogue code, a message and extra XML fields."""

    def __init__(
        self,
        code: str,
        message: str | None = None,
        *,
        status: int | None = None,
        headers: dict[str, str] | None = None,
        **fields: object,
    ) -> None:
        spec = CATALOGUE[code]
        self.code = code
        self.status = status if status is not None else spec.status
        self.message = message if message is not None else spec.message
        self.fields: dict[str, str] = {k: str(v) for k, v in fields.items() if v is not None}
        self.headers: dict[str, str] = dict(headers or {})
        super().__init__(f"{code}: {self.message}")


def not_implemented(operation: str | None = None) -> S3Error:
    """The exact error AWS-compatible servers give for an operation that is not built yet."""
    return S3Error(
        "NotImplemented",
        "A header you provided implies functionality that is not implemented",
        **({"Operation": operation} if operation else {}),
    )
