// Package s3blobdriver links gocloud.dev's S3 driver, so that s3:// bucket
// URLs open (blob.OpenBucket registers drivers by import). Import it only
// in programs that read or write S3: it brings in the AWS SDK.
package s3blobdriver

import _ "gocloud.dev/blob/s3blob" // registers the s3 scheme on blob.DefaultMux

// Scheme is the URL scheme the driver serves.
const Scheme = "s3"
