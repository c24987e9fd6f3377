//! Files and notices: an administrator's upload of a unit's file and a phone's signed, ranged
//! download of one shared with its user (described on the handlers in `crate::routes::blobs`),
//! the notices an administrator publishes and reads the 回执 of, and the receipts a phone sends
//! (`crate::routes::notices`). The download's answers are written here: the macro cannot give a
//! header a pattern, and the 200, 206 and 304 share theirs.

use crate::routes::blobs::{__path_download, __path_upload};
use crate::routes::notices::{__path_list, __path_publish, __path_receive, __path_roster};
use std::collections::BTreeMap;
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
use utoipa::openapi::{
    ContentBuilder, Header, HeaderBuilder, RefOr, Response, ResponseBuilder, Schema,
};
use utoipa::{IntoResponses, OpenApi, PartialSchema, ToSchema};

/// The file and notice operations.
#[derive(OpenApi)]
#[openapi(paths(upload, download, list, publish, roster, receive))]
pub struct Api;

/// A raw file as a body: any bytes.
pub struct Binary;

impl PartialSchema for Binary {
    fn schema() -> RefOr<Schema> {
        binary().into()
    }
}

impl ToSchema for Binary {}

/// A string of any bytes.
pub fn binary() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
}

/// A header whose value is a string of `pattern`.
fn header(description: &str, pattern: &str) -> Header {
    let text = ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(pattern));
    HeaderBuilder::new()
        .schema(text)
        .description(Some(description))
        .build()
}

/// What a successful download answer carries (`crate::routes::blobs::common_headers`), with
/// Content-Length unless it is a 304.
fn download_headers(mut response: ResponseBuilder, with_length: bool) -> ResponseBuilder {
    let etag = header(
        "The strong entity tag `\"<sha256>\"`.",
        "^\"[0-9a-f]{64}\"$",
    );
    let bytes = ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(["bytes"]));
    let accept_ranges = HeaderBuilder::new()
        .schema(bytes)
        .description(Some("Always `bytes`."))
        .build();
    let cache_control = HeaderBuilder::new()
        .schema(ObjectBuilder::new().schema_type(Type::String))
        .description(Some("Always `private`: never kept by a shared cache."))
        .build();
    response = response
        .header("ETag", etag)
        .header("Accept-Ranges", accept_ranges)
        .header("Cache-Control", cache_control);
    if with_length {
        response = response.header(
            "Content-Length",
            header("Bytes in this answer.", "^[0-9]+$"),
        );
    }
    response
}

/// The file's bytes, of its stored media type.
fn file_content() -> utoipa::openapi::Content {
    ContentBuilder::new().schema(Some(binary())).build()
}

/// The answers of `GET /v1/blobs/{sha256}` that are not shared with other operations: the whole
/// file, a range of it, the phone's copy being current, and a range outside the file.
pub struct DownloadAnswers;

impl IntoResponses for DownloadAnswers {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        let whole = ResponseBuilder::new()
            .description("The whole file, with its stored media type.")
            .content("*/*", file_content());
        let range = ResponseBuilder::new()
            .description("The requested range.")
            .content("*/*", file_content());
        let range = download_headers(range, true).header(
            "Content-Range",
            header(
                "`bytes <first>-<last>/<size>`.",
                "^bytes [0-9]+-[0-9]+/[0-9]+$",
            ),
        );
        let current = ResponseBuilder::new()
            .description("The phone's copy (named in If-None-Match) is current.");
        let outside = super::refusals::error(
            "`range_not_satisfiable`: the range starts at or past the end of the file.",
        )
        .header(
            "Content-Range",
            header("`bytes */<size>`.", "^bytes \\*/[0-9]+$"),
        );
        [
            ("200", download_headers(whole, true)),
            ("206", range),
            ("304", download_headers(current, false)),
            ("416", outside),
        ]
        .into_iter()
        .map(|(status, response)| (status.to_owned(), RefOr::T(response.build())))
        .collect()
    }
}
