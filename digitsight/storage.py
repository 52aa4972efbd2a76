"""The media storage backends the settings choose from (no Django imports: settings load this)."""


def s3_backend(
    bucket: str,
    endpoint_url: str | None = None,
    region: str | None = None,
    addressing_style: str = "path",
    location: str = "media",
    access_key: str | None = None,
    secret_key: str | None = None,
) -> dict:
    """A STORAGES entry for an S3-compatible bucket (AWS, MinIO, ...).

    Without keys, boto3's own chain applies (its environment variables, an instance role).
    """
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": endpoint_url or None,
            "region_name": region or None,
            # "path" for MinIO and most self-hosted servers; "virtual" for AWS.
            "addressing_style": addressing_style,
            "location": location,
            "access_key": access_key or None,
            "secret_key": secret_key or None,
            # Objects stay private: downloads stream through the views that check access,
            # and any signed URL expires within minutes.
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": 300,
            # Two uploads never share a key (our names are random; this guards the rest).
            "file_overwrite": False,
        },
    }
