"""The error catalogue against AWS's published list of S3 error codes, and S3Error itself."""

from __future__ import annotations

import pytest

from hydria.errors import CATALOGUE, HydriaError, S3Error, not_implemented

# (code, HTTP status) as published in "List of error codes", Error responses, Amazon S3 API
# Reference (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html; the same
# list is reproduced in the S3 API model's documentation of Error.Code). Codes whose status the
# list gives as "N/A" (SOAP only) are left out.
AWS_ERROR_CODES: dict[str, int] = {
    "AccessControlListNotSupported": 400,
    "AccessDenied": 403,
    "AccountProblem": 403,
    "AllAccessDisabled": 403,
    "AmbiguousGrantByEmailAddress": 400,
    "AuthorizationHeaderMalformed": 400,
    "AuthorizationQueryParametersError": 400,
    "BadDigest": 400,
    "BucketAlreadyExists": 409,
    "BucketAlreadyOwnedByYou": 409,
    "BucketNotEmpty": 409,
    "ConditionalRequestConflict": 409,
    "CredentialsNotSupported": 400,
    "CrossLocationLoggingProhibited": 403,
    "EntityTooSmall": 400,
    "EntityTooLarge": 400,
    "ExpiredToken": 400,
    "IllegalLocationConstraintException": 400,
    "IllegalVersioningConfigurationException": 400,
    "IncompleteBody": 400,
    "IncorrectNumberOfFilesInPostRequest": 400,
    "InlineDataTooLarge": 400,
    "InternalError": 500,
    "InvalidAccessKeyId": 403,
    "InvalidArgument": 400,
    "InvalidBucketName": 400,
    "InvalidBucketState": 409,
    "InvalidDigest": 400,
    "InvalidEncryptionAlgorithmError": 400,
    "InvalidLocationConstraint": 400,
    "InvalidObjectState": 403,
    "InvalidPart": 400,
    "InvalidPartOrder": 400,
    "InvalidPayer": 403,
    "InvalidPolicyDocument": 400,
    "InvalidRange": 416,
    "InvalidRequest": 400,
    "InvalidSecurity": 403,
    "InvalidSOAPRequest": 400,
    "InvalidStorageClass": 400,
    "InvalidTag": 400,
    "InvalidTargetBucketForLogging": 400,
    "InvalidToken": 400,
    "InvalidURI": 400,
    "KeyTooLongError": 400,
    "MalformedACLError": 400,
    "MalformedPOSTRequest": 400,
    "MalformedXML": 400,
    "MaxMessageLengthExceeded": 400,
    "MaxPostPreDataLengthExceededError": 400,
    "MetadataTooLarge": 400,
    "MethodNotAllowed": 405,
    "MissingContentLength": 411,
    "MissingRequestBodyError": 400,
    "MissingSecurityElement": 400,
    "MissingSecurityHeader": 400,
    "NoLoggingStatusForKey": 400,
    "NoSuchBucket": 404,
    "NoSuchBucketPolicy": 404,
    "NoSuchCORSConfiguration": 404,
    "NoSuchKey": 404,
    "NoSuchLifecycleConfiguration": 404,
    "NoSuchTagSet": 404,
    "NoSuchUpload": 404,
    "NoSuchVersion": 404,
    "NoSuchWebsiteConfiguration": 404,
    "NotImplemented": 501,
    "NotModified": 304,
    "NotSignedUp": 403,
    "OperationAborted": 409,
    "OwnershipControlsNotFoundError": 404,
    "PermanentRedirect": 301,
    "PreconditionFailed": 412,
    "Redirect": 307,
    "RequestHeaderSectionTooLarge": 400,
    "RequestIsNotMultiPartContent": 400,
    "RequestTimeout": 400,
    "RequestTimeTooSkewed": 403,
    "RequestTorrentOfBucketError": 400,
    "RestoreAlreadyInProgress": 409,
    "ServerSideEncryptionConfigurationNotFoundError": 404,
    "ServiceUnavailable": 503,
    "SignatureDoesNotMatch": 403,
    "SlowDown": 503,
    "TemporaryRedirect": 307,
    "TokenRefreshRequired": 400,
    "TooManyBuckets": 400,
    "UnexpectedContent": 400,
    "UnresolvableGrantByEmailAddress": 400,
    "UserKeyMustBeSpecified": 400,
}

# Codes S3 sends on the wire that the published list leaves out, with the status S3 uses.
AWS_UNLISTED_WIRE_CODES: dict[str, int] = {
    # SigV4 payload hash differs from the body (documented with x-amz-content-sha256).
    "XAmzContentSHA256Mismatch": 400,
    # aws-chunked body with a signed chunk under 8 KiB that is not the last one.
    "InvalidChunkSizeError": 403,
    # GetObject/HeadObject ?partNumber beyond the object's part count.
    "InvalidPartNumber": 416,
    # More tags than allowed: "Object tags cannot be greater than 10" (boto/boto3#1213).
    "BadRequest": 400,
}

AWS_STATUSES = {**AWS_ERROR_CODES, **AWS_UNLISTED_WIRE_CODES}


@pytest.mark.parametrize("code", sorted(CATALOGUE))
def test_catalogue_code_is_an_aws_error_code(code: str) -> None:
    assert code in AWS_STATUSES, f"{code!r} is not an S3 error code clients know"


@pytest.mark.parametrize("code", sorted(CATALOGUE))
def test_catalogue_status_matches_aws(code: str) -> None:
    if code in AWS_STATUSES:
        assert CATALOGUE[code].status == AWS_STATUSES[code]


@pytest.mark.parametrize("code", sorted(CATALOGUE))
def test_catalogue_entry_has_a_default_message(code: str) -> None:
    message = CATALOGUE[code].message
    assert message and message == message.strip()


def test_s3_error_takes_status_and_message_from_catalogue() -> None:
    error = S3Error("NoSuchKey")
    assert (error.code, error.status) == ("NoSuchKey", 404)
    assert error.message == CATALOGUE["NoSuchKey"].message
    assert error.fields == {}
    assert error.headers == {}
    assert isinstance(error, HydriaError)


def test_s3_error_keyword_arguments_become_string_fields() -> None:
    error = S3Error("InvalidRange", RangeRequested="bytes=100-", ActualObjectSize=10)
    assert error.fields == {"RangeRequested": "bytes=100-", "ActualObjectSize": "10"}


def test_s3_error_drops_fields_given_as_none() -> None:
    error = S3Error("NoSuchUpload", UploadId="u1", Key=None)
    assert error.fields == {"UploadId": "u1"}


def test_s3_error_message_status_and_headers_can_be_overridden() -> None:
    error = S3Error(
        "InvalidArgument", "Part number must be an integer", status=400, headers={"x-a": "b"}
    )
    assert error.message == "Part number must be an integer"
    assert error.headers == {"x-a": "b"}
    assert "InvalidArgument" in str(error)


def test_s3_error_unknown_code_is_a_programming_error() -> None:
    with pytest.raises(KeyError):
        S3Error("NoSuchThing")


def test_not_implemented_is_501_and_names_operation() -> None:
    error = not_implemented("GetBucketAcl")
    assert (error.code, error.status) == ("NotImplemented", 501)
    assert error.fields == {"Operation": "GetBucketAcl"}
    assert not_implemented().fields == {}
