//! Opinions: a person's 常用意见 (read and replaced from the phone, the unit's defaults set by an
//! administrator) and the handwriting images and voice clips a phone uploads before the command
//! whose opinion names them; described on the handlers in `crate::routes::phrases`.

use crate::blobs::opinion_files::MAX_BYTES;
use crate::routes::phrases::{
    __path_book, __path_replace_own, __path_set_unit_phrases, __path_unit_phrases, __path_upload,
};
use utoipa::openapi::{RefOr, Schema};
use utoipa::{OpenApi, PartialSchema, ToSchema};

/// The opinion operations.
#[derive(OpenApi)]
#[openapi(paths(book, replace_own, upload, unit_phrases, set_unit_phrases))]
pub struct Api;

/// The body of an opinion file's upload: its raw bytes, at most [`MAX_BYTES`].
pub struct OpinionFileBytes;

impl PartialSchema for OpinionFileBytes {
    fn schema() -> RefOr<Schema> {
        super::notices::binary().max_length(Some(MAX_BYTES)).into()
    }
}

impl ToSchema for OpinionFileBytes {}
