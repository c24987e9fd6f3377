//! 常用意见 and opinion files on the link: the person's phrase book (a signed `GET /v1/phrases`
//! with the version held as `If-None-Match`, so an unchanged book comes back as a bodiless 304),
//! an edit of their own list (`PUT /v1/phrases`), and the upload of an opinion's handwriting or
//! voice (`PUT /v1/blobs/<sha256>?media_type=…`, the raw bytes, signed like every request).

use super::{parse, Credentials, GatewayClient, LinkError};
use crate::protocol::phrases::{PhraseBook, PhraseEdit, PHRASES_PATH};
use crate::protocol::BLOBS_PATH;
use reqwest::Method;

impl GatewayClient {
    /// The person's phrase book, or `None` when `known` (the version held) is still current.
    pub async fn phrases(
        &self,
        credentials: &Credentials,
        known: Option<&str>,
    ) -> Result<Option<PhraseBook>, LinkError> {
        let url = self.url(PHRASES_PATH)?;
        let mut request = self.signed(Method::GET, url, Vec::new(), credentials)?;
        if let Some(version) = known.filter(|v| !v.is_empty()) {
            request = request.header("if-none-match", format!("\"{version}\""));
        }
        let response = self.send(request).await?;
        if response.status() == reqwest::StatusCode::NOT_MODIFIED {
            return Ok(None);
        }
        parse(response).await.map(Some)
    }

    /// Replaces the person's own list; a `409 stale_phrases` when another device edited first.
    pub async fn replace_phrases(
        &self,
        credentials: &Credentials,
        edit: &PhraseEdit,
    ) -> Result<PhraseBook, LinkError> {
        let url = self.url(PHRASES_PATH)?;
        let body = serde_json::to_vec(edit).map_err(|e| LinkError::Protocol(e.to_string()))?;
        self.send_signed(Method::PUT, url, body, credentials).await
    }

    /// Uploads an opinion's file, named by its SHA-256 (lowercase hex), with its media type.
    pub async fn upload_opinion_file(
        &self,
        credentials: &Credentials,
        sha256: &str,
        media_type: &str,
        bytes: Vec<u8>,
    ) -> Result<(), LinkError> {
        let mut url = self.url(&format!("{BLOBS_PATH}/{sha256}"))?;
        url.query_pairs_mut().append_pair("media_type", media_type);
        let _: serde_json::Value = self
            .send_signed(Method::PUT, url, bytes, credentials)
            .await?;
        Ok(())
    }
}
